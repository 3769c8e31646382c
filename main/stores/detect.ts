// Picks the store for a local path by sniffing it (never by its name):
// - a directory with `oci-layout` → OCI layout; with `images/` and `repositories/` → docker-registry v1;
// - an uncompressed tar with `manifest.json` → `docker save` archive; with `index.json` + `oci-layout`
//   → OCI archive; any other tar → one loose layer (the header walk stops at the first member deeper than
//   two levels outside `blobs/`, which no image archive has, so sniffing a big layer reads a few headers);
// - a compressed file → one loose layer, unless its first tar member shows it is a compressed image
//   archive (`docker save | gzip`): that is refused with a clear error (decompress it first), since
//   layers must be byte ranges of the archive for the workers to read them directly.
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { StrataError } from '../../shared/errors';
import type { Compression } from '../../shared/model';
import { createDecompressor, isTarHeader } from '../layers/compression';
import { normalizeMemberName, readArchiveMembers } from './archive-members';
import { openDockerArchive } from './docker-archive';
import { openLayerTarballs } from './layer-tarballs';
import { openOciArchive, openOciLayout } from './oci-layout';
import { compressionOfMagic } from './range-layer';
import { openRegistryV1 } from './registry-v1';
import type { ImageStore } from './types';

/** A store over loose layer files given in order, base first (re-exported: detection's other entry point). */
export { openLayerTarballs } from './layer-tarballs';

const PEEK_INPUT = 64 * 1024;

/** Opens whatever image source `location` is (archive, layout directory, v1 store, single layer). */
export async function openLocalStore(location: string): Promise<ImageStore> {
  const info = await stat(location).catch(() => undefined);
  if (!info) throw new StrataError('not-found', `${location}: no such file or directory.`, { file: location });
  if (info.isDirectory()) return openDirectory(location);
  if (!info.isFile()) throw new StrataError('unknown-format', `${location}: not a regular file or directory.`, { file: location });
  const head = await readHead(location, PEEK_INPUT);
  const compression = compressionOfMagic(head);
  if (compression !== 'none') {
    const inner = await peekDecompressed(head, compression);
    if (inner.length >= 512 && isTarHeader(inner.subarray(0, 512)) && isImageArchiveMember(memberName(inner))) {
      throw new StrataError(
        'unknown-format',
        `${location}: a ${compression}-compressed image archive; decompress it first (the archive must be a plain tar).`,
        { file: location },
      );
    }
    return openLayerTarballs([location]);
  }
  if (head.length < 512 || !isTarHeader(head.subarray(0, 512))) {
    throw new StrataError('unknown-format', `${location}: not an image archive, layout, v1 store or layer tarball.`, { file: location });
  }
  let members;
  try {
    members = await readArchiveMembers(location, isFilesystemPath);
  } catch (error) {
    // A damaged tar whose first member is not image-archive metadata is a layer: the indexer reports it by entry.
    if (isImageArchiveMember(memberName(head))) throw error;
    return openLayerTarballs([location]);
  }
  if (!members.complete) return openLayerTarballs([location]);
  if (members.members.has('manifest.json')) return openDockerArchive(location, members);
  if (members.members.has('index.json') && members.members.has('oci-layout')) return openOciArchive(location, members);
  return openLayerTarballs([location]);
}

async function openDirectory(location: string): Promise<ImageStore> {
  const isFile = (p: string) => stat(path.join(location, p)).then((s) => s.isFile(), () => false);
  const isDir = (p: string) => stat(path.join(location, p)).then((s) => s.isDirectory(), () => false);
  if (await isFile('oci-layout')) return openOciLayout(location);
  if ((await isDir('images')) && (await isDir('repositories'))) return openRegistryV1(location);
  throw new StrataError('unknown-format', `${location}: a directory that is neither an OCI layout nor a docker-registry v1 store.`, {
    file: location,
  });
}

async function readHead(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function memberName(header: Buffer): string {
  const end = header.indexOf(0);
  return normalizeMemberName(header.subarray(0, Math.min(end === -1 ? 100 : end, 100)).toString('utf8'));
}

/** Image archives keep everything within two levels, except under `blobs/`; a deeper name means a layer's filesystem. */
function isFilesystemPath(name: string): boolean {
  return name.split('/').length > 2 && !name.startsWith('blobs/');
}

/** Names `docker save`, kaniko, crane and OCI archives put first; layers start with their filesystem. */
function isImageArchiveMember(name: string): boolean {
  return (
    /^(manifest\.json|index\.json|oci-layout|repositories|blobs(\/.*)?)$/.test(name) ||
    /^(sha256:)?[a-f0-9]{64}(\/.*|\.json|\.tar(\.gz|\.zst)?)?$/.test(name)
  );
}

/** Decompresses the first bytes of a compressed file (at most 64 KiB in, a few KiB out). */
async function peekDecompressed(head: Buffer, compression: Compression): Promise<Buffer> {
  let decoder: Duplex | null;
  try {
    decoder = createDecompressor(compression);
  } catch {
    return Buffer.alloc(0); // a format the indexer cannot read either (bzip2): it reports that itself
  }
  if (!decoder) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolve) => {
    const finish = () => {
      decoder.destroy();
      resolve();
    };
    decoder.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= 4096) finish();
    });
    decoder.on('end', finish);
    decoder.on('error', finish);
    Readable.from([head]).pipe(decoder);
  });
  return Buffer.concat(chunks);
}
