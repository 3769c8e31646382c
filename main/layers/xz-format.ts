// The .xz container format (stream header and footer, block headers, index), as far as splitting a stream into its
// blocks needs it, and the bytes that wrap one block as a standalone single-block stream. Pure functions; throws
// plain Errors whose message says what is wrong (the caller adds the file name).
import { crc32 } from 'node:zlib';

/** Size of a stream header and of a stream footer. */
export const STREAM_HEADER_BYTES = 12;
const HEADER_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from('YZ');
/** Bytes of the check field per check type (the 4-bit id in the stream flags). */
const CHECK_BYTES: readonly number[] = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/** What a stream header says: its two flag bytes and the size of every block's check field. */
export interface StreamFlags {
  readonly flags: Buffer;
  readonly checkBytes: number;
}

/** What a block header says; either size may be absent (single-threaded encoders leave both out). */
export interface BlockHeader {
  readonly headerBytes: number;
  readonly compressedSize?: number;
  readonly uncompressedSize?: number;
}

/** Unpadded and uncompressed size of one block, as the index records it. */
export interface BlockRecord {
  readonly unpaddedSize: number;
  readonly uncompressedSize: number;
}

function crcField(buf: Buffer, at: number): boolean {
  return buf.readUInt32LE(at) === crc32(buf.subarray(0, at));
}

/** Parses the 12-byte stream header. */
export function parseStreamHeader(buf: Buffer): StreamFlags {
  if (!buf.subarray(0, 6).equals(HEADER_MAGIC)) throw new Error('not an xz stream header');
  const flags = Buffer.from(buf.subarray(6, 8));
  if (buf.readUInt32LE(8) !== crc32(flags)) throw new Error('stream header CRC32 mismatch');
  if (flags[0] !== 0 || (flags[1] & 0xf0) !== 0) throw new Error('unsupported stream flags');
  return { flags, checkBytes: CHECK_BYTES[flags[1] & 0x0f] };
}

/** Parses the 12-byte stream footer and returns the index size it records; its flags must match the header's. */
export function parseStreamFooter(buf: Buffer, stream: StreamFlags): number {
  if (!buf.subarray(10, 12).equals(FOOTER_MAGIC)) throw new Error('stream footer magic missing');
  if (buf.readUInt32LE(0) !== crc32(buf.subarray(4, 10))) throw new Error('stream footer CRC32 mismatch');
  if (!buf.subarray(8, 10).equals(stream.flags)) throw new Error('stream footer flags differ from the header');
  return (buf.readUInt32LE(4) + 1) * 4;
}

/** Reads a variable-length integer at `at`: [value, next offset], or null when `buf` ends first. */
export function readVli(buf: Buffer, at: number, end = buf.length): [number, number] | null {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) return null;
    const b = buf[at + i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new Error('non-minimal integer encoding');
      if (!Number.isSafeInteger(value)) throw new Error('size field too large');
      return [value, at + i + 1];
    }
  }
  throw new Error('integer longer than 9 bytes');
}

function vliBytes(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return out;
}

/** Bytes of a block header whose first byte is `first` (not 0, which starts the index). */
export function blockHeaderBytes(first: number): number {
  return (first + 1) * 4;
}

/** Parses a whole block header (its length from `blockHeaderBytes`), checking its CRC32. */
export function parseBlockHeader(buf: Buffer): BlockHeader {
  const headerBytes = buf.length;
  if (!crcField(buf, headerBytes - 4)) throw new Error('block header CRC32 mismatch');
  const flags = buf[1];
  if ((flags & 0x3c) !== 0) throw new Error('unsupported block header flags');
  let at = 2;
  let compressedSize: number | undefined;
  let uncompressedSize: number | undefined;
  if (flags & 0x40) {
    const v = readVli(buf, at, headerBytes - 4);
    if (!v || v[0] === 0) throw new Error('bad compressed size in block header');
    [compressedSize, at] = v;
  }
  if (flags & 0x80) {
    const v = readVli(buf, at, headerBytes - 4);
    if (!v) throw new Error('bad uncompressed size in block header');
    [uncompressedSize, at] = v;
  }
  return { headerBytes, compressedSize, uncompressedSize };
}

