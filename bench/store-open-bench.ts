// Store opening benchmark (not a test): sniffing a source and opening its image (member table, manifests,
// configs, layer descriptors) against libarchive's `bsdtar -tf` listing the same file, median of N runs.
// Inputs are generated once and cached under $STRATA_BENCH_DIR (default /tmp/strata-bench).
// Run alone: `node --import tsx bench/store-open-bench.ts`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { openLocalStore } from '../main/stores/detect';
import { writeDockerOciArchive, writeLegacyDockerArchive, writeTarArchive, type FixtureImage } from '../main/test-support/image-fixtures';
import { file, makeLayerTar } from '../main/test-support/layer-tar';

/** One comparison row: our median time, the reference's, and their ratio. */
export interface StoreOpenBenchRow {
  readonly name: string;
  readonly oursMs: number;
  readonly referenceMs: number;
  readonly ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeIt(runs: number, action: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await action();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/** Incompressible layers, so gzip blobs stay as big as plain ones and hashing them costs what it would. */
async function image(layers: number, bytesPerLayer: number, compression: FixtureImage['compression']): Promise<FixtureImage> {
  const tars = await Promise.all(
    Array.from({ length: layers }, (_, i) => makeLayerTar([file(`data/layer-${i}/blob.bin`, randomBytes(bytesPerLayer))])),
  );
  return { layers: tars, compression, tags: [`bench/image:${layers}`] };
}

async function inputs(dir: string): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const docker25 = path.join(dir, 'store-docker25-60x4MiB.tar');
  const legacyGz = path.join(dir, 'store-legacy-gzip-60x4MiB.tar');
  const layer = path.join(dir, 'store-layer-100k-entries.tar');
  if (!existsSync(docker25)) await writeDockerOciArchive(docker25, [await image(60, 4 << 20, 'none')]);
  if (!existsSync(legacyGz)) await writeLegacyDockerArchive(legacyGz, [await image(60, 4 << 20, 'gzip')]);
  if (!existsSync(layer)) {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ name: `usr/share/d${Math.floor(i / 1000)}/f${i}`, data: 'x'.repeat(i % 700) }));
    await writeTarArchive(layer, entries);
  }
  return { docker25, legacyGz, layer };
}

/** Runs the comparisons and prints one line per row. */
export async function runStoreOpenBench(options: { dir?: string; runs?: number; log?: (line: string) => void } = {}): Promise<StoreOpenBenchRow[]> {
  const dir = options.dir ?? process.env.STRATA_BENCH_DIR ?? '/tmp/strata-bench';
  const runs = options.runs ?? 5;
  const log = options.log ?? console.log;
  const files = await inputs(dir);
  const cases: [string, string][] = [
    ['docker save (Docker 25), 60 plain 4 MiB layers: open image', files.docker25],
    ['legacy docker save, 60 gzip 4 MiB layers (hashed): open image', files.legacyGz],
    ['plain layer, 100k entries: sniff as a loose layer', files.layer],
  ];
  const rows: StoreOpenBenchRow[] = [];
  const openOnce = async (p: string) => {
    const store = await openLocalStore(p);
    if (store.kind !== 'layer-tarballs') await store.openImage();
    await store.close();
  };
  const referenceMs = async (p: string) => timeIt(runs, () => spawnSync('bsdtar', ['-tf', p], { stdio: 'ignore' }));
  for (const [name, p] of cases) {
    // The first open of a file hashes layers that carry no digest; later opens in the process reuse it.
    const first = await timeIt(1, () => openOnce(p));
    const again = await timeIt(runs, () => openOnce(p));
    const reference = await referenceMs(p);
    for (const [label, oursMs] of [['first open', first], ['reopen', again]] as const) {
      const row = { name: `${name}, ${label}`, oursMs, referenceMs: reference, ratio: oursMs / reference };
      rows.push(row);
      log(`${row.name}: ours ${oursMs.toFixed(1)} ms, bsdtar -tf ${reference.toFixed(1)} ms, ratio ${row.ratio.toFixed(2)}`);
    }
    if (p === files.legacyGz) {
      // Hashing every byte is the floor for a first open of layers without digests: compare with sha256sum.
      const sum = await timeIt(runs, () => spawnSync('sha256sum', [p], { stdio: 'ignore' }));
      rows.push({ name: `${name}, first open vs sha256sum`, oursMs: first, referenceMs: sum, ratio: first / sum });
      log(`${name}, first open: ours ${first.toFixed(1)} ms, sha256sum ${sum.toFixed(1)} ms, ratio ${(first / sum).toFixed(2)}`);
    }
  }
  return rows;
}

if (require.main === module) {
  runStoreOpenBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
