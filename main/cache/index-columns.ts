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
/** Buffers bigger than this get at least `MAPPED_BYTES` of address space. */
const SMALL_BUFFER_BYTES = 4 * 1024 * 1024;
/**
 * Above glibc's largest dynamic mmap threshold (32 MiB): a buffer this big is always mapped on its own and unmapped
 * when freed, where a smaller one, once a bigger block has been freed, comes from the thread's heap arena and stays
 * resident after it is freed (about 150 MB of a 1M-entry run). Untouched pages cost no memory.
 */
const MAPPED_BYTES = 33 * 1024 * 1024;

const roomFor = (bytes: number): number => (bytes <= SMALL_BUFFER_BYTES ? bytes : Math.max(bytes, MAPPED_BYTES));

type Column = Float64Array | Uint16Array | Uint32Array | Int32Array;
type ColumnType<T extends Column> = { new (buffer: ArrayBuffer, offset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/** A zeroed column of `length` elements over an ArrayBuffer of its own (see `roomFor`). */
function column<T extends Column>(type: ColumnType<T>, length: number): T {
  return new type(new ArrayBuffer(roomFor(length * type.BYTES_PER_ELEMENT)), 0, length);
}

/** An uninitialised text buffer of at least `bytes` over an ArrayBuffer of its own (transferable). */
function textBuffer(bytes: number): Buffer {
  return Buffer.allocUnsafeSlow(roomFor(bytes));
}

/** Room kept in front of the text for the header and the JSON meta (more meta than this costs one copy). */
const META_RESERVE = 64 * 1024;

/** Bytes in front of the text of an encoding of `rows` rows whose meta takes `metaBytes`. */
function prefixBytes(rows: number, metaBytes: number): number {
  return INDEX_HEADER_BYTES + pad8(metaBytes) + rows * 32 + pad8(rows * 4) + pad8(rows * 12);
}

/**
 * Entries in columns: size, mtime, uid, gid (float64); type, mode (uint16); UTF-16 lengths of path, link name and
 * digest (uint32); their UTF-8 text back to back in one buffer. With `uniquePaths`, a row whose path is already
 * present drops the earlier row (the last one wins, at its own position). The text buffer keeps room in front for
 * the header, meta and columns, so encoding fills that room in place instead of copying everything once more.
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
  /** Room for the header, meta and columns, then the text from `base` on (`textBytes` of it used). */
  private text: Buffer;
  private base: number;
  private textBytes = 0;
  /** Open-addressing set of live rows by path (row + 1; 0 is empty), with each row's path hash. */
  private slots: Int32Array;
  private hashes: Uint32Array;

  constructor(private readonly uniquePaths: boolean, expectedRows = 1024) {
    this.capacity = Math.max(16, expectedRows);
    this.nums = column(Float64Array, this.capacity * 4);
    this.small = column(Uint16Array, this.capacity * 2);
    this.lens = column(Uint32Array, this.capacity * 3);
    this.starts = column(Float64Array, this.capacity);
    this.pathBytes = column(Uint32Array, this.capacity);
    this.base = prefixBytes(this.capacity, META_RESERVE);
    this.text = textBuffer(this.base + this.capacity * 64);
    this.hashes = column(Uint32Array, uniquePaths ? this.capacity : 0);
    this.slots = column(Int32Array, uniquePaths ? slotCount(this.capacity) : 0);
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
    const start = this.base + this.textBytes;
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
    this.textBytes = at - this.base;
    this.nums[row * 4] = size;
    this.nums[row * 4 + 1] = mtime;
    this.nums[row * 4 + 2] = uid;
    this.nums[row * 4 + 3] = gid;
    this.small[row * 2] = TYPE_CODE[type] ?? 0;
    this.small[row * 2 + 1] = mode;
    this.lens[row * 3] = path.length;
    this.lens[row * 3 + 1] = linkname.length;
    this.lens[row * 3 + 2] = digestLength;
    this.starts[row] = start - this.base;
    this.pathBytes[row] = pathEnd - start;
    return this.uniquePaths && this.insertPath(row);
  }

  /**
   * Encodes the rows (dropped ones left out) and `meta` into the index codec's format, checksum included. The result
   * is a view of the table's own text buffer (transferable, never the shared pool's); the table is unusable afterwards.
   */
  encode(meta: IndexMeta): Buffer {
    const n = this.rows;
    if (this.dropped) this.compactText();
    const encodedMeta: EncodedMeta = {
      diffId: meta.diffId,
      compression: meta.compression,
      compressedSize: meta.compressedSize,
      uncompressedSize: meta.uncompressedSize,
      whiteouts: meta.whiteouts,
      opaqueDirs: meta.opaqueDirs,
      warnings: meta.warnings,
      count: n,
      textBytes: this.textBytes,
    };
    const metaBuf = Buffer.from(JSON.stringify(encodedMeta), 'utf8');
    const prefix = prefixBytes(n, metaBuf.length);
    let out: Buffer;
    if (prefix <= this.base) {
      out = this.text.subarray(this.base - prefix, this.base + this.textBytes);
    } else {
      out = Buffer.allocUnsafeSlow(prefix + this.textBytes);
      this.text.copy(out, prefix, this.base, this.base + this.textBytes);
      release(this.text.buffer);
    }
    this.text = Buffer.allocUnsafeSlow(0);
    out.fill(0, 0, prefix);
    out.write(INDEX_MAGIC, 0, 'latin1');
    out.writeUInt32LE(INDEX_FORMAT_VERSION, 8);
    out.writeUInt32LE(metaBuf.length, 12);
    metaBuf.copy(out, INDEX_HEADER_BYTES);
    const numsAt = out.byteOffset + INDEX_HEADER_BYTES + pad8(metaBuf.length);
    const nums = new Float64Array(out.buffer, numsAt, n * 4);
    const small = new Uint16Array(out.buffer, numsAt + n * 32, n * 2);
    const lens = new Uint32Array(out.buffer, numsAt + n * 32 + pad8(n * 4), n * 3);
    if (this.dropped === 0) {
      nums.set(this.nums.subarray(0, n * 4));
      small.set(this.small.subarray(0, n * 2));
      lens.set(this.lens.subarray(0, n * 3));
    } else {
      let to = 0;
      for (let row = 0; row < this.count; row++) {
        if (this.small[row * 2] === DROPPED) continue;
        for (let k = 0; k < 4; k++) nums[to * 4 + k] = this.nums[row * 4 + k];
        for (let k = 0; k < 2; k++) small[to * 2 + k] = this.small[row * 2 + k];
        for (let k = 0; k < 3; k++) lens[to * 3 + k] = this.lens[row * 3 + k];
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
    const text = this.text.toString('utf8', this.base, this.base + this.textBytes);
    const entries = readEntries(this.count, this.nums, this.small, this.lens, text, this.rows)!;
    return indexOf(meta, entries);
  }

  private rowEnd(row: number): number {
    return row + 1 < this.count ? this.starts[row + 1] : this.textBytes;
  }

  /** Moves the text of live rows together (row offsets are not kept up to date: only for `encode`). */
  private compactText(): void {
    let at = this.base;
    for (let row = 0; row < this.count; row++) {
      if (this.small[row * 2] === DROPPED) continue;
      const start = this.base + this.starts[row];
      const end = this.base + this.rowEnd(row);
      if (at !== start) this.text.copyWithin(at, start, end);
      at += end - start;
    }
    this.textBytes = at - this.base;
  }

  private reserveText(bytes: number): void {
    const room = this.text.length - this.base;
    const need = this.textBytes + bytes;
    if (need > room) this.relocate(this.base, Math.max(need, room * 2));
  }

  /** Moves the text into a new buffer with `base` bytes in front of it and room for `textRoom` bytes of text. */
  private relocate(base: number, textRoom: number): void {
    const next = textBuffer(base + textRoom);
    this.text.copy(next, base, this.base, this.base + this.textBytes);
    release(this.text.buffer);
    this.text = next;
    this.base = base;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <T extends Column>(old: T, type: ColumnType<T>, width: number): T => {
      const next = column(type, capacity * width);
      next.set(old);
      release(old.buffer);
      return next;
    };
    this.nums = widen(this.nums, Float64Array, 4);
    this.small = widen(this.small, Uint16Array, 2);
    this.lens = widen(this.lens, Uint32Array, 3);
    this.starts = widen(this.starts, Float64Array, 1);
    this.pathBytes = widen(this.pathBytes, Uint32Array, 1);
    this.capacity = capacity;
    this.relocate(prefixBytes(capacity, META_RESERVE), this.text.length - this.base);
    if (!this.uniquePaths) return;
    this.hashes = widen(this.hashes, Uint32Array, 1);
    release(this.slots.buffer);
    this.slots = column(Int32Array, slotCount(capacity));
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
    const base = this.base;
    const start = base + this.starts[row];
    const length = this.pathBytes[row];
    let h = 0x811c9dc5;
    for (let i = start; i < start + length; i++) h = Math.imul(h ^ text[i], 0x01000193);
    h >>>= 0;
    this.hashes[row] = h;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (let other = this.slots[slot]; other !== 0; other = this.slots[slot]) {
      const old = other - 1;
      if (this.hashes[old] === h && this.pathBytes[old] === length && text.compare(text, base + this.starts[old], base + this.starts[old] + length, start, start + length) === 0) {
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
