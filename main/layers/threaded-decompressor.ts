// gzip and zstd decompression on a thread of their own, so decompressing overlaps parsing and hashing
// (Node's zlib stream alternates: inflate one chunk in the libuv pool, then wait for JS to take it; zstd-napi's
// stream runs synchronously on the calling thread). For a local file range the thread also reads the file
// (plain tars too, passed through), so its input never waits for the parsing thread. Flow control both ways
// keeps memory bounded.
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { FileRange } from '../stores/types';

/** Decompressed chunks the thread may have in flight before it waits for the reader (each ≤ 1 MiB). */
const MAX_OUTPUT_IN_FLIGHT = 8;
/** Smallest input buffer: what a file stream reads at a time. */
const INPUT_BYTES = 64 * 1024;
/** Output chunks whose credits go back to the thread in one message (half the chunks in flight). */
const CREDIT_BATCH = MAX_OUTPUT_IN_FLIGHT / 2;
/** Compressed chunks accepted before the stream applies backpressure. */
const MAX_INPUT_IN_FLIGHT = 2;

/** Size of every decompressed chunk's buffer; the reader hands finished ones back for reuse. 1 MiB, not 256 KiB:
 * libzstd then decodes straight into it (1 GB in 0.43 s instead of 1.7 s), and there are 4× fewer messages. */
const OUT_BYTES = 1024 * 1024;
/** Compressed bytes handed to zlib per write: each write is a round trip to libuv's pool, so big ones (64 KiB: 2.9 s,
 * 1 MiB: 1.75 s to gunzip the bench layer); zlib's stream still pauses mid-write when its output is not read. */
const GZIP_PIECE = 1024 * 1024;
/** Bytes read per positioned read when the thread reads a file range itself. */
const FILE_PIECE = 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const OUT = ${OUT_BYTES};
// Output buffers the reader handed back: a fresh 1 MiB ArrayBuffer per chunk costs more than
// decompressing it (mmap, page faults, GC pressure), so they go round.
const free = [];
const takeBuffer = () => free.pop() || new ArrayBuffer(OUT);
// Where decoding is cheap (zstd, plain) the thread also hashes what it produces, so the diff id costs the
// parsing thread nothing; gzip's inflate is the slower side already, so there the parsing thread hashes.
const outputHash = workerData.hashOutput ? require('node:crypto').createHash('sha256') : null;
let blobDigest = '';
const finish = () => parentPort.postMessage({ kind: 'end', sha256: outputHash ? outputHash.digest('hex') : '', blobDigest, bytesIn });
let credits = ${MAX_OUTPUT_IN_FLIGHT};
let wake = null;
let busy = false;
const queue = [];
// Bytes of a file range read so far (reported with each output chunk, for progress and the ratio guard).
let bytesIn = 0;
parentPort.on('message', (m) => {
  if (m.kind === 'credit') {
    // Credits come back in batches, with the output buffers the reader has finished with.
    credits += m.count;
    for (const data of m.free) if (free.length < ${MAX_OUTPUT_IN_FLIGHT}) free.push(data);
    if (wake) { const w = wake; wake = null; w(); }
    return;
  }
  if (workerData.file) return; // the thread reads its input itself
  queue.push(m);
  if (!busy) (workerData.format === 'gzip' ? runGzip : runZstd)();
});