/** Rounds up to the 4-byte alignment of blocks and indexes. */
export function padded(size: number): number {
  return Math.ceil(size / 4) * 4;
}

function indexBytes(records: readonly BlockRecord[]): Buffer {
  const fields = [0, ...vliBytes(records.length)];
  for (const r of records) fields.push(...vliBytes(r.unpaddedSize), ...vliBytes(r.uncompressedSize));
  while (fields.length % 4) fields.push(0);
  const out = Buffer.alloc(fields.length + 4);
  out.set(fields);
  out.writeUInt32LE(crc32(out.subarray(0, fields.length)), fields.length);
  return out;
}

/** A stream header carrying `stream`'s flags. */
export function streamHeader(stream: StreamFlags): Buffer {
  const out = Buffer.alloc(STREAM_HEADER_BYTES);
  HEADER_MAGIC.copy(out, 0);
  stream.flags.copy(out, 6);
  out.writeUInt32LE(crc32(stream.flags), 8);
  return out;
}

/** The index and stream footer that close a standalone stream holding just the block `record`. */
export function singleBlockTrailer(stream: StreamFlags, record: BlockRecord): Buffer {
  const index = indexBytes([record]);
  const footer = Buffer.alloc(STREAM_HEADER_BYTES);
  footer.writeUInt32LE(index.length / 4 - 1, 4);
  stream.flags.copy(footer, 8);
  FOOTER_MAGIC.copy(footer, 10);
  footer.writeUInt32LE(crc32(footer.subarray(4, 10)), 0);
  return Buffer.concat([index, footer]);
}

/**
 * Checks a stream's index, fed piecewise after its indicator byte, against the blocks the stream held; `done`
 * turns true after its CRC32, and `size` is then its length with the indicator.
 */
export class IndexChecker {
  done = false;
  size = 1;
  private crc = crc32(Buffer.from([0]));
  private readonly field: number[] = [];
  private count = -1;
  private next = 0;
  private pendingSize = -1;
  private readonly stored: number[] = [];

  constructor(private readonly blocks: readonly BlockRecord[]) {}

  /** Consumes bytes of `buf` from `at` up to the end of the index; returns where it stopped. */
  feed(buf: Buffer, at: number): number {
    let bodyStart = at;
    while (at < buf.length && !this.done) {
      const b = buf[at++];
      if (this.stored.length > 0 || this.bodyDone()) {
        this.stored.push(b);
        if (this.stored.length === 4) this.checkCrc();
        continue;
      }
      this.size++;
      if (this.count >= 0 && this.next === this.count) {
        if (b !== 0) throw new Error('index padding is not zero');
      } else {
        this.field.push(b);
        if ((b & 0x80) === 0) this.takeField();
      }
      if (this.bodyDone()) {
        this.crc = crc32(buf.subarray(bodyStart, at), this.crc);
        bodyStart = at;
      }
    }
    if (!this.bodyDone()) this.crc = crc32(buf.subarray(bodyStart, at), this.crc);
    return at;
  }

  /** All records and the padding are read: the CRC32 comes next. */
  private bodyDone(): boolean {
    return this.count >= 0 && this.next === this.count && this.pendingSize < 0 && this.size % 4 === 0;
  }

  private takeField(): void {
    const v = readVli(Buffer.from(this.field), 0);
    this.field.length = 0;
    if (!v) throw new Error('bad index field');
    const value = v[0];
    if (this.count < 0) {
      if (value !== this.blocks.length) throw new Error(`index lists ${value} blocks, the stream holds ${this.blocks.length}`);
      this.count = value;
    } else if (this.pendingSize < 0) {
      this.pendingSize = value;
    } else {
      const block = this.blocks[this.next];
      if (block.unpaddedSize !== this.pendingSize || block.uncompressedSize !== value) {
        throw new Error(
          `index record ${this.next + 1} (${this.pendingSize} bytes, ${value} uncompressed) does not match block ${this.next + 1} (${block.unpaddedSize} bytes, ${block.uncompressedSize} uncompressed)`,
        );
      }
      this.pendingSize = -1;
      this.next++;
    }
  }

  private checkCrc(): void {
    this.size += 4;
    this.done = true;
    if (Buffer.from(this.stored).readUInt32LE(0) !== this.crc) throw new Error('index CRC32 mismatch');
  }
}
