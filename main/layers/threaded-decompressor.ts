// gzip and zstd decompression on a thread of their own, so decompressing overlaps parsing and hashing
// (Node's zlib stream alternates: inflate one chunk in the libuv pool, then wait for JS to take it; zstd-napi's
// stream runs synchronously on the calling thread). Flow control both ways keeps memory bounded.
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

/** Decompressed chunks the thread may have in flight before it waits for the reader (each ≤ 256 KiB). */
const MAX_OUTPUT_IN_FLIGHT = 8;
/** Compressed chunks accepted before the stream applies backpressure. */
const MAX_INPUT_IN_FLIGHT = 2;

/** Compressed bytes handed to zlib at a time: bounds what one write can expand to (gzip's ratio is ≤ ~1032:1). */
const GZIP_PIECE = 64 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const OUT = 256 * 1024;
// For zstd (cheap to decompress) the thread also hashes what it produces, so the diff id costs the reading
// thread nothing; gzip's inflate is the slower side already, so there the reading thread hashes.
const outputHash = workerData.hashOutput ? require('node:crypto').createHash('sha256') : null;
const finish = () => parentPort.postMessage({ kind: 'end', sha256: outputHash ? outputHash.digest('hex') : '' });
let credits = ${MAX_OUTPUT_IN_FLIGHT};
let wake = null;
let busy = false;
const queue = [];
parentPort.on('message', (m) => {
  if (m.kind === 'credit') {
    credits++;
    if (wake) { const w = wake; wake = null; w(); }
    return;
  }
  queue.push(m);
  if (!busy) (workerData.format === 'gzip' ? runGzip : runZstd)();
});
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
        const data = new ArrayBuffer(c.length);
        new Uint8Array(data).set(c);
        parentPort.postMessage({ kind: 'data', data, length: c.length }, [data]);
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
    const src = new Uint8Array(m.data);
    for (let at = 0; at < src.length; at += ${GZIP_PIECE}) {
      if (!gunzip.write(src.subarray(at, at + ${GZIP_PIECE}))) await new Promise((resolve) => gunzip.once('drain', resolve));
    }
    parentPort.postMessage({ kind: 'consumed' });
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
      let src = new Uint8Array(m.data);
      for (;;) {
        const dst = new Uint8Array(OUT);
        const [ret, produced, consumed] = dctx.decompressStream(dst, src);
        src = src.subarray(consumed);
        if (produced > 0) {
          if (outputHash) outputHash.update(dst.subarray(0, produced));
          await takeCredit();
          parentPort.postMessage({ kind: 'data', data: dst.buffer, length: produced }, [dst.buffer]);
        }
        if (src.length === 0 && (produced < OUT || ret === 0)) {
          inFrame = ret !== 0;
          break;
        }
      }
      parentPort.postMessage({ kind: 'consumed' });
    }
  } catch (error) {
    fail(error);
  }
  busy = false;
}
`;

type FromThread =
  | { readonly kind: 'data'; readonly data: ArrayBuffer; readonly length: number }
  | { readonly kind: 'consumed' }
  | { readonly kind: 'end'; readonly sha256: string }
  | { readonly kind: 'error'; readonly message: string };

/** A decompressing Transform whose work runs on a dedicated thread (zlib for gzip, zstd-napi's libzstd for zstd). */
class ThreadedDecompressor extends Transform {
  /** `sha256:` of all output once the stream has ended, when `hashesOutput`. */
  outputDigest = '';
  readonly hashesOutput: boolean;
  private readonly worker: Worker;
  private inFlight = 0;
  private blocked: TransformCallback | null = null;
  private flushed: TransformCallback | null = null;

  constructor(format: 'gzip' | 'zstd') {
    super({ readableHighWaterMark: 1024 * 1024 });
    this.hashesOutput = format === 'zstd';
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { format, hashOutput: this.hashesOutput } });
    this.worker.on('message', (m: FromThread) => this.onMessage(m));
    this.worker.on('error', (error) => this.destroy(error));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = new ArrayBuffer(chunk.length);
    new Uint8Array(data).set(chunk);
    this.worker.postMessage({ kind: 'chunk', data }, [data]);
    this.inFlight++;
    if (this.inFlight < MAX_INPUT_IN_FLIGHT) callback();
    else this.blocked = callback;
  }

  override _flush(callback: TransformCallback): void {
    this.flushed = callback;
    this.worker.postMessage({ kind: 'end' });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.worker.terminate();
    callback(error);
  }

  private onMessage(m: FromThread): void {
    switch (m.kind) {
      case 'data':
        this.push(Buffer.from(m.data, 0, m.length));
        this.worker.postMessage({ kind: 'credit' });
        break;
      case 'consumed': {
        this.inFlight--;
        const next = this.blocked;
        this.blocked = null;
        next?.();
        break;
      }
      case 'end': {
        if (m.sha256) this.outputDigest = 'sha256:' + m.sha256;
        const done = this.flushed;
        this.flushed = null;
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

/** A decompressing Transform that may also report the sha256 of its output once it has ended. */
export type DigestingTransform = Transform & { readonly hashesOutput: boolean; readonly outputDigest: string };

/** A streaming gzip or zstd decompressor that runs on its own thread and hashes its output there. */
export function createThreadedDecompressor(format: 'gzip' | 'zstd'): DigestingTransform {
  return new ThreadedDecompressor(format);
}
