// Opens and analyses the image a CLI command names, with a progress bar on a terminal.
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import { IndexCache } from '../cache/index-cache';
import { IndexPool } from '../layers/index-pool';
import { analyzeImage, prefetchPlan, type AnalyzedImage } from '../services/image-analysis';
import { defaultCacheDir, defaultSamplePath } from '../services/cache-location';
import { openSourceSpec, sourceSpecFromArgs } from '../services/open-source';
import type { CliArgs, CliIO } from './command';
import { createProgressBar } from './progress-bar';

/** Flags every command that opens an image accepts. */
export const sourceOptions = {
  platform: { type: 'string' },
  image: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Opens the source named by the positional arguments, analyses it, and runs `use` on the result. */
export async function withAnalyzedImage<T>(args: CliArgs, io: CliIO, use: (image: AnalyzedImage) => Promise<T> | T): Promise<T> {
  const spec = sourceSpecFromArgs(args.positionals, io.cwd);
  const cacheDir = defaultCacheDir(io.env);
  const store = await openSourceSpec(spec, { samplePath: defaultSamplePath(), uploadsDir: path.join(cacheDir, 'uploads') });
  const pool = new IndexPool();
  const bar = createProgressBar(io.stderr);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const engine = { pool, cache: new IndexCache(path.join(cacheDir, 'layers')) };
    const image = await store.openImage({
      image: args.values.image as string | undefined,
      platform: args.values.platform as string | undefined,
      prefetch: prefetchPlan(engine),
    });
    const analyzed = await analyzeImage(image, store, engine, {
      signal: controller.signal,
      onProgress: (layers) => bar.update(layers),
    });
    bar.clear();
    return await use(analyzed);
  } finally {
    bar.clear();
    process.removeListener('SIGINT', onSignal);
    await pool.close();
    await store.close();
  }
}

/** Reads `--layer N` (0 = base, negative counts from the top) against the image's layer count. */
export function layerArg(args: CliArgs, image: AnalyzedImage): number {
  const raw = args.values.layer;
  const count = image.indexes.length;
  if (raw === undefined) return count - 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n >= count || n < -count) {
    throw new StrataError('usage', `--layer ${String(raw)} is out of range: the image has ${count} layers (0–${count - 1}).`);
  }
  return n < 0 ? count + n : n;
}
