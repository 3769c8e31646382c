// Registry benchmark (not a test): the same image listed (every layer indexed, nothing cached) from a
// local docker-registry over loopback and from an OCI layout on disk (target ≤ 1.2×), and the bytes a
// lazily listed eStargz layer fetches (target < 5 % of the blob). Medians of 15 runs of each, alternated, after three untimed rounds.
// A 10-layer image is listed both ways too (same target): with more layers than jobs run at once, layers
// queue for workers on both sides, and it shows the registry path's cost per byte.
// Run alone: `node --import tsx bench/registry-bench.ts [FILES]`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { IndexCache } from '../main/cache/index-cache';
import { IndexPool } from '../main/layers/index-pool';
import { parseImageReference } from '../main/registry/image-reference';
import { RegistryClient } from '../main/registry/registry-client';
import { analyzeImage, prefetchPlan } from '../main/services/image-analysis';
import { openLocalStore } from '../main/stores/detect';
import { RegistryStore } from '../main/stores/registry-store';
import type { ImageStore } from '../main/stores/types';
import { makeEstargzLayer } from '../main/test-support/lazy-layer-fixtures';
import { file, makeLayerTar, type FixtureEntry } from '../main/test-support/layer-tar';
import { freePort, pushLayout, startRegistry, writeOciLayout } from '../main/test-support/registry-harness';

/** What `runRegistryBench` measured. */
export interface RegistryBenchResult {
  readonly files: number;
  readonly blobBytes: number;
  readonly registryMs: number;
  readonly layoutMs: number;
  /** registry / layout; target ≤ 1.2. */
  readonly ratio: number;
  /** registry / layout for a 10-layer image; target ≤ 1.2. */
  readonly tenLayerRatio: number;
  readonly estargzBlobBytes: number;
  readonly estargzFetchedBytes: number;
  /** fetched / blob; target < 0.05. */
  readonly estargzFraction: number;
}

const RUNS = 15;
/** Untimed rounds first: the first listings of each kind run 15–30 % slower (code not yet optimised by V8, cold workers). */
const WARM_UP = 3;

function entries(count: number, salt: string): FixtureEntry[] {
  const out: FixtureEntry[] = [];
  for (let i = 0; i < count; i++) {
    const size = i % 50 === 0 ? 64 * 1024 : 512 + (i % 7) * 300;
    out.push(file(`usr/share/${salt}/d${i % 200}/f${i}.dat`, randomBytes(size)));
  }
  return out;
}

/** Medians of `RUNS` timings of `a` and of `b`, run alternately so that a change in machine load hits both. */
async function alternateMedians(a: () => Promise<void>, b: () => Promise<void>): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < RUNS; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const start = performance.now();
      await fn();
      times[k].push(performance.now() - start);
    }
  }
  const median = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)];
  return [median(times[0]), median(times[1])];
}

/** Runs the benchmark with `files` files per layer (3 layers); prints and returns the figures. */
export async function runRegistryBench(files = 4000, log: (line: string) => void = console.log): Promise<RegistryBenchResult> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'strata-registry-bench-'));
  const pool = new IndexPool();
  const registry = await startRegistry({ storage: path.join(work, 'storage'), port: await freePort() }, work);
  try {
    let run = 0;
    const list = async (open: () => Promise<ImageStore>) => {
      const store = await open();
      const engine = { pool, cache: new IndexCache(path.join(work, `cache-${run++}`)) };
      // As the app and the CLI open an image: a registry store requests the first layers while it reads the config.
      const image = await store.openImage({ prefetch: prefetchPlan(engine) });
      const analyzed = await analyzeImage(image, store, engine);
      if (analyzed.layersFromCache !== 0) throw new Error('benchmark run hit the cache');
      await store.close();
    };
    /** Pushes an image of `count` layers, then lists it from the registry and from its layout, alternately. */
    const compare = async (count: number, repository: string) => {
      const layers: Buffer[] = [];
      for (let i = 0; i < count; i++) layers.push(await makeLayerTar(entries(files, `${repository}-${i}`)));
      const layout = path.join(work, repository);
      const written = await writeOciLayout(layout, 'v1', [{ platform: 'linux/amd64', layers }]);
      await pushLayout(layout, 'v1', registry.host, `bench/${repository}`);
      const fromRegistry = () =>
        Promise.resolve(new RegistryStore(new RegistryClient(registry.host), parseImageReference(`${registry.host}/bench/${repository}:v1`)));
      for (let i = 0; i < WARM_UP; i++) {
        await list(fromRegistry);
        await list(() => openLocalStore(layout));
      }
      const [registryMs, layoutMs] = await alternateMedians(
        () => list(fromRegistry),
        () => list(() => openLocalStore(layout)),
      );
      return { registryMs, layoutMs, ratio: registryMs / layoutMs, blobBytes: written.images[0].layers.reduce((s, l) => s + l.size, 0) };
    };
    const { registryMs, layoutMs, ratio, blobBytes } = await compare(3, 'app');
    log(`registry listing: ${3 * files} files, ${(blobBytes / 1e6).toFixed(1)} MB of gzip layers`);
    log(`  loopback registry ${registryMs.toFixed(0)} ms, OCI layout on disk ${layoutMs.toFixed(0)} ms, ratio ${ratio.toFixed(2)}× (target ≤ 1.2×)`);
    const ten = await compare(10, 'ten');
    log(
      `  10 layers (${(ten.blobBytes / 1e6).toFixed(1)} MB): registry ${ten.registryMs.toFixed(0)} ms, layout ${ten.layoutMs.toFixed(0)} ms, ratio ${ten.ratio.toFixed(2)}× (target ≤ 1.2×)`,
    );

    const estargz = await makeEstargzLayer(entries(files, 'lazy'));
    const lazyLayout = path.join(work, 'lazy');
    await writeOciLayout(lazyLayout, 'v1', [
      { platform: 'linux/amd64', layers: [estargz.tar], blobs: [{ bytes: estargz.blob, mediaType: estargz.mediaType, annotations: estargz.annotations }] },
    ]);
    await pushLayout(lazyLayout, 'v1', registry.host, 'bench/lazy');
    const lazyImage = await new RegistryStore(new RegistryClient(registry.host), parseImageReference(`${registry.host}/bench/lazy:v1`)).openImage();
    const index = await lazyImage.layers[0].lazyIndex?.();
    if (!index?.lazy) throw new Error('the eStargz layer was not listed lazily');
    const fraction = index.lazy.bytesFetched / estargz.blob.length;
    log(`  eStargz lazy listing: ${index.entries.length} entries, fetched ${index.lazy.bytesFetched} of ${estargz.blob.length} bytes = ${(fraction * 100).toFixed(2)} % (target < 5 %)`);
    return {
      files: 3 * files,
      blobBytes,
      registryMs,
      layoutMs,
      ratio,
      tenLayerRatio: ten.ratio,
      estargzBlobBytes: estargz.blob.length,
      estargzFetchedBytes: index.lazy.bytesFetched,
      estargzFraction: fraction,
    };
  } finally {
    await registry.stop();
    await pool.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runRegistryBench(Number(process.argv[2]) || 4000).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
