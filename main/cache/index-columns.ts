// The index codec's format, and a growable columnar table of entries that encodes into it: rows are appended as a
// tar is read (numbers into typed arrays, text into one byte buffer), so no per-entry object is ever built.
import { createHash } from 'node:crypto';
import type { EntryType, LayerEntry, LayerIndex } from '../../shared/model';

/** First bytes of an encoded index. */
export const INDEX_MAGIC = 'STRATAIX';
/** Magic, format version, meta length, sha256 of everything after the header. */
export const INDEX_HEADER_BYTES = 8 + 4 + 4 + 32;
/** Version of the encoded layout (the cache reads only its own). */
export const INDEX_FORMAT_VERSION = 1;
/** Entry types by their code in the type column. */
export const ENTRY_TYPES: readonly EntryType[] = ['file', 'dir', 'hardlink', 'symlink', 'char', 'block', 'fifo', 'sparse'];

/** Everything of a LayerIndex but its entries (and the `lazy` mark, which the format does not keep). */
export type IndexMeta = Omit<LayerIndex, 'entries' | 'lazy'>;

/** The JSON block of an encoded index: the meta, the row count and the text block's size in bytes. */
export interface EncodedMeta extends IndexMeta {
  readonly count: number;
  readonly textBytes: number;
}

/** Rounds up to a multiple of 8 (every column starts 8-aligned). */
export const pad8 = (n: number): number => (n + 7) & ~7;

const TYPE_CODE: Readonly<Record<string, number>> = Object.fromEntries(ENTRY_TYPES.map((t, i) => [t, i]));
/** Type code of a dropped row (never written out). */
const DROPPED = 0xffff;
const DIGEST_PREFIX = Buffer.from('sha256:', 'latin1');
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** UTF-16 length of `sha256:` and 64 hex digits. */
const SHA256_TEXT = 71;

/**
 * Entries in columns: size, mtime, uid, gid (float64); type, mode (uint16); UTF-16 lengths of path, link name and
 * digest (uint32); their UTF-8 text back to back in one buffer. With `uniquePaths`, a row whose path is already
 * present drops the earlier row (the last one wins, at its own position).
 */
export class IndexColumns {
  private capacity: number;
  /** Rows appended, dropped ones included. */
  private count = 0;
  private dropped = 0;
  private nums: Float64Array;
  private small: Uint16Array;
  private lens: Uint32Array;
  /** Byte offset of each row's text, and the byte length of its path (for duplicate checks). */
  private starts: Float64Array;
  private pathBytes: Uint32Array;
  private text: Buffer;
  private textBytes = 0;
  /** Open-addressing set of live rows by path (row + 1; 0 is empty), with each row's path hash. */
  private slots: Int32Array;
  private hashes: Uint32Array;

  constructor(private readonly uniquePaths: boolean, expectedRows = 1024) {
    this.capacity = Math.max(16, expectedRows);
    this.nums = new Float64Array(this.capacity * 4);
    this.small = new Uint16Array(this.capacity * 2);
    this.lens = new Uint32Array(this.capacity * 3);
    this.starts = new Float64Array(this.capacity);
    this.pathBytes = new Uint32Array(this.capacity);
    this.text = Buffer.allocUnsafeSlow(this.capacity * 64);
    this.hashes = new Uint32Array(uniquePaths ? this.capacity : 0);
    this.slots = new Int32Array(uniquePaths ? slotCount(this.capacity) : 0);
  }

  /** The columns of a LayerIndex's entries (kept as they are, duplicates included). */
  static of(entries: readonly LayerEntry[]): IndexColumns {
    const table = new IndexColumns(false, entries.length);
    for (const e of entries) table.add(e.path, e.type, e.size, e.mode, e.uid, e.gid, e.mtime, e.linkname, e.digest);
    return table;
  }

  /** Rows a LayerIndex of this table would have (dropped ones excluded). */
  get rows(): number {
    return this.count - this.dropped;
  }

