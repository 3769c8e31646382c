// Parallel decoding of .xz streams made of independent blocks whose headers record their sizes (xz -T, pixz,
// xz ≥ 5.6): each block is wrapped as a standalone single-block stream and decoded by its own lzma-native decoder
// on libuv's pool, two at a time, while the output is delivered strictly in order. liblzma still verifies every
// block (header CRC, sizes, check); this stream verifies the rest (index records, footer, padding). A stream whose
// first block lacks its sizes (single-threaded xz) or is tiny is handed, with everything after it, to one sequential
// decoder.
// Memory is bounded: compressed input buffered, output held out of order and what one write may expand to are capped.
import { Transform, type TransformCallback } from 'node:stream';
import { StrataError } from '../../shared/errors';
import {
  blockHeaderBytes,
  IndexChecker,
  padded,
  parseBlockHeader,
  parseStreamFooter,
  parseStreamHeader,
  singleBlockTrailer,
  STREAM_HEADER_BYTES,
  streamHeader,
  type BlockRecord,
  type StreamFlags,
} from './xz-format';

/** Limits of an `XzBlockDecoder` (defaults suit layers; tests shrink them). */
export interface XzBlockDecoderLimits {
  /** Blocks decoding at once. */
  readonly parallel: number;
  /** Decoded bytes held while an earlier block is still decoding or its output unread. */
  readonly maxHeldOutput: number;
  /** Compressed bytes buffered before the writable side applies backpressure. */
  readonly maxBufferedInput: number;
  /** Uncompressed bytes one write to a block's decoder may expand to (its compressed piece is sized from the header). */
  readonly pieceOutput: number;
  /** A stream whose first block is smaller decodes sequentially (a decoder per tiny block costs more than it gains). */
  readonly minParallelBlock: number;
}

const MIB = 1024 * 1024;
const DEFAULT_LIMITS: XzBlockDecoderLimits = { parallel: 2, maxHeldOutput: 32 * MIB, maxBufferedInput: 16 * MIB, pieceOutput: 8 * MIB, minParallelBlock: 256 * 1024 };
/** Blocks parsed ahead of the one being delivered (each holds at most its queued input until its turn). */
const MAX_BLOCKS_AHEAD = 8;
/** Output chunk size of each lzma-native decoder. */
const OUTPUT_CHUNK = 256 * 1024;
/** Compressed bytes per write to the sequential decoder: small enough that decoding the next piece overlaps reading this one's output. */
const SEQUENTIAL_PIECE = 256 * 1024;
const MIN_PIECE = 64 * 1024;

type Parse = 'stream-header' | 'block-or-index' | 'block-body' | 'index' | 'footer' | 'padding' | 'sequential';
const PARTS: Readonly<Record<Parse, string>> = {
  'stream-header': 'a stream header',
  'block-or-index': 'a block header or index',
  'block-body': 'a block',
  index: 'the index',
  footer: 'the stream footer',
  padding: 'stream padding',
  sequential: 'a block',
};

/** One block being decoded, or the sequential decoder taking the rest of the input. */
interface Job {
  /** For errors: "block 3 of stream 1 (byte 123456)". */
  readonly label: string;
  /** Compressed bytes per write. */
  readonly piece: number;
  /** Creates the job's decoder when it is first fed. */
  readonly open: () => Transform;
  /** Written before the block's bytes (stream header and block header), then null. */
  prefix: Buffer | null;
  /** Written after the block's last byte (index and footer of the one-block stream), then null. */
  trailer: Buffer | null;
  /** Body bytes still to come from the input (Infinity for the sequential decoder until the input ends). */
  remaining: number;
  readonly input: Buffer[];
  inputBytes: number;
  decoder: Transform | null;
  writing: boolean;
  ended: boolean;
  finished: boolean;
  readonly output: Buffer[];
  outputBytes: number;
}

function lzmaNative(): typeof import('lzma-native') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('lzma-native') as typeof import('lzma-native');
}

/** The one-decoder path: lzma-native's async stream (it handles concatenated streams and padding itself). */
export function createSequentialXzDecoder(): Transform {
  return lzmaNative().createDecompressor({ synchronous: false }) as unknown as Transform;
}

