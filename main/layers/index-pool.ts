// A pool of worker threads that index layers off the main thread, with progress, cancellation and a cache helper.
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { StrataError, type StrataErrorCode } from '../../shared/errors';
import type { LayerIndex } from '../../shared/model';
import type { IndexCache } from '../cache/index-cache';
import { release } from '../cache/index-columns';
import { decodeLayerIndex } from '../cache/index-codec';
import { ownedChunks } from '../stores/owned-chunks';
import type { FileRange, Layer } from '../stores/types';
import type { IndexLayerOptions } from './layer-indexer';

/** Indexing options that cross the thread boundary (no callbacks, no signal). */
export type WorkerIndexOptions = Omit<IndexLayerOptions, 'signal' | 'onProgress'>;

/** Messages the pool sends to a worker. */
export type PoolRequest =
  | { readonly kind: 'file'; readonly id: number; readonly file: FileRange; readonly options: WorkerIndexOptions }
  | { readonly kind: 'stream'; readonly id: number; readonly options: WorkerIndexOptions }
  | { readonly kind: 'chunk'; readonly id: number; readonly data: ArrayBuffer; readonly length: number }
  | { readonly kind: 'end'; readonly id: number };

/** Messages a worker sends back. */
export type PoolResponse =
  | { readonly kind: 'progress'; readonly id: number; readonly done: number; readonly total: number }
  | { readonly kind: 'ack'; readonly id: number }
  | { readonly kind: 'done'; readonly id: number; readonly data: ArrayBuffer; readonly offset: number; readonly length: number; readonly memoryBytes: number }
  | {
      readonly kind: 'error';
      readonly id: number;
      readonly error: { readonly code: string; readonly message: string; readonly file?: string; readonly entry?: string };
    };

/** Options of one pooled indexing job. */
export interface PoolIndexOptions extends Partial<Omit<WorkerIndexOptions, 'name'>> {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** A pooled job's index, and the same index in index-codec's encoding as the worker sent it. */
export interface PooledIndex {
  readonly index: LayerIndex;
  readonly encoded: Buffer;
}

/**
 * A worker holding more than this after a job (heap plus off-heap buffers: a big layer's columns stay until its
 * next full GC) is replaced, giving that memory back at once.
 */
const RECYCLE_BYTES = 64 * 1024 * 1024;

/** Bytes of a stream-only layer gathered into one message to its worker. */
const CHUNK_BYTES = 1024 * 1024;

/** Chunks of a stream-only layer in flight to a worker before the pool waits for acknowledgements. */
const MAX_IN_FLIGHT = 4;

interface Slot {
  readonly worker: Worker;
  job: Job | null;
}

interface Job {
  readonly id: number;
  readonly layer: Layer;
  readonly options: PoolIndexOptions;
  /** False when the caller wants only the index: the encoded bytes then go back to the worker once decoded. */
  readonly keepEncoded: boolean;
  readonly resolve: (result: PooledIndex) => void;
  readonly reject: (error: Error) => void;
  /** Aborted when the job settles: cancels the layer's open request and destroys its stream. */
  readonly source: AbortController;
  /** Called on each chunk the worker acknowledges (it has indexed it). */
  onAck?: () => void;
  /** A remote layer's stream, opened while the job waited in the queue. */
  openedAhead?: Promise<Readable>;
  /** The source of a stream-only layer, destroyed when the job settles. */
  stream?: Readable;
  settled: boolean;
}

/** Starts a worker on the compiled `.js` body, or (under tsx: tests, benchmarks) on the `.ts` one through tsx's require hook. */
function startWorker(maxHeapMb: number | undefined): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `index-worker${ext}`);
  const resourceLimits = maxHeapMb ? { maxOldGenerationSizeMb: maxHeapMb } : undefined;
  if (ext !== '.ts') return new Worker(file, { execArgv: [], resourceLimits });
  const boot = `require('tsx/cjs/api').register(); require(${JSON.stringify(file)});`;
  return new Worker(boot, { eval: true, execArgv: [], resourceLimits });
}

