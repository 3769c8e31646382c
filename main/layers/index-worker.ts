// Worker thread body of the index pool: indexes one layer at a time, from a file range or from piped chunks.
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { isStrataError } from '../../shared/errors';
import type { PoolRequest, PoolResponse, WorkerIndexOptions } from './index-pool';
import { encodeLayerFile, LayerIndexer, type IndexLayerOptions } from './layer-indexer';

const port = parentPort!;

interface StreamJob {
  readonly indexer: LayerIndexer;
  chain: Promise<void>;
}

let job: StreamJob | null = null;
let settledId = -1;

function send(message: PoolResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function withProgress(id: number, opts: WorkerIndexOptions): IndexLayerOptions {
  return { ...opts, onProgress: (done, total) => send({ kind: 'progress', id, done, total }) };
}

function fail(id: number, error: unknown): void {
  if (settledId === id) return;
  settledId = id;
  job = null;
  const e = error as Error & { code?: string; file?: string; entry?: string };
  send({
    kind: 'error',
    id,
    error: isStrataError(e) ? { code: e.code, message: e.message, file: e.file, entry: e.entry } : { code: 'malformed', message: String(e?.message ?? e) },
  });
}

async function settle(id: number, work: Promise<Buffer>): Promise<void> {
  try {
    const encoded = await work;
    if (settledId === id) return;
    settledId = id;
    job = null;
    const data = encoded.buffer as ArrayBuffer; // its own buffer: transferred, not copied
    const heap = getHeapStatistics();
    const memoryBytes = heap.total_heap_size + heap.external_memory;
    send({ kind: 'done', id, data, offset: encoded.byteOffset, length: encoded.length, memoryBytes }, [data]);
  } catch (error) {
    fail(id, error);
  }
}

port.on('message', (message: PoolRequest) => {
  switch (message.kind) {
    case 'file':
      void settle(message.id, encodeLayerFile(message.file, withProgress(message.id, message.options)));
      break;
    case 'stream': {
      const indexer = new LayerIndexer(withProgress(message.id, message.options));
      indexer.onFail = (error) => fail(message.id, error);
      job = { indexer, chain: Promise.resolve() };
      break;
    }
    case 'chunk': {
      const current = job;
      if (!current) break;
      const chunk = Buffer.from(message.data, 0, message.length);
      current.chain = current.chain
        .then(() => current.indexer.write(chunk))
        .then(() => send({ kind: 'ack', id: message.id }));
      current.chain.catch((error) => fail(message.id, error));
      break;
    }
    case 'end': {
      const current = job;
      if (!current) break;
      void settle(message.id, current.chain.then(() => current.indexer.endEncoded()));
      break;
    }
  }
});