/** A Transform decoding an .xz stream's blocks in parallel (see the file comment); errors name `name`. */
export class XzBlockDecoder extends Transform {
  private readonly limits: XzBlockDecoderLimits;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Compressed bytes taken from the input so far (for error positions). */
  private offset = 0;
  private parse: Parse = 'stream-header';
  private stream: StreamFlags | null = null;
  private streamHeaderBytes: Buffer | null = null;
  private streamCount = 0;
  private streamBlocks: BlockRecord[] = [];
  private index: IndexChecker | null = null;
  private paddingBytes = 0;
  /** Jobs in output order; only the first one's output goes out. */
  private readonly jobs: Job[] = [];
  private current: Job | null = null;
  private heldBytes = 0;
  /** Compressed bytes handed to jobs but not yet written to their decoders. */
  private jobInputBytes = 0;
  private consumerFull = false;
  private waitingWrite: TransformCallback | null = null;
  private waitingFlush: TransformCallback | null = null;
  private inputEnded = false;
  /** The parser stopped because enough blocks are queued, not for want of input. */
  private waitingForJobs = false;
  private pumping = false;
  private pumpAgain = false;

  constructor(
    private readonly name: string,
    limits: Partial<XzBlockDecoderLimits> = {},
  ) {
    super({ readableHighWaterMark: MIB });
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Compressed input buffered plus decoded output held back, in bytes (what the limits bound). */
  get bufferedBytes(): number {
    return this.pendingBytes + this.jobInputBytes + this.heldBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    this.waitingWrite = callback;
    this.pump();
  }

  override _flush(callback: TransformCallback): void {
    this.inputEnded = true;
    this.waitingFlush = callback;
    this.pump();
  }

  override _read(size: number): void {
    this.consumerFull = false;
    super._read(size);
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const job of this.jobs) job.decoder?.destroy();
    this.jobs.length = 0;
    this.pending.length = 0;
    this.waitingWrite = null;
    this.waitingFlush = null;
    callback(error);
  }

  /** Moves everything along: parses input into jobs, feeds decoders, delivers output, releases the writer. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        if (this.destroyed) return;
        this.advance();
        this.feed();
        this.deliver();
        this.release();
      } while (this.pumpAgain);
    } catch (error) {
      this.fail(error instanceof StrataError ? error : this.streamError(error));
    } finally {
      this.pumping = false;
    }
  }

  private streamError(error: unknown): StrataError {
    const message = error instanceof Error ? error.message : String(error);
    return new StrataError('malformed', `${this.name}: corrupt xz stream at byte ${this.offset}: ${message}`, { file: this.name });
  }

  private fail(error: StrataError): void {
    if (!this.destroyed) this.destroy(error);
  }

  private release(): void {
    if (this.waitingWrite && this.pendingBytes + this.jobInputBytes <= this.limits.maxBufferedInput) {
      const callback = this.waitingWrite;
      this.waitingWrite = null;
      callback();
    }
    const complete = this.parse === 'padding' || this.parse === 'sequential';
    if (this.waitingFlush && this.inputEnded && complete && this.jobs.length === 0 && this.pendingBytes === 0) {
      const callback = this.waitingFlush;
      this.waitingFlush = null;
      callback();
    }
  }

  /** The first `n` pending bytes as one buffer (n is at most a header's length, so a copy is cheap). */
  private takeBytes(n: number): Buffer {
    let parts = 1;
    for (let have = this.pending[0].length; have < n; have += this.pending[parts++].length);
    const out = parts === 1 ? this.pending[0].subarray(0, n) : Buffer.concat(this.pending.slice(0, parts)).subarray(0, n);
    this.skip(n);
    return out;
  }

