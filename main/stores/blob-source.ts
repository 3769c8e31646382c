// Where an archive-or-directory store reads its files: a directory on disk or the members of an
// uncompressed tar. Names are validated (untrusted-paths) before they are looked up.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import { resolveMember, type ArchiveMembers } from './archive-members';
import { MAX_METADATA_BYTES } from './image-config';
import { resolveInside, safeRelativePath } from './untrusted-paths';
import type { FileRange } from './types';

/** Files of an image container addressed by relative names, for OCI layouts and `docker save` archives. */
export interface BlobSource {
  /** The archive file or directory, for messages. */
  readonly location: string;
  /** Reads a small file whole; over MAX_METADATA_BYTES is a `too-large` error. */
  readSmall(name: string): Promise<Buffer>;
  /** The byte range holding a file's bytes. */
  range(name: string): Promise<FileRange>;
  /** Human name of a file for errors and Layer.name (`archive.tar!blobs/sha256/…` or a host path). */
  describe(name: string): string;
}

/** A BlobSource over the members of an uncompressed tar archive. */
export function archiveBlobSource(archive: ArchiveMembers): BlobSource {
  const find = (name: string) => {
    const relative = safeRelativePath(name, archive.file, 'a member name');
    const member = resolveMember(archive, relative);
    if (!member) throw new StrataError('not-found', `${archive.file}: member ${relative} is missing.`, { file: archive.file, entry: relative });
    return member;
  };
  return {
    location: archive.file,
    async readSmall(name) {
      const member = find(name);
      if (member.size > MAX_METADATA_BYTES) throw tooLarge(archive.file, member.name, member.size);
      return readExactly(archive.file, member.offset, member.size);
    },
    async range(name) {
      const member = find(name);
      return { path: archive.file, offset: member.offset, length: member.size };
    },
    describe: (name) => `${archive.file}!${name}`,
  };
}

/** A BlobSource over a directory; symlinks resolving outside it are `unsafe-path` errors. */
export function directoryBlobSource(root: string): BlobSource {
  const find = async (name: string) => {
    const relative = safeRelativePath(name, root, 'a file name');
    const full = await resolveInside(root, relative, 'file');
    const info = await stat(full);
    if (!info.isFile()) throw new StrataError('malformed', `${root}: ${relative} is not a regular file.`, { file: root, entry: relative });
    return { full, size: info.size, relative };
  };
  return {
    location: root,
    async readSmall(name) {
      const { full, size, relative } = await find(name);
      if (size > MAX_METADATA_BYTES) throw tooLarge(root, relative, size);
      return readExactly(full, 0, size);
    },
    async range(name) {
      const { full, size } = await find(name);
      return { path: full, offset: 0, length: size };
    },
    describe: (name) => path.join(root, name),
  };
}

function tooLarge(file: string, entry: string, size: number): StrataError {
  return new StrataError('too-large', `${file}: ${entry} is ${size} bytes, over the ${MAX_METADATA_BYTES}-byte metadata limit.`, { file, entry });
}

/** Reads `length` bytes at `offset` of a file. */
export async function readExactly(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    if (bytesRead !== length) throw new StrataError('malformed', `${file}: truncated (wanted ${length} bytes at ${offset}).`, { file });
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Reads a small content-addressed blob (`blobs/<alg>/<hex>`) and checks its digest. */
export async function readVerifiedBlob(source: BlobSource, digest: string, blobName: string): Promise<Buffer> {
  const bytes = await source.readSmall(blobName);
  const [algorithm, expected] = digest.split(':');
  const actual = createHash(algorithm).update(bytes).digest('hex');
  if (actual !== expected) {
    throw new StrataError('digest-mismatch', `${source.location}: ${blobName} is ${algorithm}:${actual}, expected ${digest}.`, {
      file: source.location,
      entry: blobName,
    });
  }
  return bytes;
}