// A file range the thread reads itself (started at the end of this script), so its input never waits for
// the busy reading thread; it also hashes the compressed bytes when the blob digest is to be checked.
async function readFile(file) {
  const fs = require('node:fs');
  const blobHash = workerData.blobAlgorithm ? require('node:crypto').createHash(workerData.blobAlgorithm) : null;
  let fd = -1;
  try {
    fd = fs.openSync(file.path, 'r');
    if (workerData.format === 'none') return await readPlain(fs, fd, file, blobHash);
    // One buffer serves every read: a chunk is fully decompressed before the next read.
    const data = new ArrayBuffer(Math.min(${FILE_PIECE}, file.length));
    while (bytesIn < file.length) {
      const got = readNext(fs, fd, file, data, blobHash);
      queue.push({ kind: 'chunk', data, length: got, local: true });
      await (workerData.format === 'gzip' ? runGzip() : runZstd());
    }
    blobDigest = blobHash ? blobHash.digest('hex') : '';
    queue.push({ kind: 'end' });
    await (workerData.format === 'gzip' ? runGzip() : runZstd());
  } catch (error) {
    fail(error);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
// A plain tar: its bytes go out as read (into the recycled output buffers), hashed here for the diff id.
async function readPlain(fs, fd, file, blobHash) {
  while (bytesIn < file.length) {
    const data = takeBuffer();
    const got = readNext(fs, fd, file, data, blobHash);
    if (outputHash) outputHash.update(new Uint8Array(data, 0, got));
    await takeCredit();
    parentPort.postMessage({ kind: 'data', data, length: got, bytesIn }, [data]);
  }
  blobDigest = blobHash ? blobHash.digest('hex') : '';
  finish();
}
// Reads the range's next bytes into \`data\` (hashing them for the blob digest); throws when the file ends first.
function readNext(fs, fd, file, data, blobHash) {
  const got = fs.readSync(fd, new Uint8Array(data), 0, Math.min(data.byteLength, file.length - bytesIn), file.offset + bytesIn);
  if (got === 0) throw new Error('the file ends at byte ' + (file.offset + bytesIn) + ', before the layer does');
  if (blobHash) blobHash.update(new Uint8Array(data, 0, got));
  bytesIn += got;
  return got;
}
async function takeCredit() {
  while (credits === 0) await new Promise((resolve) => (wake = resolve));
  credits--;
}
const fail = (error) => parentPort.postMessage({ kind: 'error', message: String((error && error.message) || error) });

let gunzip = null;
if (workerData.format === 'gzip') {
  gunzip = require('node:zlib').createGunzip({ chunkSize: OUT });
  (async () => {
    try {
      for await (const c of gunzip) {
        await takeCredit();
        if (outputHash) outputHash.update(c);
        const data = c.length <= OUT ? takeBuffer() : new ArrayBuffer(c.length);
        new Uint8Array(data).set(c);
        parentPort.postMessage({ kind: 'data', data, length: c.length, bytesIn }, [data]);
      }
      finish();
    } catch (error) {
      fail(error);
    }
  })();
}
async function runGzip() {
  busy = true;
  while (queue.length) {
    const m = queue.shift();
    if (m.kind === 'end') {
      gunzip.end();
      continue;
    }
    const src = new Uint8Array(m.data, 0, m.length);
    let written = null;
    for (let at = 0; at < src.length; at += ${GZIP_PIECE}) {
      written = new Promise((resolve) => gunzip.write(src.subarray(at, at + ${GZIP_PIECE}), resolve));
      if (gunzip.writableNeedDrain) await new Promise((resolve) => gunzip.once('drain', resolve));
    }
    // zlib calls a write back once it has inflated all of it: then the buffer goes back to be refilled.
    if (written) await written;
    if (!m.local) parentPort.postMessage({ kind: 'consumed', data: m.data }, [m.data]);
  }
  busy = false;
}

let dctx = null;
let inFrame = false;
async function runZstd() {
  if (!dctx) dctx = new (require(${JSON.stringify(require.resolve('zstd-napi/binding'))}).DCtx)();
  busy = true;
  try {
    while (queue.length) {
      const m = queue.shift();
      if (m.kind === 'end') {
        if (inFrame) fail('stream ended in the middle of a zstd frame');
        else finish();
        continue;
      }
      let src = new Uint8Array(m.data, 0, m.length);
      for (;;) {
        const dst = new Uint8Array(takeBuffer());
        const [ret, produced, consumed] = dctx.decompressStream(dst, src);
        src = src.subarray(consumed);
        if (produced > 0) {
          if (outputHash) outputHash.update(dst.subarray(0, produced));
          await takeCredit();
          parentPort.postMessage({ kind: 'data', data: dst.buffer, length: produced, bytesIn }, [dst.buffer]);
        } else free.push(dst.buffer);
        if (src.length === 0 && (produced < OUT || ret === 0)) {
          inFrame = ret !== 0;
          break;
        }
      }
      // libzstd has read all of it: the buffer goes back to be refilled.
      if (!m.local) parentPort.postMessage({ kind: 'consumed', data: m.data }, [m.data]);
    }
  } catch (error) {
    fail(error);
  }
  busy = false;
}

if (workerData.file) readFile(workerData.file);
`;

type FromThread =
  | { readonly kind: 'data'; readonly data: ArrayBuffer; readonly length: number; readonly bytesIn: number }
  | { readonly kind: 'consumed'; readonly data?: ArrayBuffer }
  | { readonly kind: 'end'; readonly sha256: string; readonly blobDigest: string; readonly bytesIn: number }
  | { readonly kind: 'error'; readonly message: string };

/** A decompressing Transform whose work runs on a dedicated thread (zlib for gzip, zstd-napi's libzstd for zstd). */
class ThreadedDecompressor extends Transform {
  /** `sha256:` of all output once the stream has ended, when `hashesOutput`. */
  outputDigest = '';
  /** `algorithm:hex` of the file range read, once ended, when a blob algorithm was given. */
  blobDigest = '';
  /** Bytes of the file range the thread has read, as of the last chunk emitted (0 when it reads no file). */
  bytesIn = 0;
  readonly hashesOutput: boolean;
  /** The file range the thread reads itself, if any. */
  private readonly reads: ThreadedOptions['file'];
  private readonly blobAlgorithm: string | undefined;
  private readonly worker: Worker;
  private inFlight = 0;
  private blocked: TransformCallback | null = null;
  private flushed: TransformCallback | null = null;
  /** Input buffers the thread has handed back. */
  private readonly inputFree: ArrayBuffer[] = [];
  /** The thread has finished or been stopped. */
  private threadDone = false;
  /** Chunks pushed since the last credit message. */
  private owedCredits = 0;
  /** Output buffers the reader has finished with, sent back with the next credits. */
  private readonly recycled: ArrayBuffer[] = [];

  constructor(format: ThreadedFormat, options: ThreadedOptions) {
    super({ readableHighWaterMark: 1024 * 1024 });
    this.hashesOutput = options.hashOutput ?? format === 'zstd';
    this.reads = options.file;
    this.blobAlgorithm = options.blobAlgorithm;
    const workerData = { format, hashOutput: this.hashesOutput, file: options.file, blobAlgorithm: options.blobAlgorithm };
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData });
    this.worker.on('message', (m: FromThread) => this.onMessage(m));
    this.worker.on('error', (error) => this.destroy(error));
  }

  /**
   * Hands a chunk this stream emitted back to the thread for reuse. Only for a consumer that is done
   * with every view of it: the chunk's memory moves to the thread and reads as empty here.
   */
  recycle(chunk: Buffer): void {
    const data = chunk.buffer;
    if (this.threadDone || this.destroyed || chunk.byteOffset !== 0 || data.byteLength !== OUT_BYTES || data instanceof SharedArrayBuffer) return;
    if (this.recycled.length < MAX_OUTPUT_IN_FLIGHT) this.recycled.push(data as ArrayBuffer);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.reads) {
      callback(new Error('this decompressor reads its file itself; nothing may be written to it'));
      return;
    }
    // Compressed chunks travel in buffers the thread hands back once decompressed: a fresh ArrayBuffer
    // per chunk costs as much as copying into it.
    const reused = this.inputFree.pop();
    const data = reused && reused.byteLength >= chunk.length ? reused : new ArrayBuffer(Math.max(chunk.length, INPUT_BYTES));
    new Uint8Array(data, 0, chunk.length).set(chunk);
    this.worker.postMessage({ kind: 'chunk', data, length: chunk.length }, [data]);
    this.inFlight++;
    if (this.inFlight < MAX_INPUT_IN_FLIGHT) callback();
    else this.blocked = callback;
  }

  override _flush(callback: TransformCallback): void {
    this.flushed = callback;
    if (!this.reads) this.worker.postMessage({ kind: 'end' });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.threadDone = true;
    void this.worker.terminate();
    callback(error);
  }

  private onMessage(m: FromThread): void {
    switch (m.kind) {
      case 'data':
        this.bytesIn = m.bytesIn;
        this.push(Buffer.from(m.data, 0, m.length));
        // Credits go back in batches, with the buffers recycled meanwhile: a message costs about as much
        // as decompressing a small chunk.
        if (++this.owedCredits >= CREDIT_BATCH) {
          const free = this.recycled.splice(0);
          this.worker.postMessage({ kind: 'credit', count: this.owedCredits, free }, free);
          this.owedCredits = 0;
        }
        break;
      case 'consumed': {
        if (m.data) this.inputFree.push(m.data);
        this.inFlight--;
        const next = this.blocked;
        this.blocked = null;
        next?.();
        break;
      }
      case 'end': {
        this.bytesIn = m.bytesIn;
        if (m.sha256) this.outputDigest = 'sha256:' + m.sha256;
        if (m.blobDigest) this.blobDigest = `${this.blobAlgorithm}:${m.blobDigest}`;
        const done = this.flushed;
        this.flushed = null;
        this.threadDone = true;
        void this.worker.terminate();
        done?.();
        break;
      }
      case 'error':
        this.destroy(new Error(m.message));
        break;
    }
  }
}

/** A decompressing Transform that may report the sha256 of its output once ended, and takes finished chunks back. */
export type DigestingTransform = Transform & {
  readonly hashesOutput: boolean;
  readonly outputDigest: string;
  /** The file range's digest, when it read one with a blob algorithm. */
  readonly blobDigest: string;
  /** Bytes of the file range read so far (when it reads one). */
  readonly bytesIn: number;
  recycle(chunk: Buffer): void;
};

/** What a thread decodes: gzip, zstd, or (for a file range it reads itself) a plain tar passed through. */
export type ThreadedFormat = 'gzip' | 'zstd' | 'none';

/** What a decompression thread reads (a file range, or else what is written to the stream) and what it hashes. */
export interface ThreadedOptions {
  /** A file range the thread reads itself: nothing may then be written to the stream (end it to wait for the rest). */
  readonly file?: FileRange;
  /** Algorithm of the blob digest to compute over the file range as stored (none: not computed). */
  readonly blobAlgorithm?: string;
  /** Hash the output (the diff id) on the thread (default: for zstd only). */
  readonly hashOutput?: boolean;
}

/** A streaming decompressor that runs on its own thread (reading a file range itself when given one) and may hash its output there. */
export function createThreadedDecompressor(format: ThreadedFormat, options: ThreadedOptions = {}): DigestingTransform {
  return new ThreadedDecompressor(format, options);
}