  private skip(n: number): void {
    this.pendingBytes -= n;
    this.offset += n;
    while (n > 0) {
      const first = this.pending[0];
      if (first.length <= n) {
        n -= first.length;
        this.pending.shift();
      } else {
        this.pending[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  /** Parses pending input as far as it goes; at the end of the input, a stream cut short is an error. */
  private advance(): void {
    this.waitingForJobs = false;
    while (this.pendingBytes > 0 || this.parse === 'index') {
      if (!this.step()) break;
    }
    if (this.inputEnded && !this.waitingForJobs) this.checkEnd();
  }

  private checkEnd(): void {
    if (this.parse === 'sequential') {
      if (this.current) this.current.remaining = 0;
      return;
    }
    if (this.parse !== 'padding') throw new Error(`truncated: the input ends inside ${PARTS[this.parse]}`);
    if (this.paddingBytes % 4 !== 0) throw new Error('stream padding is not a multiple of 4 bytes');
  }

  /** One parsing step; false when it needs more input (or may not create another job yet). */
  private step(): boolean {
    switch (this.parse) {
      case 'stream-header': {
        if (this.pendingBytes < STREAM_HEADER_BYTES) return false;
        this.streamHeaderBytes = Buffer.from(this.takeBytes(STREAM_HEADER_BYTES));
        this.stream = parseStreamHeader(this.streamHeaderBytes);
        this.streamCount++;
        this.streamBlocks = [];
        this.parse = 'block-or-index';
        return true;
      }
      case 'block-or-index':
        return this.blockOrIndex();
      case 'block-body': {
        const job = this.current!;
        const n = Math.min(job.remaining, this.pendingBytes);
        let left = n;
        while (left > 0) {
          const first = this.pending[0];
          const part = first.length <= left ? first : first.subarray(0, left);
          job.input.push(part);
          left -= part.length;
          this.skip(part.length);
        }
        job.inputBytes += n;
        this.jobInputBytes += n;
        job.remaining -= n;
        if (job.remaining === 0) this.parse = 'block-or-index';
        return true;
      }
      case 'index': {
        const index = this.index!;
        if (this.pendingBytes > 0) {
          const first = this.pending[0];
          this.skip(index.feed(first, 0));
        }
        if (!index.done) return this.pendingBytes > 0;
        this.parse = 'footer';
        return true;
      }
      case 'footer': {
        if (this.pendingBytes < STREAM_HEADER_BYTES) return false;
        const footer = this.takeBytes(STREAM_HEADER_BYTES);
        if (parseStreamFooter(footer, this.stream!) !== this.index!.size) throw new Error('the footer’s index size differs from the index');
        this.parse = 'padding';
        this.paddingBytes = 0;
        return true;
      }
      case 'padding': {
        const first = this.pending[0];
        let n = 0;
        while (n < first.length && first[n] === 0) n++;
        this.paddingBytes += n;
        this.skip(n);
        if (n === first.length) return true;
        if (this.paddingBytes % 4 !== 0) throw new Error('stream padding is not a multiple of 4 bytes');
        this.parse = 'stream-header';
        return true;
      }
      case 'sequential': {
        const job = this.current!;
        job.input.push(...this.pending);
        job.inputBytes += this.pendingBytes;
        this.jobInputBytes += this.pendingBytes;
        this.skip(this.pendingBytes);
        return false;
      }
    }
  }

  private blockOrIndex(): boolean {
    const first = this.pending[0][0];
    if (first === 0) {
      this.skip(1);
      this.index = new IndexChecker(this.streamBlocks);
      this.parse = 'index';
      return true;
    }
    const headerBytes = blockHeaderBytes(first);
    if (this.pendingBytes < headerBytes) return false;
    if (this.jobs.length >= MAX_BLOCKS_AHEAD) {
      this.waitingForJobs = true;
      return false;
    }
    const at = this.offset;
    const header = Buffer.from(this.takeBytes(headerBytes));
    const block = parseBlockHeader(header);
    const stream = this.stream!;
    const label = `block ${this.streamBlocks.length + 1} of stream ${this.streamCount} (byte ${at})`;
    const sized = block.compressedSize !== undefined && block.uncompressedSize !== undefined;
    if (this.streamBlocks.length > 0 && !sized) throw new Error(`${label} lacks the size fields the earlier blocks of its stream have`);
    if (!sized || (this.streamBlocks.length === 0 && block.uncompressedSize! < this.limits.minParallelBlock)) {
      const rest = `the data from byte ${at - STREAM_HEADER_BYTES} on (decoded sequentially)`;
      this.current = this.addJob(rest, SEQUENTIAL_PIECE, Buffer.concat([this.streamHeaderBytes!, header]), null, Infinity, createSequentialXzDecoder);
      this.parse = 'sequential';
      return true;
    }
    const record = { unpaddedSize: headerBytes + block.compressedSize! + stream.checkBytes, uncompressedSize: block.uncompressedSize! };
    this.streamBlocks.push(record);
    const piece =
      record.uncompressedSize <= this.limits.pieceOutput
        ? Infinity
        : Math.max(MIN_PIECE, Math.floor((block.compressedSize! * this.limits.pieceOutput) / record.uncompressedSize));
    this.current = this.addJob(
      label,
      piece,
      Buffer.concat([streamHeader(stream), header]),
      singleBlockTrailer(stream, record),
      padded(record.unpaddedSize) - headerBytes,
      () => lzmaNative().createStream('streamDecoder', { synchronous: false, bufsize: OUTPUT_CHUNK } as never) as unknown as Transform,
    );
    this.parse = 'block-body';
    return true;
  }

  private addJob(label: string, piece: number, prefix: Buffer, trailer: Buffer | null, remaining: number, open: () => Transform): Job {
    const job: Job = {
      label,
      piece,
      prefix,
      trailer,
      remaining,
      open,
      input: [],
      inputBytes: 0,
      decoder: null,
      writing: false,
      ended: false,
      finished: false,
      output: [],
      outputBytes: 0,
    };
    this.jobs.push(job);
    return job;
  }

  /** Gives decoders their next piece: the first job first, at most `parallel` at once, within the output caps. */
  private feed(): void {
    let busy = this.jobs.filter((j) => j.writing).length;
    for (let i = 0; i < this.jobs.length && busy < this.limits.parallel; i++) {
      const job = this.jobs[i];
      if (job.writing || job.ended) continue;
      const room = i === 0 ? job.outputBytes < this.limits.pieceOutput : this.heldBytes < this.limits.maxHeldOutput;
      if (!room) continue;
      const last = job.remaining === 0 && job.inputBytes <= job.piece;
      if (job.inputBytes === 0 && !job.prefix && !last) continue;
      if (this.writePiece(job, last)) busy++;
    }
  }

  /** Writes the job's next piece (and, with the last one, ends its decoder); true when a write is in flight. */
  private writePiece(job: Job, last: boolean): boolean {
    const decoder = job.decoder ?? this.open(job);
    const parts: Buffer[] = [];
    if (job.prefix) parts.push(job.prefix);
    job.prefix = null;
    let taken = 0;
    while (job.input.length > 0 && taken < job.piece) {
      let part = job.input[0];
      if (taken + part.length > job.piece) {
        part = part.subarray(0, job.piece - taken);
        job.input[0] = job.input[0].subarray(part.length);
      } else job.input.shift();
      parts.push(part);
      taken += part.length;
    }
    job.inputBytes -= taken;
    this.jobInputBytes -= taken;
    if (last) {
      if (job.trailer) parts.push(job.trailer);
      job.trailer = null;
      job.ended = true;
    }
    if (parts.length === 0) {
      decoder.end();
      return false;
    }
    job.writing = true;
    decoder.write(parts.length === 1 ? parts[0] : Buffer.concat(parts), () => {
      job.writing = false;
      if (job.ended) decoder.end();
      this.pump();
    });
    return true;
  }

  private open(job: Job): Transform {
    const decoder = job.open();
    job.decoder = decoder;
    decoder.on('data', (chunk: Buffer) => this.output(job, chunk));
    decoder.on('end', () => {
      job.finished = true;
      this.pump();
    });
    decoder.on('error', (error: Error) => {
      this.fail(new StrataError('malformed', `${this.name}: corrupt xz data in ${job.label}: ${error.message}`, { file: this.name }));
    });
    return decoder;
  }

  /**
   * Queues a decoded chunk; it goes out from the `pump` that the write's callback runs, after the decoder has its
   * next piece, so decoding the next piece overlaps the reader's parsing and hashing of this one.
   */
  private output(job: Job, chunk: Buffer): void {
    if (this.destroyed) return;
    job.output.push(chunk);
    job.outputBytes += chunk.length;
    this.heldBytes += chunk.length;
  }

  /** Pushes held output in order while the reader wants it, retiring finished jobs. */
  private deliver(): void {
    while (this.jobs.length > 0) {
      const job = this.jobs[0];
      while (job.output.length > 0 && !this.consumerFull) {
        const chunk = job.output.shift()!;
        job.outputBytes -= chunk.length;
        this.heldBytes -= chunk.length;
        this.consumerFull = !this.push(chunk);
        if (this.destroyed) return;
        // Room was made: the next round of `pump` may feed the job again.
        this.pumpAgain = true;
      }
      if (job.output.length > 0 || !job.finished) return;
      this.jobs.shift();
      this.pumpAgain = true;
    }
  }
}
