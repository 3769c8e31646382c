// Checks every name an image's own metadata supplies (manifest.json, index.json, repositories,
// ancestry, digests) before it is used as a path: no `..`, no absolute paths, no NUL, nothing that
// resolves outside the archive or directory being read.
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';

/** A validated content digest. */
export interface ParsedDigest {
  readonly algorithm: 'sha256' | 'sha512';
  readonly hex: string;
}

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Validates `sha256:<64 hex>` / `sha512:<128 hex>`; anything else is an error naming `file` and `entry`. */
export function parseDigest(digest: unknown, file: string, entry: string): ParsedDigest {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    const text = typeof digest === 'string' ? digest : String(digest);
    const code = /[/\\\0]|\.\./.test(text) ? 'unsafe-path' : 'malformed';
    throw new StrataError(code, `${file}: ${entry} has an invalid digest ${JSON.stringify(text.slice(0, 200))}.`, { file, entry });
  }
  const [algorithm, hex] = digest.split(':') as ['sha256' | 'sha512', string];
  return { algorithm, hex };
}

/** The blob path of a digest inside an OCI layout: `blobs/<algorithm>/<hex>`. */
export function blobPath(digest: unknown, file: string, entry: string): string {
  const { algorithm, hex } = parseDigest(digest, file, entry);
  return `blobs/${algorithm}/${hex}`;
}

/**
 * Validates a relative path an image's metadata names and returns it normalised (POSIX).
 * `entry` says where the name came from, for the error.
 */
export function safeRelativePath(name: unknown, file: string, entry: string): string {
  const text = typeof name === 'string' ? name : '';
  const unsafe =
    text === '' ||
    text.includes('\0') ||
    text.includes('\\') ||
    text.startsWith('/') ||
    /^[A-Za-z]:/.test(text) ||
    text.split('/').some((part) => part === '..');
  if (unsafe) {
    throw new StrataError('unsafe-path', `${file}: ${entry} names an unsafe path ${JSON.stringify(String(name).slice(0, 200))}.`, {
      file,
      entry,
    });
  }
  return path.posix.normalize(text).replace(/^\.\//, '');
}

/** Validates one path segment (an image id, a tag, a repository name) before it becomes part of a path. */
export function safeSegment(name: unknown, file: string, entry: string): string {
  const text = safeRelativePath(name, file, entry);
  if (text.includes('/') || text === '.') {
    throw new StrataError('unsafe-path', `${file}: ${entry} is not a single path segment (${JSON.stringify(text)}).`, { file, entry });
  }
  return text;
}

/**
 * Joins a validated relative path to `root` and checks that the real path (symlinks followed) stays
 * inside the real `root`; returns the joined path. A missing file is a `not-found` error.
 */
export async function resolveInside(root: string, relative: string, entry: string): Promise<string> {
  const joined = path.join(root, relative);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(joined), realpath(root)]);
  } catch {
    throw new StrataError('not-found', `${root}: ${entry} is missing (${relative}).`, { file: root, entry: relative });
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new StrataError('unsafe-path', `${root}: ${entry} (${relative}) resolves outside the directory.`, {
      file: root,
      entry: relative,
    });
  }
  return joined;
}