  /**
   * Appends a row; `digest` is the digest text, or the 32 raw bytes of a sha256 (written as `sha256:<hex>`).
   * Returns true when the row replaced an earlier one with the same path (only with `uniquePaths`).
   */
  add(path: string, type: EntryType, size: number, mode: number, uid: number, gid: number, mtime: number, linkname: string, digest: string | Uint8Array): boolean {
    if (this.count === this.capacity) this.grow();
    const row = this.count++;
    const digestLength = typeof digest === 'string' ? digest.length : SHA256_TEXT;
    this.reserveText(3 * (path.length + linkname.length) + digestLength);
    const text = this.text;
    const start = this.textBytes;
    let at = start + text.write(path, start, 'utf8');
    const pathEnd = at;
    if (linkname) at += text.write(linkname, at, 'utf8');
    if (typeof digest === 'string') {
      if (digest) at += text.write(digest, at, 'latin1');
    } else {
      at += DIGEST_PREFIX.copy(text, at);
      for (let i = 0; i < 32; i++) {
        const b = digest[i];
        text[at++] = HEX[b >> 4];
        text[at++] = HEX[b & 15];
      }
    }
    this.textBytes = at;
    this.nums[row * 4] = size;
    this.nums[row * 4 + 1] = mtime;
    this.nums[row * 4 + 2] = uid;
    this.nums[row * 4 + 3] = gid;
    this.small[row * 2] = TYPE_CODE[type] ?? 0;
    this.small[row * 2 + 1] = mode;
    this.lens[row * 3] = path.length;
    this.lens[row * 3 + 1] = linkname.length;
    this.lens[row * 3 + 2] = digestLength;
    this.starts[row] = start;
    this.pathBytes[row] = pathEnd - start;
    return this.uniquePaths && this.insertPath(row);
  }

  /** Encodes the rows (dropped ones left out) and `meta` into the index codec's format, checksum included. */
  encode(meta: IndexMeta): Buffer {
    const n = this.rows;
    const textBytes = this.textBytes - this.droppedTextBytes();
    const encodedMeta: EncodedMeta = {
      diffId: meta.diffId,
      compression: meta.compression,
      compressedSize: meta.compressedSize,
      uncompressedSize: meta.uncompressedSize,
      whiteouts: meta.whiteouts,
      opaqueDirs: meta.opaqueDirs,
      warnings: meta.warnings,
      count: n,
      textBytes,
    };
    const metaBuf = Buffer.from(JSON.stringify(encodedMeta), 'utf8');
    const numsAt = INDEX_HEADER_BYTES + pad8(metaBuf.length);
    const smallAt = numsAt + n * 32;
    const lensAt = smallAt + pad8(n * 4);
    const textAt = lensAt + pad8(n * 12);
    // Its own ArrayBuffer (never a slice of the shared pool), so a worker can transfer it without a copy.
    const out = Buffer.allocUnsafeSlow(textAt + textBytes).fill(0, 0, textAt);
    out.write(INDEX_MAGIC, 0, 'latin1');
    out.writeUInt32LE(INDEX_FORMAT_VERSION, 8);
    out.writeUInt32LE(metaBuf.length, 12);
    metaBuf.copy(out, INDEX_HEADER_BYTES);
    const nums = new Float64Array(out.buffer, numsAt, n * 4);
    const small = new Uint16Array(out.buffer, smallAt, n * 2);
    const lens = new Uint32Array(out.buffer, lensAt, n * 3);
    if (this.dropped === 0) {
      nums.set(this.nums.subarray(0, n * 4));
      small.set(this.small.subarray(0, n * 2));
      lens.set(this.lens.subarray(0, n * 3));
      this.text.copy(out, textAt, 0, this.textBytes);
    } else {
      let to = 0;
      let at = textAt;
      for (let row = 0; row < this.count; row++) {
        if (this.small[row * 2] === DROPPED) continue;
        for (let k = 0; k < 4; k++) nums[to * 4 + k] = this.nums[row * 4 + k];
        for (let k = 0; k < 2; k++) small[to * 2 + k] = this.small[row * 2 + k];
        for (let k = 0; k < 3; k++) lens[to * 3 + k] = this.lens[row * 3 + k];
        at += this.text.copy(out, at, this.starts[row], this.rowEnd(row));
        to++;
      }
    }
    createHash('sha256').update(out.subarray(INDEX_HEADER_BYTES)).digest().copy(out, 16);
    return out;
  }

  /** Gives the table's memory back (at the next minor GC, not the next full one); the table is unusable afterwards. */
  dispose(): void {
    for (const column of [this.nums, this.small, this.lens, this.starts, this.pathBytes, this.text, this.slots, this.hashes]) release(column.buffer);
    this.capacity = this.count = this.textBytes = 0;
  }

  /** The LayerIndex of the rows and `meta`, built straight from the columns (no encode, no checksum). */
  toIndex(meta: IndexMeta): LayerIndex {
    const text = this.text.toString('utf8', 0, this.textBytes);
    const entries = readEntries(this.count, this.nums, this.small, this.lens, text, this.rows)!;
    return indexOf(meta, entries);
  }

  private rowEnd(row: number): number {
    return row + 1 < this.count ? this.starts[row + 1] : this.textBytes;
  }

  private droppedTextBytes(): number {
    if (this.dropped === 0) return 0;
    let bytes = 0;
    for (let row = 0; row < this.count; row++) if (this.small[row * 2] === DROPPED) bytes += this.rowEnd(row) - this.starts[row];
    return bytes;
  }