/**
 * Worker threads (one per core and one more, by default) that turn layers into LayerIndexes. A job does not keep
 * a core busy on its own (its worker waits on zlib's thread, the file or the network), so one job more than
 * there are cores fills them.
 */
export class IndexPool {
  /** How many jobs run at once. */
  readonly size: number;
  /** Jobs below which a job also gets a decompression thread: the cores, at most the pool's size. */
  private readonly threadBelow: number;
  private readonly maxHeapMb: number | undefined;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Running jobs whose streams are still being opened. */
  private opening = 0;

  /** `size`: workers (default: one per core, plus one); `maxHeapMb`: each worker's heap cap (default: Node's). */
  constructor(options: { size?: number; maxHeapMb?: number } = {}) {
    const cores = os.availableParallelism();
    this.size = Math.max(1, options.size ?? cores + 1);
    this.threadBelow = Math.min(this.size, cores);
    this.maxHeapMb = options.maxHeapMb;
  }

  /** Indexes a layer in a worker; rejects with a StrataError naming the layer (cancelled, malformed, crashed…). */
  async index(layer: Layer, options: PoolIndexOptions = {}): Promise<LayerIndex> {
    return (await this.submit(layer, options, false)).index;
  }

  /** `index`, also resolving with the worker's encoding of the index (its own ArrayBuffer: `release` it once stored). */
  indexEncoded(layer: Layer, options: PoolIndexOptions = {}): Promise<PooledIndex> {
    return this.submit(layer, options, true);
  }

