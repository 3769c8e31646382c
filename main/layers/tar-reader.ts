// A lean push parser for tar streams (v7, ustar, star, GNU and PAX), fed chunk by chunk.
// It copies nothing but headers: file data is handed to the visitor as subarrays of the input chunks.
import { StrataError } from '../../shared/errors';
import type { LayerWarning } from '../../shared/model';

/** Entry kinds the reader reports (metadata records are consumed internally). */
export type TarEntryType = 'file' | 'dir' | 'hardlink' | 'symlink' | 'char' | 'block' | 'fifo' | 'sparse' | 'unsupported';

/** One tar member, with PAX and GNU long-name records already applied. */
export interface TarHeader {
  /** Name as written (untrusted text). */
  readonly name: string;
  readonly linkname: string;
  readonly type: TarEntryType;
  /** The raw type flag, for messages about unsupported entries. */
  readonly typeflag: string;
  /** Content size: the real size for sparse files. */
  readonly size: number;
  /** Bytes of data stored after the header (what the visitor receives). */
  readonly dataSize: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** Offset of the first header of this member (including its PAX/GNU records) in the tar stream. */
  readonly offset: number;
}

/** Receives what the reader finds. `entry` returns true to be given the entry's data. */
export interface TarVisitor {
  entry(header: TarHeader): boolean;
  data(chunk: Buffer): void;
  entryEnd(): void;
  warning(warning: LayerWarning): void;
}

const BLOCK = 512;
/** Cap on PAX and GNU long-name record sizes: they are held in memory. */
const MAX_META = 1024 * 1024;

const enum State {
  Header,
  SparseExt,
  Meta,
  Body,
  Pad,
  End,
}

interface Overrides {
  [key: string]: string;
}

function isZeroBlock(b: Buffer, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cString(b: Buffer, start: number, end: number): string {
  if (b[start] === 0) return '';
  let stop = start;
  while (stop < end && b[stop] !== 0) stop++;
  return b.toString('utf8', start, stop);
}

/** Parses a numeric header field: octal text or GNU base-256; NaN when malformed, -1 when negative. */
export function parseNumeric(b: Buffer, start: number, end: number): number {
  const first = b[start];
  if (first & 0x80) {
    if (first === 0xff) return -1;
    let value = first & 0x7f;
    for (let i = start + 1; i < end; i++) {
      value = value * 256 + b[i];
      if (value > Number.MAX_SAFE_INTEGER) return Infinity;
    }
    return value;
  }
  let i = start;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  if (i === end) return 0;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c >= 0x30 && c <= 0x37) {
      value = value * 8 + (c - 0x30);
      digits++;
    } else if (c === 0x20 || c === 0) break;
    else return NaN;
  }
  for (; i < end; i++) if (b[i] !== 0x20 && b[i] !== 0) return NaN;
  return digits ? value : 0;
}

/** True when the 512-byte header at `at` carries a right checksum (unsigned or signed sum, as old tars wrote). */
export function headerChecksumOk(b: Buffer, at: number): boolean {
  const want = parseNumeric(b, at + 148, at + 156);
  if (!(want >= 0)) return false;
  // The checksum field counts as eight spaces. Sum unsigned first (what every modern tar writes); the
  // signed sum some old tars wrote differs by 256 per byte above 127, so it is only counted on a miss.
  const unsigned = byteSum(b, at) - byteSum8(b, at + 148) + 8 * 0x20;
  if (want === unsigned) return true;
  let high = 0;
  for (let i = at; i < at + BLOCK; i++) if (b[i] > 127 && (i < at + 148 || i >= at + 156)) high++;
  return want === unsigned - 256 * high;
}

/** A word view of the last buffer summed: headers come from few buffers (windows, chunks), so views are reused. */
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/** Sum of the 512 bytes at `at`: four bytes at a time, two 16-bit lanes each, when the block is 4-byte aligned. */
function byteSum(b: Buffer, at: number): number {
  const offset = b.byteOffset + at;
  if ((offset & 3) !== 0) {
    let sum = 0;
    for (let i = at; i < at + BLOCK; i++) sum += b[i];
    return sum;
  }
  if (words.buffer !== b.buffer) words = new Uint32Array(b.buffer, 0, b.buffer.byteLength >>> 2);
  const view = words;
  const first = offset >>> 2;
  // Each lane gathers 256 bytes at most: 256 * 255 < 2^16, so lanes never carry into each other and the
  // int32 total (kept int32 with `| 0`) holds both exactly.
  let lanes = 0;
  for (let i = first; i < first + BLOCK / 4; i++) {
    const w = view[i];
    lanes = (lanes + (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff)) | 0;
  }
  return (lanes & 0xffff) + (lanes >>> 16);
}

