// Sniffs a layer blob's compression from its first bytes and builds the matching streaming decompressor.
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { StrataError } from '../../shared/errors';
import type { Compression } from '../../shared/model';
import { headerChecksumOk } from './tar-reader';
import { createThreadedDecompressor, type DigestingTransform, type ThreadedOptions } from './threaded-decompressor';
import { createSequentialXzDecoder, XzBlockDecoder } from './xz-block-decoder';

/** Bytes of a blob's head that `detectCompression` needs to decide (one tar header block). */
export const DETECT_BYTES = 512;

/** Output chunk size of the decompressors: large chunks cut per-chunk overhead (zlib's 16 KiB default is ~2× slower). */
export const DECOMPRESS_CHUNK = 256 * 1024;

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

/** True when `block` starts with a tar header whose checksum is right. */
export function isTarHeader(block: Buffer): boolean {
  return block.length >= 512 && headerChecksumOk(block, 0);
}

/** Detects a blob's compression from its first bytes (magic numbers, never the file name); throws 'unknown-format' naming `name`. */
export function detectCompression(head: Buffer, name = 'layer'): Compression {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x42, 0x5a, 0x68])) return 'bzip2';
  // A plain tar: a valid header, or an empty archive (zero blocks, or nothing at all).
  if (head.length === 0 || isTarHeader(head)) return 'none';
  if (head.length >= 512 && head.subarray(0, 512).every((b) => b === 0)) return 'none';
  throw new StrataError('unknown-format', `${name}: not a tar archive, nor gzip, zstd, xz or bzip2 compressed`, { file: name });
}

type ZstdZlib = typeof zlib & { createZstdDecompress?: (options?: zlib.ZlibOptions) => Transform };

/**
 * A streaming decompressor for the format (null for plain tar); bzip2 throws 'unknown-format' (not supported).
 * `threaded` runs gzip and zstd on a thread of their own, overlapping the caller's parsing and hashing, and decodes
 * multi-block xz streams' blocks in parallel; `hashOutput` says whether a zstd thread hashes its output (the diff id).
 */
export function createDecompressor(compression: Compression, name = 'layer', options: { threaded?: boolean; hashOutput?: boolean } = {}): Transform | null {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return options.threaded ? createThreadedDecompressor('gzip') : zlib.createGunzip({ chunkSize: DECOMPRESS_CHUNK });
    case 'zstd': {
      const native = (zlib as ZstdZlib).createZstdDecompress;
      if (native) return native({ chunkSize: DECOMPRESS_CHUNK });
      // Node 20 has no zstd in zlib: zstd-napi's libzstd, whose stream would run on the calling thread.
      if (options.threaded) return createThreadedDecompressor('zstd', { hashOutput: options.hashOutput });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DecompressStream } = require('zstd-napi') as typeof import('zstd-napi');
      return new DecompressStream();
    }
    case 'xz':
      // Multi-block streams (xz -T, pixz) decode two blocks at a time on libuv's pool; others sequentially.
      return options.threaded ? new XzBlockDecoder(name) : createSequentialXzDecoder();
    case 'bzip2':
      throw new StrataError('unknown-format', `${name}: bzip2-compressed layers are not supported; decompress it first (bzip2 -d)`, {
        file: name,
      });
  }
}

/**
 * A decompressor whose own thread reads `source` (gzip, zstd where zlib has none, and plain tars, passed
 * through); null for formats without one (xz), which are streamed to `createDecompressor`'s instead.
 */
export function createFileDecompressor(compression: Compression, source: ThreadedOptions & Required<Pick<ThreadedOptions, 'file'>>): DigestingTransform | null {
  if (compression === 'gzip' || compression === 'none') return createThreadedDecompressor(compression, source);
  if (compression === 'zstd' && !(zlib as ZstdZlib).createZstdDecompress) return createThreadedDecompressor('zstd', source);
  return null;
}