  private submit(layer: Layer, options: PoolIndexOptions, keepEncoded: boolean): Promise<PooledIndex> {
    if (this.closed) return Promise.reject(new StrataError('cancelled', `${layer.name}: the index pool is closed`, { file: layer.name }));
    if (options.signal?.aborted) return Promise.reject(cancelled(layer));
    return new Promise<PooledIndex>((resolve, reject) => {
      const job: Job = { id: this.nextId++, layer, options, keepEncoded, resolve, reject, source: new AbortController(), settled: false };
      options.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker; pending jobs reject as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, cancelled(job.layer));
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        if (slot.job) this.settle(slot.job, cancelled(slot.job.layer));
        return slot.worker.terminate();
      }),
    );
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) break;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      this.start(slot, job);
    }
  }

  /**
   * Opens the streams of the next queued remote layers (one per worker at most), so a registry's answer to
   * their requests (a round trip or more) arrives while other layers index, not after a worker frees.
   * The bodies stay paused until their jobs start.
   */
  private openAhead(): void {
    let ahead = 0;
    for (const job of this.queue) {
      if (ahead === this.size) return;
      if (!job.layer.remote) continue;
      ahead++;
      job.openedAhead ??= job.layer.open(job.source.signal).then((stream) => {
        // Nobody reads it yet: an error (the request aborted, the connection dropped) must not go unhandled.
        stream.on('error', () => undefined);
        return stream;
      });
      job.openedAhead.catch(() => undefined);
    }
  }

  /** The job's stream: the one opened ahead if it is still whole, else a fresh one. */
  private async openStream(job: Job): Promise<Readable> {
    const ahead = await job.openedAhead?.catch(() => undefined);
    if (ahead && !ahead.destroyed) return ahead;
    ahead?.destroy();
    return job.layer.open(job.source.signal);
  }

  private spawn(): Slot {
    const worker = startWorker(this.maxHeapMb);
    const slot: Slot = { worker, job: null };
    worker.on('message', (message: PoolResponse) => this.onMessage(slot, message));
    worker.on('error', (error: Error & { code?: string }) =>
      this.crashed(slot, error.message, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'too-large' : 'malformed'),
    );
    worker.on('exit', (code) => this.crashed(slot, `exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    const { signal: _signal, onProgress: _progress, ...rest } = job.options;
    const d = job.layer.descriptor;
    // A decompression thread per job only pays off while some core would otherwise sit idle.
    const busy = this.slots.filter((s) => s.job).length + this.queue.length;
    const options: WorkerIndexOptions = {
      name: job.layer.name,
      threadedDecompression: busy < this.threadBelow,
      compressedSize: job.layer.file?.length ?? d.size,
      // A stream that verifies itself (registry, engine) is not hashed a second time here.
      expectedDigest: job.layer.verifiedStream ? undefined : d.digest || undefined,
      expectedDiffId: d.diffId || undefined,
      ...rest,
    };
    if (job.layer.file) {
      slot.worker.postMessage({ kind: 'file', id: job.id, file: job.layer.file, options } satisfies PoolRequest);
      return;
    }
    slot.worker.postMessage({ kind: 'stream', id: job.id, options } satisfies PoolRequest);
    void this.feed(slot, job);
  }

  /** Pipes a stream-only layer to its worker; a read error fails the job with the layer's name. */
  private async feed(slot: Slot, job: Job): Promise<void> {
    try {
      this.opening++;
      const stream = await this.openStream(job).finally(() => this.opening--);
      job.stream = stream;
      // The queued layers' requests go out once the running ones have their answers, not competing with them.
      if (this.opening === 0) this.openAhead();
      if (job.settled) {
        stream.destroy();
        return;
      }
      await sendChunks(stream, slot.worker, job);
      if (!job.settled) slot.worker.postMessage({ kind: 'end', id: job.id } satisfies PoolRequest);
    } catch (error) {
      if (!job.settled) {
        const reason = job.options.signal?.aborted
          ? cancelled(job.layer)
          : new StrataError('not-found', `${job.layer.name}: cannot read the layer (${(error as Error).message})`, { file: job.layer.name });
        this.finish(slot, job, reason);
      }
    }
  }

  private onMessage(slot: Slot, message: PoolResponse): void {
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    switch (message.kind) {
      case 'progress':
        job.options.onProgress?.(message.done, message.total);
        break;
      case 'ack':
        job.onAck?.();
        break;
      case 'done': {
        const encoded = Buffer.from(message.data, message.offset, message.length);
        const index = decodeLayerIndex(encoded);
        // Bytes no caller keeps are freed at the next minor GC rather than linger until this thread's next full one.
        if (!job.keepEncoded) release(message.data);
        if (message.memoryBytes > RECYCLE_BYTES) this.retire(slot);
        this.finish(slot, job, index ? { index, encoded } : new StrataError('malformed', `${job.layer.name}: the index worker sent a corrupt result`, { file: job.layer.name }));
        break;
      }
      case 'error': {
        const { code, message: text, file, entry } = message.error;
        this.finish(slot, job, new StrataError(code as StrataErrorCode, text, { file: file ?? job.layer.name, entry }));
        break;
      }
    }
  }

  private finish(slot: Slot, job: Job, result: PooledIndex | Error): void {
    if (slot.job === job) {
      slot.job = null;
      slot.worker.unref();
    }
    this.settle(job, result);
    this.pump();
  }

  private settle(job: Job, result: PooledIndex | Error): void {
    if (job.settled) return;
    job.settled = true;
    job.source.abort();
    job.stream?.destroy();
    if (result instanceof Error) job.reject(result);
    else job.resolve(result);
  }

  /** Cancels a job: dropped from the queue, or its worker terminated (and replaced on demand). */
  private cancel(job: Job): void {
    if (job.settled) return;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.job === job);
    if (slot) this.retire(slot);
    this.settle(job, cancelled(job.layer));
    this.pump();
  }

  private crashed(slot: Slot, reason: string, code: StrataErrorCode = 'malformed'): void {
    const job = slot.job;
    this.retire(slot);
    if (job) this.settle(job, new StrataError(code, `${job.layer.name}: the index worker stopped (${reason})`, { file: job.layer.name }));
    this.pump();
  }

  private retire(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    slot.job = null;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
  }
}

/**
 * Copies a stream's bytes into buffers of CHUNK_BYTES of our own (not zero-filled), whose memory moves to the
 * worker as is (chunks in `ownedChunks` move without the copy), and pauses the stream while MAX_IN_FLIGHT wait.
 * Reads 'data' events: iterating the stream would join its buffered chunks into one more copy. Resolves at the
 * stream's end (or once the job settled).
 */
function sendChunks(stream: Readable, worker: Worker, job: Job): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let gathered: Buffer | null = null;
    let length = 0;
    let inFlight = 0;
    const transfer = (data: ArrayBuffer, bytes: number) => {
      worker.postMessage({ kind: 'chunk', id: job.id, data, length: bytes } satisfies PoolRequest, [data]);
      if (++inFlight >= MAX_IN_FLIGHT) stream.pause();
    };
    const send = () => {
      transfer(gathered!.buffer as ArrayBuffer, length);
      gathered = null;
      length = 0;
    };
    job.onAck = () => {
      if (--inFlight < MAX_IN_FLIGHT && !job.settled) stream.resume();
    };
    stream.on('data', (chunk: Buffer) => {
      if (ownedChunks.has(chunk) && chunk.byteOffset === 0) {
        // The stream gave this memory away (DirectHttp's body buffers): it moves to the worker uncopied.
        if (length > 0) send();
        transfer(chunk.buffer as ArrayBuffer, chunk.length);
        return;
      }
      for (let at = 0; at < chunk.length; ) {
        gathered ??= Buffer.allocUnsafeSlow(CHUNK_BYTES);
        const n = Math.min(chunk.length - at, CHUNK_BYTES - length);
        chunk.copy(gathered, length, at, at + n);
        length += n;
        at += n;
        if (length === CHUNK_BYTES) send();
      }
    });
    stream.once('end', () => {
      if (length > 0) send();
      resolve();
    });
    stream.once('error', reject);
    // A close before the end is a truncated layer, unless the job settled and destroyed the stream itself.
    stream.once('close', () => (job.settled ? resolve() : reject(new Error('the stream closed before its end'))));
  });
}

function cancelled(layer: Layer): StrataError {
  return new StrataError('cancelled', `${layer.name}: indexing cancelled`, { file: layer.name });
}

/** Options of `indexLayerCached`. */
export interface CachedIndexOptions extends PoolIndexOptions {
  readonly pool: IndexPool;
  readonly cache: IndexCache;
}

/** Returns a layer's index from the cache (keyed by its blob digest), else indexes it in the pool and stores it. */
export async function indexLayerCached(layer: Layer, options: CachedIndexOptions): Promise<{ index: LayerIndex; fromCache: boolean }> {
  const { pool, cache, ...rest } = options;
  const digest = layer.descriptor.digest;
  if (digest && !rest.headersOnly) {
    const cached = await cache.get(digest);
    if (cached) return { index: cached, fromCache: true };
  }
  // A TOC listing (eStargz, zstd:chunked) or an index computed while an engine export streamed past.
  // Lazy TOC listings are not cached: the cache format does not keep their `lazy` mark.
  const known = rest.headersOnly ? null : await layer.lazyIndex?.(rest.signal);
  if (known) {
    if (digest && !known.lazy) await cache.put(digest, known).catch(() => undefined);
    return { index: known, fromCache: false };
  }
  const { index, encoded } = await pool.indexEncoded(layer, rest);
  if (digest && !rest.headersOnly) {
    try {
      await cache.putEncoded(digest, encoded);
    } catch {
      // A cache that cannot be written (full disk, read-only dir) costs speed on the next open, not correctness.
    }
  }
  release(encoded.buffer);
  return { index, fromCache: false };
}