function byteSum8(b: Buffer, at: number): number {
  return b[at] + b[at + 1] + b[at + 2] + b[at + 3] + b[at + 4] + b[at + 5] + b[at + 6] + b[at + 7];
}

/** Parses PAX `len key=value\n` records into `into`; returns false when a record is malformed. */
export function parsePaxRecords(data: Buffer, into: Overrides): boolean {
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding after the records
    const space = data.indexOf(0x20, pos);
    if (space < 0) return false;
    const lenText = data.toString('latin1', pos, space);
    if (!/^[1-9][0-9]*$/.test(lenText)) return false;
    const len = Number(lenText);
    const end = pos + len;
    if (end > data.length || data[end - 1] !== 0x0a) return false;
    const record = data.toString('utf8', space + 1, end - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) return false;
    into[record.slice(0, eq)] = record.slice(eq + 1);
    pos = end;
  }
  return true;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  S: 'sparse',
  D: 'dir', // GNU incremental dump directory: its data lists the directory's names
};

/** PAX keywords a global ('g') header may set for every later entry. */
const GLOBAL_KEYS = ['uid', 'gid', 'mtime', 'mode', 'uname', 'gname'];

/** Types whose size field carries no data (as Go's archive/tar reads them: hdr-only.tar). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/** A streaming tar parser: `write()` chunks in order, then `end()`; errors are StrataErrors naming the entry and offset. */
export class TarReader {
  private state = State.Header;
  /** Bytes of an incomplete header/record carried over between chunks. */
  private carry: Buffer | null = null;
  private carryLen = 0;
  private remaining = 0;
  private padding = 0;
  private pos = 0;
  private memberStart = -1;
  private metaType = '';
  private metaChunks: Buffer[] = [];
  private readonly local: Overrides = {};
  private readonly global: Overrides = {};
  private pending: Partial<Record<'L' | 'K', string>> = {};
  private current: TarHeader | null = null;
  private wantData = false;
  private sawZeroBlock = false;
  /** Set once a global PAX header has given later members defaults. */
  private hasGlobal = false;

  constructor(
    private readonly visitor: TarVisitor,
    private readonly file = 'layer',
  ) {}

  /** Bytes consumed so far (the offset in the tar stream). */
  get offset(): number {
    return this.pos;
  }

  /** Name of the entry whose data is being read, if any. */
  get currentEntry(): string | undefined {
    return this.current?.name;
  }

  /** True once the end-of-archive marker has been read. */
  get ended(): boolean {
    return this.state === State.End;
  }

  /**
   * When positioned inside the data of an entry whose data the visitor declined, skips it and its padding
   * without reading: returns the number of bytes the caller must jump over in its source (0 otherwise).
   */
  skipData(): number {
    if (this.state !== State.Body || this.wantData) return 0;
    const jump = this.remaining + this.padding;
    this.pos += jump;
    this.remaining = 0;
    this.padding = 0;
    this.finishEntry();
    this.state = State.Header;
    return jump;
  }

