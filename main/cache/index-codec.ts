// A compact binary form of a LayerIndex: columns of numbers plus one UTF-8 text block, with a checksum.
// Used for the on-disk cache and to hand indexes from workers to the main thread without a deep clone.
// The layout and its writer live in index-columns.ts (workers encode straight from their columns).
import { createHash } from 'node:crypto';
import type { LayerIndex } from '../../shared/model';
import { type EncodedMeta, INDEX_FORMAT_VERSION, INDEX_HEADER_BYTES, INDEX_MAGIC, IndexColumns, indexOf, pad8, readEntries } from './index-columns';

/** Encodes an index into one buffer: header (magic, version, checksum), JSON meta, numeric columns, text. */
export function encodeLayerIndex(index: LayerIndex): Buffer {
  return IndexColumns.of(index.entries).encode(index);
}

/** Decodes `encodeLayerIndex` output; returns null when the bytes are truncated, corrupt or of another format. */
export function decodeLayerIndex(data: Buffer): LayerIndex | null {
  if (data.length < INDEX_HEADER_BYTES || data.toString('latin1', 0, 8) !== INDEX_MAGIC) return null;
  if (data.readUInt32LE(8) !== INDEX_FORMAT_VERSION) return null;
  const sum = createHash('sha256').update(data.subarray(INDEX_HEADER_BYTES)).digest();
  if (!sum.equals(data.subarray(16, 48))) return null;
  // Typed-array views need aligned offsets: copy when the buffer is a slice of a shared pool.
  const buf = data.byteOffset % 8 === 0 ? data : Buffer.from(data);
  const metaLen = buf.readUInt32LE(12);
  let meta: EncodedMeta;
  try {
    meta = JSON.parse(buf.toString('utf8', INDEX_HEADER_BYTES, INDEX_HEADER_BYTES + metaLen)) as EncodedMeta;
  } catch {
    return null;
  }
  const n = meta.count;
  let at = INDEX_HEADER_BYTES + pad8(metaLen);
  const need = at + n * 32 + pad8(n * 4) + pad8(n * 12) + meta.textBytes;
  if (!Number.isInteger(n) || n < 0 || need !== buf.length) return null;
  const nums = new Float64Array(buf.buffer, buf.byteOffset + at, n * 4);
  at += n * 32;
  const small = new Uint16Array(buf.buffer, buf.byteOffset + at, n * 2);
  at += pad8(n * 4);
  const lens = new Uint32Array(buf.buffer, buf.byteOffset + at, n * 3);
  at += pad8(n * 12);
  const text = buf.toString('utf8', at, at + meta.textBytes);
  const entries = readEntries(n, nums, small, lens, text);
  return entries && indexOf(meta, entries);
}
