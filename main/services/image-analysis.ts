// Indexes every layer of an image (through the cache and the worker pool), diffs the layers, and
// builds the ancestry chain. Shared by the CLI, the Electron app and `strata serve`.
import { setMaxListeners } from 'node:events';
import type {
  HistoryStep,
  ImageDescriptor,
  LayerDiff,
  LayerIndex,
  LayerProgress,
  LayerSummary,
  SourceKind,
} from '../../shared/model';
import { StrataError } from '../../shared/errors';
import type { Image, PrefetchPlan } from '../stores/types';
import type { IndexCache } from '../cache/index-cache';
import type { IndexPool } from '../layers/index-pool';
import { indexLayerCached } from '../layers/index-pool';
import { diffLayersInSteps } from '../layers/layer-diff';
import { runInTurns } from './run-in-turns';

/** An image with every layer indexed and diffed. */
export interface AnalyzedImage {
  readonly sourceKind: SourceKind;
  readonly location: string;
  readonly descriptor: ImageDescriptor;
  readonly indexes: readonly LayerIndex[];
  readonly diffs: readonly LayerDiff[];
  /** The ancestry chain, base first. */
  readonly layers: readonly LayerSummary[];
  /** How many layers came from the cache (all of them on a reopen). */
  readonly layersFromCache: number;
}

/** The long-lived parts analysis needs: the worker pool and the on-disk cache. */
export interface AnalysisEngine {
  readonly pool: IndexPool;
  readonly cache: IndexCache;
}

/** What `analyzeImage` will read first, for `openImage`: as many layers as the pool runs at once, the uncached ones. */
export function prefetchPlan(engine: AnalysisEngine): PrefetchPlan {
  return { layers: engine.pool.size, needed: async (digest) => !(await engine.cache.has(digest)) };
}

/** Options of one analysis run. */
export interface AnalyzeOptions {
  readonly signal?: AbortSignal;
  /** Called with every layer's progress whenever one of them moves. */
  readonly onProgress?: (layers: readonly LayerProgress[]) => void;
}

/** Builds the ancestry chain from a descriptor, the layer indexes and their diffs. */
export function summarizeLayers(
  descriptor: ImageDescriptor,
  indexes: readonly LayerIndex[],
  diffs: readonly LayerDiff[],
): LayerSummary[] {
  return descriptor.layers.map((layer, i) => ({
    ...layer,
    diffId: layer.diffId || indexes[i].diffId,
    uncompressedSize: indexes[i].uncompressedSize,
    compression: indexes[i].compression,
    counts: {
      entries: indexes[i].entries.length,
      created: diffs[i].created.length,
      changed: diffs[i].changed.length,
      deleted: diffs[i].deleted.length,
    },
    warnings: indexes[i].warnings,
    ...(indexes[i].lazy ? { lazy: indexes[i].lazy } : {}),
  }));
}

/** Indexes (or loads from cache) every layer of `image` in parallel, then diffs them. */
export async function analyzeImage(
  image: Image,
  store: { readonly kind: SourceKind; readonly location: string },
  engine: AnalysisEngine,
  options: AnalyzeOptions = {},
): Promise<AnalyzedImage> {
  if (image.layers.length === 0) {
    throw new StrataError('malformed', `${store.location}: the image has no layers.`, { file: store.location });
  }
  const progress: LayerProgress[] = image.layers.map((layer, i) => ({
    layer: i,
    bytesDone: 0,
    bytesTotal: layer.descriptor.size,
    state: 'queued',
  }));
  const report = (i: number, update: Partial<LayerProgress>) => {
    progress[i] = { ...progress[i], ...update };
    options.onProgress?.([...progress]);
  };
  // One failure cancels the layers still running, so a bad layer stops the whole job promptly.
  const failFast = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failFast.signal]) : failFast.signal;
  // Each layer's job and reader listen on the one signal: a 40-layer image is not a listener leak.
  setMaxListeners(Math.max(10, image.layers.length * 4), signal);
  let fromCache = 0;
  const results = await Promise.allSettled(
    image.layers.map(async (layer, i) => {
      try {
        const result = await indexLayerCached(layer, {
          pool: engine.pool,
          cache: engine.cache,
          signal,
          onProgress: (bytesDone: number, bytesTotal: number) => report(i, { state: 'reading', bytesDone, bytesTotal }),
        });
        if (result.fromCache) fromCache++;
        report(i, {
          state: result.fromCache ? 'cached' : 'done',
          bytesDone: progress[i].bytesTotal,
        });
        return result.index;
      } catch (error) {
        report(i, { state: signal.aborted && !failFast.signal.aborted ? 'cancelled' : 'failed' });
        failFast.abort();
        throw error;
      }
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isCancel(r.reason));
  const cancelled = () => new StrataError('cancelled', `${store.location}: analysis cancelled.`);
  if (options.signal?.aborted) throw cancelled();
  if (failed) throw failed.reason;
  const indexes = results.map((r) => (r as PromiseFulfilledResult<LayerIndex>).value);
  // A step per event-loop turn: a big image's diff does not stall IPC and requests for a second.
  const diffs = await runInTurns(diffLayersInSteps(indexes), options.signal && { signal: options.signal, error: cancelled });
  return {
    sourceKind: store.kind,
    location: store.location,
    descriptor: image.descriptor,
    indexes,
    diffs,
    layers: summarizeLayers(image.descriptor, indexes, diffs),
    layersFromCache: fromCache,
  };
}

function isCancel(reason: unknown): boolean {
  return reason instanceof StrataError && reason.code === 'cancelled';
}

/** Trims builder noise from a history step: `/bin/sh -c #(nop) ` and a leading `/bin/sh -c `. */
export function trimCreatedBy(step: HistoryStep): string {
  return step.createdBy
    .replace(/^\/bin\/(ba)?sh -c #\(nop\)\s*/, '')
    .replace(/^\/bin\/(ba)?sh -c /, 'RUN ')
    .replace(/^\|\d+ (\S+=\S* )*\/bin\/(ba)?sh -c /, 'RUN ')
    .trim();
}