  private reserveText(bytes: number): void {
    const need = this.textBytes + bytes;
    if (need <= this.text.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(need, this.text.length * 2));
    this.text.copy(next, 0, 0, this.textBytes);
    release(this.text.buffer);
    this.text = next;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <T extends Float64Array | Uint16Array | Uint32Array>(old: T, make: (n: number) => T, width: number): T => {
      const next = make(capacity * width);
      next.set(old);
      release(old.buffer);
      return next;
    };
    this.nums = widen(this.nums, (n) => new Float64Array(n), 4);
    this.small = widen(this.small, (n) => new Uint16Array(n), 2);
    this.lens = widen(this.lens, (n) => new Uint32Array(n), 3);
    this.starts = widen(this.starts, (n) => new Float64Array(n), 1);
    this.pathBytes = widen(this.pathBytes, (n) => new Uint32Array(n), 1);
    this.capacity = capacity;
    if (!this.uniquePaths) return;
    this.hashes = widen(this.hashes, (n) => new Uint32Array(n), 1);
    release(this.slots.buffer);
    this.slots = new Int32Array(slotCount(capacity));
    const mask = this.slots.length - 1;
    for (let row = 0; row < this.count; row++) {
      if (this.small[row * 2] === DROPPED) continue;
      let slot = this.hashes[row] & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = row + 1;
    }
  }

  /** Adds a row to the path set; drops the live row of the same path, if any, and says so. */
  private insertPath(row: number): boolean {
    const text = this.text;
    const start = this.starts[row];
    const length = this.pathBytes[row];
    let h = 0x811c9dc5;
    for (let i = start; i < start + length; i++) h = Math.imul(h ^ text[i], 0x01000193);
    h >>>= 0;
    this.hashes[row] = h;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (let other = this.slots[slot]; other !== 0; other = this.slots[slot]) {
      const old = other - 1;
      if (this.hashes[old] === h && this.pathBytes[old] === length && text.compare(text, this.starts[old], this.starts[old] + length, start, start + length) === 0) {
        this.slots[slot] = row + 1;
        this.small[old * 2] = DROPPED;
        this.dropped++;
        return true;
      }
      slot = (slot + 1) & mask;
    }
    this.slots[slot] = row + 1;
    return false;
  }
}

/**
 * Frees an ArrayBuffer's memory at the next minor GC instead of the next full one (a buffer that lived through a
 * few allocations is in the old generation, and a small heap seldom runs a full GC): its memory moves to a new,
 * unreferenced buffer, leaving this one detached (empty). Nothing may use the buffer afterwards.
 */
export function release(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
}

/** A power of two at least twice `rows` (the path set stays at most half full). */
function slotCount(rows: number): number {
  let n = 32;
  while (n < rows * 2) n *= 2;
  return n;
}

/** A LayerIndex of `meta` and `entries`, with its fields in their documented order. */
export function indexOf(meta: IndexMeta, entries: LayerEntry[]): LayerIndex {
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

/**
 * A float64 column value as a small integer where it is one: stored in an entry's field as is, where a double
 * would be boxed in a 16-byte heap number of its own (4 per entry, 64 MB per million entries).
 */
function smi(x: number): number {
  const i = x | 0;
  return i === x && (i !== 0 || 1 / x > 0) ? i : x;
}

/**
 * Builds `live` LayerEntry objects from `count` rows of columns and their decoded text (rows of the dropped type
 * code are skipped); every string is a slice of `text`. Returns null when the lengths do not add up to the text.
 */
export function readEntries(count: number, nums: Float64Array, small: Uint16Array, lens: Uint32Array, text: string, live = count): LayerEntry[] | null {
  const entries: LayerEntry[] = new Array(live);
  let t = 0;
  let to = 0;
  for (let i = 0; i < count; i++) {
    const pathEnd = t + lens[i * 3];
    const linkEnd = pathEnd + lens[i * 3 + 1];
    const digestEnd = linkEnd + lens[i * 3 + 2];
    if (small[i * 2] !== DROPPED) {
      entries[to++] = {
        path: text.slice(t, pathEnd),
        type: ENTRY_TYPES[small[i * 2]],
        size: smi(nums[i * 4]),
        mode: small[i * 2 + 1],
        uid: smi(nums[i * 4 + 2]),
        gid: smi(nums[i * 4 + 3]),
        mtime: smi(nums[i * 4 + 1]),
        linkname: pathEnd === linkEnd ? '' : text.slice(pathEnd, linkEnd),
        digest: linkEnd === digestEnd ? '' : text.slice(linkEnd, digestEnd),
      };
    }
    t = digestEnd;
  }
  return t === text.length && to === live ? entries : null;
}
