// Lists a layer's files from its table of contents, fetched with Range requests only:
// eStargz (TOC `stargz.index.json` in a gzip member before a 51-byte footer) and zstd:chunked (TOC
// as a zstd frame inside a skippable frame, located by annotations or a 72-byte footer).
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import * as zstd from 'zstd-napi';
import { StrataError } from '../../shared/errors';
import type { EntryType, LayerEntry, LayerIndex, LayerWarning } from '../../shared/model';
import { classifyEntryPath, normalizeEntryPath } from '../layers/entry-path';

/** Reads bytes [start, end) of the blob; null when the server does not honour ranges. */
export type RangeReader = (start: number, end: number) => Promise<Buffer | null>;

/** The layer blob as its manifest describes it. */
export interface LazyBlob {
  readonly size: number;
  readonly mediaType: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** `sha256:` of the uncompressed tar (from the config), '' when unknown. */
  readonly diffId: string;
}

const ESTARGZ_TOC_DIGEST = 'containerd.io/snapshot/stargz/toc.digest';
const ESTARGZ_UNCOMPRESSED = 'io.containers.estargz.uncompressed-size';
const ZSTD_POSITION = 'io.github.containers.zstd-chunked.manifest-position';
const ZSTD_CHECKSUM = 'io.github.containers.zstd-chunked.manifest-checksum';
const MAX_TOC_BYTES = 256 * 1024 * 1024;
const ZSTD_FOOTER = 72;
const ZSTD_FOOTER_V1 = 48;
const SKIPPABLE_MAGIC = 0x184d2a50;
const CHUNKED_MAGIC = Buffer.from('GNUlInUx', 'latin1');

/** Tells which lazy format a layer declares through its annotations, if any. */
export function lazyFormatOf(blob: Pick<LazyBlob, 'mediaType' | 'annotations'>): 'estargz' | 'zstd-chunked' | null {
  if (blob.annotations[ZSTD_POSITION] && /zstd/.test(blob.mediaType)) return 'zstd-chunked';
  if (blob.annotations[ESTARGZ_TOC_DIGEST] && /gzip/.test(blob.mediaType)) return 'estargz';
  return null;
}

/**
 * Lists a layer from its TOC; null when the layer declares no lazy format or the server ignores
 * ranges (the caller then reads the whole blob). A TOC that fails its digest is an error.
 */
export async function lazyLayerIndex(read: RangeReader, blob: LazyBlob, where: string): Promise<LayerIndex | null> {
  const format = lazyFormatOf(blob);
  if (!format) return null;
  let fetched = 0;
  const counted: RangeReader = async (start, end) => {
    if (start < 0 || end > blob.size || start >= end) {
      throw new StrataError('malformed', `${where}: the ${format} TOC points outside the blob (${start}–${end} of ${blob.size}).`, { file: where });
    }
    const bytes = await read(start, end);
    if (bytes) fetched += bytes.length;
    return bytes;
  };
  const toc = format === 'estargz' ? await estargzToc(counted, blob, where) : await zstdChunkedToc(counted, blob, where);
  if (!toc) return null;
  const uncompressed = Number(blob.annotations[ESTARGZ_UNCOMPRESSED]);
  return tocToLayerIndex(toc, {
    diffId: blob.diffId,
    compression: format === 'estargz' ? 'gzip' : 'zstd',
    compressedSize: blob.size,
    uncompressedSize: Number.isSafeInteger(uncompressed) && uncompressed > 0 ? uncompressed : undefined,
    lazy: { format, bytesFetched: fetched },
    where,
  });
}

async function estargzToc(read: RangeReader, blob: LazyBlob, where: string): Promise<Buffer | null> {
  if (blob.size < 51) throw new StrataError('malformed', `${where}: too small for an eStargz footer.`, { file: where });
  const footer = await read(blob.size - 51, blob.size);
  if (!footer) return null;
  const tocOffset = estargzFooterOffset(footer);
  if (tocOffset === null) throw new StrataError('malformed', `${where}: the eStargz footer is missing or malformed.`, { file: where });
  const compressed = await read(tocOffset, blob.size - 51);
  if (!compressed) return null;
  let tar: Buffer;
  try {
    tar = gunzipSync(compressed, { maxOutputLength: MAX_TOC_BYTES + 4096 });
  } catch (error) {
    throw new StrataError('malformed', `${where}: the eStargz TOC does not decompress (${(error as Error).message}).`, { file: where });
  }
  const json = tarMember(tar, 'stargz.index.json', where);
  verify(json, blob.annotations[ESTARGZ_TOC_DIGEST], where, 'eStargz TOC');
  return json;
}

