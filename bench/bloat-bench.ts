// Bloat benchmark (not a test): the analysis on a synthetic image of 1M entries (10 layers × 100k, with
// rewrites, deleted directories, an opaque directory, hard links and duplicates), as the service runs it
// once the layer indexes are in hand. Measures:
//   first open     analyzeBloat + storing the report (median of 3)   target < 2000 ms
//   cached reopen  the stored report read back (median of 3)         target <  200 ms
//   longest step   the longest the analysis, run a step per event-loop turn as the service runs it, stops the loop
// and prints both against diffLayers on the same input (which every open runs anyway) and against a
// 1M-key Map fill, to show how loaded the machine was. Run alone: `node --import tsx bench/bloat-bench.ts [ENTRIES]`.
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ImageDescriptor, LayerEntry, LayerIndex } from '../shared/model';
import { analyzeBloatInSteps } from '../main/bloat/analyze-bloat';
import { BloatCache } from '../main/bloat/bloat-cache';
import { decodeLayerIndex, encodeLayerIndex } from '../main/cache/index-codec';
import { diffLayers } from '../main/layers/layer-diff';
import { runInTurns } from '../main/services/run-in-turns';

/** One measured number against its target (0: no target). */
export interface BloatMeasure {
  readonly name: string;
  readonly ms: number;
  readonly targetMs: number;
}

/** What `runBloatBench` measured. */
export interface BloatBenchResult {
  readonly entries: number;
  readonly measures: readonly BloatMeasure[];
  readonly wastedBytes: number;
  readonly diveEfficiency: number;
}

const LAYERS = 10;

/** The synthetic image: layer l writes packages under /usr/lib/l<l>, rewrites 5% of the layer below, deletes some of its directories. */
export function syntheticImage(entries: number): { image: ImageDescriptor; indexes: LayerIndex[] } {
  const per = Math.floor(entries / LAYERS);
  const indexes: LayerIndex[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const list: LayerEntry[] = [];
    const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, linkname: '' };
    for (let i = 0; i < per; i++) {
      const from = l > 0 && i % 20 === 0 ? l - 1 : l;
      const dir = `/usr/lib/l${from}/pkg${Math.floor(i / 100)}`;
      if (i % 100 === 0) list.push({ ...base, path: dir, type: 'dir', size: 0, mode: 0o755, digest: '' });
      const file = `${dir}/file${i % 100}.so`;
      if (i % 250 === 7) list.push({ ...base, path: file, type: 'hardlink', size: 0, linkname: `${dir}/file${(i % 100) - 1}.so`, digest: '' });
      else list.push({ ...base, path: file, type: 'file', size: 1000 + (i % 977), digest: `sha256:${((i % 5000) * 7919 + l).toString(16).padStart(64, '0')}` });
    }
    const built: LayerIndex = {
      diffId: `sha256:${String(l).repeat(64).slice(0, 64)}`,
      compression: 'gzip',
      compressedSize: per * 400,
      uncompressedSize: per * 2048,
      entries: list,
      whiteouts: l > 0 ? Array.from({ length: 20 }, (_, k) => `/usr/lib/l${l - 1}/pkg${k * 7 + 3}`) : [],
      opaqueDirs: l === LAYERS - 1 ? [`/usr/lib/l${l - 1}/pkg1`] : [],
      warnings: [],
    };
    // The service holds indexes decoded from the index cache (or the pool's transfer), not built strings.
    const decoded = decodeLayerIndex(encodeLayerIndex(built));
    if (!decoded) throw new Error('index codec round trip failed');
    indexes.push(decoded);
  }
  const step = (i: number) => ({ createdBy: `/bin/sh -c make install-${i}`, created: '', comment: '', emptyLayer: false });
  const image: ImageDescriptor = {
    name: 'synthetic', id: '', platform: 'linux/amd64', created: '', runtimeConfig: '', emptyStepsAfter: [],
    layers: indexes.map((index, i) => ({ index: i, digest: '', diffId: index.diffId, mediaType: '', size: index.compressedSize, step: step(i), emptyStepsBefore: [] })),
  };
  return { image, indexes };
}