  /** Feeds the next chunk of the uncompressed tar stream. */
  write(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.End:
          this.pos += n - i;
          return;
        case State.Body: {
          const take = Math.min(this.remaining, n - i);
          if (this.wantData) this.visitor.data(chunk.subarray(i, i + take));
          i += take;
          this.pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.finishEntry();
            this.state = this.padding ? State.Pad : State.Header;
          }
          break;
        }
        case State.Pad: {
          const take = Math.min(this.padding, n - i);
          i += take;
          this.pos += take;
          this.padding -= take;
          if (this.padding === 0) this.state = State.Header;
          break;
        }
        case State.Meta: {
          const take = Math.min(this.remaining, n - i);
          this.metaChunks.push(Buffer.from(chunk.subarray(i, i + take)));
          i += take;
          this.pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.finishMeta();
            this.state = this.padding ? State.Pad : State.Header;
          }
          break;
        }
        case State.Header:
        case State.SparseExt: {
          let block: Buffer;
          let at: number;
          if (this.carryLen === 0 && n - i >= BLOCK) {
            block = chunk;
            at = i;
            i += BLOCK;
          } else {
            if (!this.carry) this.carry = Buffer.allocUnsafe(BLOCK);
            const take = Math.min(BLOCK - this.carryLen, n - i);
            chunk.copy(this.carry, this.carryLen, i, i + take);
            this.carryLen += take;
            i += take;
            if (this.carryLen < BLOCK) {
              this.pos += take;
              return;
            }
            this.pos += take - BLOCK; // the block's start; the handler adds BLOCK back
            block = this.carry;
            at = 0;
            this.carryLen = 0;
          }
          if (this.state === State.Header) this.header(block, at);
          else this.sparseExt(block, at);
          break;
        }
      }
    }
  }

  /** Signals the end of the stream: throws on a truncated member, warns when the end-of-archive blocks are missing. */
  end(): void {
    if (this.state === State.End) return;
    if (this.state === State.Header && this.carryLen === 0 && this.memberStart < 0) {
      if (!this.sawZeroBlock && this.pos > 0) {
        this.visitor.warning({
          code: 'missing-end-of-archive',
          message: 'the tar stream ends without its end-of-archive blocks',
          offset: this.pos,
        });
      }
      return;
    }
    if (this.state === State.Pad) {
      this.visitor.warning({
        code: 'missing-end-of-archive',
        message: 'the tar stream ends inside the padding of its last entry',
        offset: this.pos,
      });
      return;
    }
    const entry = this.current?.name ?? this.pending.L ?? this.local.path;
    const where = entry ? ` in entry "${entry}"` : '';
    throw new StrataError(
      'malformed',
      `${this.file}: truncated tar${where} (stream ends at byte ${this.pos}, member at byte ${Math.max(this.memberStart, 0)})`,
      { file: this.file, entry },
    );
  }

  private fail(message: string, entry?: string): never {
    const at = this.memberStart >= 0 ? this.memberStart : this.pos;
    throw new StrataError('malformed', `${this.file}: ${message}${entry ? ` in entry "${entry}"` : ''} at byte ${at}`, {
      file: this.file,
      entry,
    });
  }

  private header(b: Buffer, at: number): void {
    const offset = this.pos;
    this.pos += BLOCK;
    if (isZeroBlock(b, at)) {
      if (this.memberStart >= 0) this.fail('end-of-archive block after a PAX or GNU record', this.local.path ?? this.pending.L);
      // One zero block ends the archive: what follows (the second block, the record padding) is ignored.
      this.sawZeroBlock = true;
      this.state = State.End;
      return;
    }
    if (this.memberStart < 0) this.memberStart = offset;
    const rawName = cString(b, at, at + 100);
    if (!headerChecksumOk(b, at)) this.fail('bad tar header checksum', rawName || undefined);
    const typeflag = String.fromCharCode(b[at + 156]);
    const size = parseNumeric(b, at + 124, at + 136);
    if (Number.isNaN(size)) this.fail('malformed size field', rawName);
    if (size < 0) this.fail('negative size', rawName);
    if (size > Number.MAX_SAFE_INTEGER) this.fail('size too large', rawName);

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META) this.fail(`${typeflag} record of ${size} bytes exceeds ${MAX_META}`, rawName);
      this.metaType = typeflag;
      this.metaChunks = [];
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (size === 0) {
        this.finishMeta();
        this.state = State.Header;
      } else this.state = State.Meta;
      return;
    }

    // The magic, compared byte by byte: 'ustar\0' (POSIX) or 'ustar  ' (old GNU).
    const ustar = b[at + 257] === 0x75 && b[at + 258] === 0x73 && b[at + 259] === 0x74 && b[at + 260] === 0x61 && b[at + 261] === 0x72;
    const gnu = ustar && b[at + 262] === 0x20 && b[at + 263] === 0x20;
    let name = rawName;
    if (ustar && b[at + 262] === 0 && b[at + 345] !== 0) {
      const star = b.toString('latin1', at + 508, at + 512) === 'tar\0';
      const prefix = cString(b, at + 345, at + (star ? 476 : 500));
      name = `${prefix}/${rawName}`;
    }
    // PAX and GNU records apply only when members before this header (or a global header) set some.
    const records = this.memberStart !== offset || this.hasGlobal;
    const px = records ? this : null;
    if (this.pending.L !== undefined) name = this.pending.L;
    const paxPath = px?.paxValue('path');
    if (paxPath !== undefined) name = paxPath;
    let linkname = cString(b, at + 157, at + 257);
    if (this.pending.K !== undefined) linkname = this.pending.K;
    const paxLink = px?.paxValue('linkpath');
    if (paxLink !== undefined) linkname = paxLink;

    let type: TarEntryType = TYPES[typeflag] ?? 'unsupported';
    if (typeflag === '\0' && name.endsWith('/')) type = 'dir'; // v7 directories
    let dataSize = HEADER_ONLY.has(typeflag) ? 0 : size;
    const paxSize = px?.paxValue('size');
    if (paxSize !== undefined && !HEADER_ONLY.has(typeflag)) {
      if (!/^[0-9]+$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) this.fail('malformed PAX size', name);
      dataSize = Number(paxSize);
    }
    let realSize = dataSize;
    if (px?.paxValue('GNU.sparse.major') !== undefined || px?.paxValue('GNU.sparse.realsize') !== undefined || px?.paxValue('GNU.sparse.size') !== undefined) {
      type = 'sparse';
      const real = px?.paxValue('GNU.sparse.realsize') ?? px?.paxValue('GNU.sparse.size');
      if (real !== undefined && /^[0-9]+$/.test(real)) realSize = Number(real);
      const sparseName = px?.paxValue('GNU.sparse.name');
      if (sparseName !== undefined) name = sparseName;
    }
    if (typeflag === 'S' && gnu) {
      const real = parseNumeric(b, at + 483, at + 495);
      if (real >= 0 && real <= Number.MAX_SAFE_INTEGER) realSize = real;
    }

    const mode = this.numeric(b, at + 100, at + 108, 'mode', name, px?.paxValue('mode'));
    const uid = this.numeric(b, at + 108, at + 116, 'uid', name, px?.paxValue('uid'));
    const gid = this.numeric(b, at + 116, at + 124, 'gid', name, px?.paxValue('gid'));
    const mtime = this.numeric(b, at + 136, at + 148, 'mtime', name, px?.paxValue('mtime'));

    this.current = {
      name,
      linkname,
      type,
      typeflag,
      size: type === 'file' || type === 'sparse' ? realSize : 0,
      dataSize,
      mode,
      uid,
      gid,
      mtime,
      offset: this.memberStart,
    };
    if (records) {
      for (const key of Object.keys(this.local)) delete this.local[key];
      this.pending = {};
    }
    this.remaining = dataSize;
    this.padding = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    if (typeflag === 'S' && gnu && b[at + 482] !== 0) {
      this.state = State.SparseExt; // extension blocks of the old GNU sparse map come before the data
      return;
    }
    this.startBody();
  }

  /** The PAX value of `key` (this member's records over global ones); an empty value unsets the keyword. */
  private paxValue(key: string): string | undefined {
    const value = this.local[key] ?? this.global[key];
    return value === '' ? undefined : value;
  }

  private sparseExt(b: Buffer, at: number): void {
    this.pos += BLOCK;
    if (b[at + 504] === 0) this.startBody();
  }

  private startBody(): void {
    const current = this.current!;
    this.wantData = this.visitor.entry(current);
    if (this.remaining === 0) {
      this.finishEntry();
      this.state = this.padding ? State.Pad : State.Header;
    } else this.state = State.Body;
  }

  private finishEntry(): void {
    if (this.current) {
      if (this.wantData) this.visitor.entryEnd();
      this.current = null;
    }
    this.memberStart = -1;
  }

  private numeric(b: Buffer, start: number, end: number, field: string, name: string, pax: string | undefined): number {
    if (pax !== undefined) {
      const value = field === 'mtime' ? Math.floor(Number(pax)) : Number(pax);
      if (Number.isFinite(value) && (field === 'mtime' || value >= 0)) return value;
      this.badField(field, name);
      return 0;
    }
    const value = parseNumeric(b, start, end);
    if (Number.isFinite(value) && value >= 0) return value;
    this.badField(field, name);
    return 0;
  }

  private badField(field: string, name: string): void {
    this.visitor.warning({
      code: 'bad-header-field',
      message: `malformed ${field} field; 0 used`,
      entry: name,
      offset: this.memberStart,
    });
  }

  private finishMeta(): void {
    const data = this.metaChunks.length === 1 ? this.metaChunks[0] : Buffer.concat(this.metaChunks);
    this.metaChunks = [];
    const type = this.metaType;
    if (type === 'L' || type === 'K') {
      let end = data.indexOf(0);
      if (end < 0) end = data.length;
      this.pending[type] = data.toString('utf8', 0, end);
      return;
    }
    const records: Overrides = {};
    if (!parsePaxRecords(data, records)) {
      this.visitor.warning({
        code: 'bad-header-field',
        message: `malformed PAX ${type === 'g' ? 'global ' : ''}header; records after the bad one ignored`,
        offset: this.memberStart,
      });
    }
    if (type === 'x') {
      Object.assign(this.local, records);
      return;
    }
    // Global records set defaults for ownership and times only; a global path or size names no one entry.
    for (const key of GLOBAL_KEYS) {
      if (key in records) {
        this.global[key] = records[key];
        this.hasGlobal = true;
      }
    }
    this.memberStart = -1;
  }
}