/** The TOC offset an eStargz footer (51 bytes, or a legacy stargz 47-byte one at its end) records; null when absent. */
export function estargzFooterOffset(footer: Buffer): number | null {
  const candidates = [
    { at: 16, buf: footer }, // eStargz: gzip FEXTRA with subfield "SG", data "%016xSTARGZ"
    { at: 12, buf: footer.subarray(footer.length - 47) }, // legacy stargz: extra field is the data itself
  ];
  for (const { at, buf } of candidates) {
    if (buf.length < at + 22 || buf[0] !== 0x1f || buf[1] !== 0x8b) continue;
    if (buf.toString('latin1', at + 16, at + 22) !== 'STARGZ') continue;
    const hex = buf.toString('latin1', at, at + 16);
    if (!/^[0-9a-f]{16}$/.test(hex)) continue;
    const offset = Number.parseInt(hex, 16);
    if (Number.isSafeInteger(offset)) return offset;
  }
  return null;
}

async function zstdChunkedToc(read: RangeReader, blob: LazyBlob, where: string): Promise<Buffer | null> {
  let position = parsePosition(blob.annotations[ZSTD_POSITION]);
  if (!position) {
    const footer = await read(Math.max(0, blob.size - ZSTD_FOOTER), blob.size);
    if (!footer) return null;
    position = zstdChunkedFooter(footer);
    if (!position) throw new StrataError('malformed', `${where}: the zstd:chunked footer is missing or malformed.`, { file: where });
  }
  if (position.type !== 1) throw new StrataError('malformed', `${where}: unknown zstd:chunked manifest type ${position.type}.`, { file: where });
  if (position.uncompressedLength > MAX_TOC_BYTES) {
    throw new StrataError('too-large', `${where}: the zstd:chunked TOC is ${position.uncompressedLength} bytes, over ${MAX_TOC_BYTES}.`, { file: where });
  }
  const compressed = await read(position.offset, position.offset + position.length);
  if (!compressed) return null;
  verify(compressed, blob.annotations[ZSTD_CHECKSUM], where, 'zstd:chunked TOC');
  return zstdDecompressCapped(compressed, MAX_TOC_BYTES, where);
}

/** Decompresses a zstd buffer, refusing more than `max` bytes of output (no decompression bombs). */
async function zstdDecompressCapped(input: Buffer, max: number, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = new zstd.DecompressStream();
  stream.end(input);
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > max) {
        stream.destroy();
        throw new StrataError('too-large', `${where}: the zstd:chunked TOC decompresses to more than ${max} bytes.`, { file: where });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw new StrataError('malformed', `${where}: the zstd:chunked TOC does not decompress (${(error as Error).message}).`, { file: where });
  }
  return Buffer.concat(chunks);
}

interface TocPosition {
  readonly offset: number;
  readonly length: number;
  readonly uncompressedLength: number;
  readonly type: number;
}

