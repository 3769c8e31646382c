// A compact binary form of a LayerIndex: columns of numbers plus one UTF-8 text block, with a checksum.
// Used for the on-disk cache and to hand indexes from workers to the main thread without a deep clone.
import { createHash } from 'node:crypto';
import type { EntryType, LayerEntry, LayerIndex } from '../../shared/model';

const MAGIC = 'STRATAIX';
const HEADER_BYTES = 8 + 4 + 4 + 32; // magic, format version, meta length, sha256 of the rest
const FORMAT_VERSION = 1;
const TYPES: readonly EntryType[] = ['file', 'dir', 'hardlink', 'symlink', 'char', 'block', 'fifo', 'sparse'];
const TYPE_CODE = new Map(TYPES.map((t, i) => [t, i]));

interface Meta {
  readonly diffId: string;
  readonly compression: LayerIndex['compression'];
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly whiteouts: LayerIndex['whiteouts'];
  readonly opaqueDirs: LayerIndex['opaqueDirs'];
  readonly warnings: LayerIndex['warnings'];
  readonly count: number;
  readonly textBytes: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Encodes an index into one buffer: header (magic, version, checksum), JSON meta, numeric columns, text. */
export function encodeLayerIndex(index: LayerIndex): Buffer {
  const entries = index.entries;
  const n = entries.length;
  const nums = new Float64Array(n * 4); // size, mtime, uid, gid
  const small = new Uint16Array(n * 2); // type, mode
  const lens = new Uint32Array(n * 3); // UTF-16 lengths of path, linkname, digest
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    nums[i * 4] = e.size;
    nums[i * 4 + 1] = e.mtime;
    nums[i * 4 + 2] = e.uid;
    nums[i * 4 + 3] = e.gid;
    small[i * 2] = TYPE_CODE.get(e.type) ?? 0;
    small[i * 2 + 1] = e.mode;
    lens[i * 3] = e.path.length;
    lens[i * 3 + 1] = e.linkname.length;
    lens[i * 3 + 2] = e.digest.length;
  }
  let textBytes = 0;
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    textBytes += Buffer.byteLength(e.path) + Buffer.byteLength(e.linkname) + e.digest.length;
  }
  const meta: Meta = {
    diffId: index.diffId,
    compression: index.compression,
    compressedSize: index.compressedSize,
    uncompressedSize: index.uncompressedSize,
    whiteouts: index.whiteouts,
    opaqueDirs: index.opaqueDirs,
    warnings: index.warnings,
    count: n,
    textBytes,
  };
  const metaBuf = Buffer.from(JSON.stringify(meta), 'utf8');
  const metaLen = pad8(metaBuf.length);
  const total = HEADER_BYTES + metaLen + nums.byteLength + pad8(small.byteLength) + pad8(lens.byteLength) + textBytes;
  // Its own ArrayBuffer (never a slice of the shared pool), so a worker can transfer it without a copy.
  const out = Buffer.allocUnsafeSlow(total).fill(0);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(metaBuf.length, 12);
  let at = HEADER_BYTES;
  metaBuf.copy(out, at);
  at += metaLen;
  for (const col of [nums, small, lens]) {
    out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), at);
    at += pad8(col.byteLength);
  }
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    at += out.write(e.path, at, 'utf8');
    if (e.linkname) at += out.write(e.linkname, at, 'utf8');
    if (e.digest) at += out.write(e.digest, at, 'latin1');
  }
  createHash('sha256').update(out.subarray(HEADER_BYTES)).digest().copy(out, 16);
  return out;
}

/** Decodes `encodeLayerIndex` output; returns null when the bytes are truncated, corrupt or of another format. */
export function decodeLayerIndex(data: Buffer): LayerIndex | null {
  if (data.length < HEADER_BYTES || data.toString('latin1', 0, 8) !== MAGIC) return null;
  if (data.readUInt32LE(8) !== FORMAT_VERSION) return null;
  const sum = createHash('sha256').update(data.subarray(HEADER_BYTES)).digest();
  if (!sum.equals(data.subarray(16, 48))) return null;
  // Typed-array views need aligned offsets: copy when the buffer is a slice of a shared pool.
  const buf = data.byteOffset % 8 === 0 ? data : Buffer.from(data);
  const metaLen = buf.readUInt32LE(12);
  let meta: Meta;
  try {
    meta = JSON.parse(buf.toString('utf8', HEADER_BYTES, HEADER_BYTES + metaLen)) as Meta;
  } catch {
    return null;
  }
  const n = meta.count;
  let at = HEADER_BYTES + pad8(metaLen);
  const need = at + n * 32 + pad8(n * 4) + pad8(n * 12) + meta.textBytes;
  if (!Number.isInteger(n) || n < 0 || need !== buf.length) return null;
  const nums = new Float64Array(buf.buffer, buf.byteOffset + at, n * 4);
  at += n * 32;
  const small = new Uint16Array(buf.buffer, buf.byteOffset + at, n * 2);
  at += pad8(n * 4);
  const lens = new Uint32Array(buf.buffer, buf.byteOffset + at, n * 3);
  at += pad8(n * 12);
  const text = buf.toString('utf8', at, at + meta.textBytes);
  const entries: LayerEntry[] = new Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const pathEnd = t + lens[i * 3];
    const linkEnd = pathEnd + lens[i * 3 + 1];
    const digestEnd = linkEnd + lens[i * 3 + 2];
    entries[i] = {
      path: text.slice(t, pathEnd),
      type: TYPES[small[i * 2]],
      size: nums[i * 4],
      mode: small[i * 2 + 1],
      uid: nums[i * 4 + 2],
      gid: nums[i * 4 + 3],
      mtime: nums[i * 4 + 1],
      linkname: pathEnd === linkEnd ? '' : text.slice(pathEnd, linkEnd),
      digest: linkEnd === digestEnd ? '' : text.slice(linkEnd, digestEnd),
    };
    t = digestEnd;
  }
  if (t !== text.length) return null;
  return {
    diffId: meta.diffId,
    compression: meta.compression,
    compressedSize: meta.compressedSize,
    uncompressedSize: meta.uncompressedSize,
    entries,
    whiteouts: meta.whiteouts,
    opaqueDirs: meta.opaqueDirs,
    warnings: meta.warnings,
  };
}
