// A Layer whose blob is a byte range of a local file (a whole file, or a member of an archive):
// `open()` streams the range and checks its digest at the end; plus magic sniffing and hashing of ranges.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { StrataError } from '../../shared/errors';
import type { Compression, LayerDescriptor } from '../../shared/model';
import { DETECT_BYTES, detectCompression } from '../layers/compression';
import { MEDIA_TYPES } from './image-config';
import type { FileRange, Layer } from './types';

const READ_CHUNK = 256 * 1024;

/** A Layer over a file range; `open()` fails with `digest-mismatch` at the end when the bytes do not match `descriptor.digest`. */
export function rangeLayer(descriptor: LayerDescriptor, name: string, file: FileRange): Layer {
  return {
    descriptor,
    name,
    file,
    async open(signal?: AbortSignal): Promise<Readable> {
      if (signal?.aborted) throw new StrataError('cancelled', `${name}: cancelled.`, { file: file.path });
      const raw = openRange(file, signal);
      return descriptor.digest ? raw.pipe(verifyingStream(descriptor.digest, name, file.path, raw)) : raw;
    },
  };
}

/** A read stream over exactly the range (an empty stream for a zero-length range). */
export function openRange(file: FileRange, signal?: AbortSignal): Readable {
  return createReadStream(file.path, {
    start: file.offset,
    end: file.offset + file.length - 1,
    highWaterMark: READ_CHUNK,
    signal,
  });
}

function verifyingStream(digest: string, name: string, path: string, source: Readable): Transform {
  const [algorithm, expected] = digest.split(':');
  const hash = createHash(algorithm === 'sha512' ? 'sha512' : 'sha256');
  const out = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest('hex');
      if (actual === expected) callback();
      else callback(new StrataError('digest-mismatch', `${name}: content is ${algorithm}:${actual}, expected ${digest}.`, { file: path, entry: name }));
    },
  });
  source.on('error', (error) => out.destroy(error));
  out.on('close', () => source.destroy());
  return out;
}

/** The `algorithm:hex` digest of a file range, read as a stream. */
export async function hashRange(file: FileRange, algorithm: 'sha256' | 'sha512' = 'sha256', signal?: AbortSignal): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of openRange(file, signal)) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}

const digestMemo = new Map<string, Promise<string>>();
const DIGEST_MEMO_LIMIT = 4096;

/**
 * The sha256 of a file range for formats that do not carry one (loose layers, v1 stores, compressed
 * legacy `docker save` layers), remembered for this process by path, range, size, inode and mtime, so
 * reopening an unchanged source does not read its layers again.
 */
export async function rangeDigest(file: FileRange): Promise<string> {
  const info = await stat(file.path);
  const key = [file.path, file.offset, file.length, info.size, info.ino, info.mtimeMs].join('\0');
  let digest = digestMemo.get(key);
  if (!digest) {
    if (digestMemo.size >= DIGEST_MEMO_LIMIT) digestMemo.delete(digestMemo.keys().next().value as string);
    digest = hashRange(file);
    digestMemo.set(key, digest);
    digest.catch(() => digestMemo.delete(key));
  }
  return digest;
}

/** The compression of a blob by its magic bytes (the indexer's sniffer); bytes it does not recognise count as `none`. */
export function compressionOfMagic(head: Buffer): Compression {
  try {
    return detectCompression(head);
  } catch {
    return 'none';
  }
}

/** Reads the first bytes of a range and sniffs its compression. */
export async function sniffRange(file: FileRange): Promise<Compression> {
  const handle = await open(file.path, 'r');
  try {
    const head = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await handle.read(head, 0, Math.min(DETECT_BYTES, file.length), file.offset);
    return compressionOfMagic(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** A layer media type for a sniffed compression (the OCI names; Docker has no zstd/xz/bzip2 types). */
export function layerMediaType(compression: Compression): string {
  switch (compression) {
    case 'none':
      return MEDIA_TYPES.ociLayer;
    case 'gzip':
      return MEDIA_TYPES.ociLayerGzip;
    case 'zstd':
      return MEDIA_TYPES.ociLayerZstd;
    case 'xz':
      return 'application/x-xz';
    case 'bzip2':
      return 'application/x-bzip2';
  }
}