const RUNS = 3;

function median(times: readonly number[]): number {
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const value = run();
  return [value, performance.now() - start];
}

/** Runs the benchmark on `entries` entries. */
export async function runBloatBench(entries = 1_000_000): Promise<BloatBenchResult> {
  const { image, indexes } = syntheticImage(entries);
  const keys = indexes.flatMap((index) => index.entries.map((e) => `${e.path}#`));
  const [, mapMs] = timed(() => new Map(keys.map((k) => [k, 1])));
  const [diffs, diffMs] = timed(() => diffLayers(indexes));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-bloat-bench-'));
  try {
    // Median of three first opens (each into an empty cache folder) and of three reopens.
    const firstTimes: number[] = [];
    const reopenTimes: number[] = [];
    let first: Awaited<ReturnType<BloatCache['report']>> | null = null;
    // As the service runs it: a step per event-loop turn; the longest step is the longest the main process stops.
    const longest = { ms: 0 };
    const analyze = () => runInTurns(timedSteps(analyzeBloatInSteps(image, indexes, diffs), longest));
    for (let run = 0; run < RUNS; run++) {
      const cache = new BloatCache(path.join(dir, String(run)));
      let start = performance.now();
      first = await cache.report(image, indexes, analyze);
      firstTimes.push(performance.now() - start);
      start = performance.now();
      const again = await cache.report(image, indexes, analyze);
      reopenTimes.push(performance.now() - start);
      if (first.fromCache || !again.fromCache) throw new Error('the cache did not behave: first open must analyse, the reopen must hit');
    }
    const firstMs = median(firstTimes);
    const reopenMs = median(reopenTimes);
    if (!first) throw new Error('no run');
    return {
      entries: indexes.reduce((n, index) => n + index.entries.length, 0),
      measures: [
        { name: 'first open (analysis + store)', ms: firstMs, targetMs: 2000 },
        { name: 'cached reopen', ms: reopenMs, targetMs: 200 },
        { name: 'longest step of the analysis (main loop blocked)', ms: longest.ms, targetMs: 0 },
        { name: 'reference: diffLayers', ms: diffMs, targetMs: 0 },
        { name: 'reference: 1M-key Map fill', ms: mapMs * (1_000_000 / keys.length), targetMs: 0 },
      ],
      wastedBytes: first.report.totals.wastedBytes,
      diveEfficiency: first.report.dive.efficiency,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Passes `steps` through, keeping in `longest` the longest time one step took. */
function* timedSteps<T>(steps: Generator<void, T>, longest: { ms: number }): Generator<void, T> {
  for (;;) {
    const start = performance.now();
    const step = steps.next();
    longest.ms = Math.max(longest.ms, performance.now() - start);
    if (step.done) return step.value;
    yield;
  }
}

/** Formats the result as the lines the bench runner prints. */
export function formatBloatBench(result: BloatBenchResult): string {
  const diff = result.measures.find((m) => m.name === 'reference: diffLayers')?.ms ?? 1;
  const lines = [`bloat analysis on ${result.entries} entries (wasted ${result.wastedBytes} bytes, dive efficiency ${result.diveEfficiency.toFixed(4)})`];
  for (const m of result.measures) {
    const verdict = m.targetMs ? (m.ms <= m.targetMs ? `  ok (target < ${m.targetMs} ms)` : `  OVER target ${m.targetMs} ms`) : '';
    lines.push(`  ${m.name.padEnd(30)} ${m.ms.toFixed(0).padStart(7)} ms  ${(m.ms / diff).toFixed(2)}× diffLayers${verdict}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  void runBloatBench(Number(process.argv[2]) || 1_000_000).then((r) => console.log(formatBloatBench(r)));
}