function parsePosition(value: string | undefined): TocPosition | null {
  if (!value) return null;
  const parts = value.split(':').map(Number);
  if (parts.length !== 4 || !parts.every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
  return { offset: parts[0], length: parts[1], uncompressedLength: parts[2], type: parts[3] };
}

/** The TOC position a zstd:chunked footer (72 bytes, or the older 48-byte one at its end) records; null when absent. */
export function zstdChunkedFooter(tail: Buffer): TocPosition | null {
  for (const size of [ZSTD_FOOTER, ZSTD_FOOTER_V1]) {
    if (tail.length < size) continue;
    const f = tail.subarray(tail.length - size);
    if (f.readUInt32LE(0) !== SKIPPABLE_MAGIC || f.readUInt32LE(4) !== size - 8) continue;
    if (!f.subarray(size - 8).equals(CHUNKED_MAGIC)) continue;
    const n = (i: number) => Number(f.readBigUInt64LE(8 + i * 8));
    return { offset: n(0), length: n(1), uncompressedLength: n(2), type: n(3) };
  }
  return null;
}

function verify(bytes: Buffer, digest: string | undefined, where: string, what: string): void {
  if (!digest) return;
  const algorithm = digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
  if (actual !== digest) throw new StrataError('digest-mismatch', `${where}: the ${what}'s digest is ${actual}, not ${digest}.`, { file: where });
}

/** The content of a member of a small uncompressed tar (ustar headers, PAX records skipped). */
function tarMember(tar: Buffer, name: string, where: string): Buffer {
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const member = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = Number.parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) break;
    if (member.replace(/^\.\//, '') === name) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new StrataError('malformed', `${where}: the eStargz TOC has no ${name}.`, { file: where, entry: name });
}

const TOC_TYPES: Readonly<Record<string, EntryType>> = {
  reg: 'file',
  dir: 'dir',
  symlink: 'symlink',
  hardlink: 'hardlink',
  char: 'char',
  block: 'block',
  fifo: 'fifo',
};

/** Turns TOC JSON (`{version, entries}`) into a LayerIndex; whiteouts and opaque markers become lists. */
export function tocToLayerIndex(
  json: Buffer,
  info: {
    readonly diffId: string;
    readonly compression: 'gzip' | 'zstd';
    readonly compressedSize: number;
    readonly uncompressedSize?: number;
    readonly lazy: NonNullable<LayerIndex['lazy']>;
    readonly where: string;
  },
): LayerIndex {
  let toc: { entries?: unknown };
  try {
    toc = JSON.parse(json.toString('utf8')) as { entries?: unknown };
  } catch {
    throw new StrataError('malformed', `${info.where}: the ${info.lazy.format} TOC is not JSON.`, { file: info.where });
  }
  if (!toc || !Array.isArray(toc.entries)) throw new StrataError('malformed', `${info.where}: the ${info.lazy.format} TOC has no entries.`, { file: info.where });
  const entries: LayerEntry[] = [];
  const byPath = new Map<string, number>();
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const warnings: LayerWarning[] = [];
  let estimate = 1024;
  for (const raw of toc.entries as Record<string, unknown>[]) {
    if (!raw || typeof raw !== 'object') continue;
    const tocType = String(raw.type ?? '');
    if (tocType === 'chunk') continue;
    const name = String(raw.name ?? '');
    const size = typeof raw.size === 'number' && raw.size > 0 ? raw.size : 0;
    estimate += 512 + Math.ceil(size / 512) * 512;
    const type = TOC_TYPES[tocType];
    if (!type) {
      warnings.push({ code: 'unsupported-entry', message: `TOC entry type ${JSON.stringify(tocType)} is not modelled; skipped.`, entry: name });
      continue;
    }
    const kind = classifyEntryPath(name);
    if (kind.kind === 'unsafe') {
      warnings.push({ code: 'unsafe-path', message: `Entry ${JSON.stringify(name)} ${kind.reason}; kept out of the tree.`, entry: name });
      continue;
    }
    if (kind.kind === 'whiteout') {
      whiteouts.push(kind.path);
      continue;
    }
    if (kind.kind === 'opaque') {
      opaqueDirs.push(kind.dir);
      continue;
    }
    if (kind.kind !== 'path') continue;
    const link = typeof raw.linkName === 'string' ? raw.linkName : '';
    const entry: LayerEntry = {
      path: kind.path,
      type,
      size: type === 'file' ? size : 0,
      mode: typeof raw.mode === 'number' ? raw.mode & 0o7777 : 0,
      uid: typeof raw.uid === 'number' ? raw.uid : 0,
      gid: typeof raw.gid === 'number' ? raw.gid : 0,
      mtime: typeof raw.modtime === 'string' && !Number.isNaN(Date.parse(raw.modtime)) ? Math.floor(Date.parse(raw.modtime) / 1000) : 0,
      linkname: type === 'hardlink' ? normalizeEntryPath(link) ?? link : type === 'symlink' ? link : '',
      digest: type === 'file' ? fileDigest(raw, size) : '',
    };
    const seen = byPath.get(entry.path);
    if (seen !== undefined) {
      warnings.push({ code: 'duplicate-path', message: `${entry.path} appears twice in the layer; the last one wins.`, entry: name });
      entries[seen] = entry;
    } else {
      byPath.set(entry.path, entries.length);
      entries.push(entry);
    }
  }
  return {
    diffId: info.diffId,
    compression: info.compression,
    compressedSize: info.compressedSize,
    uncompressedSize: info.uncompressedSize ?? estimate,
    entries,
    whiteouts,
    opaqueDirs,
    warnings,
    lazy: info.lazy,
  };
}

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function fileDigest(raw: Record<string, unknown>, size: number): string {
  if (size === 0) return EMPTY_SHA256;
  if (typeof raw.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(raw.digest)) return raw.digest;
  return '';
}
