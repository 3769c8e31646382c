// Layer index benchmark (not a test): our indexer against libarchive's bsdtar, xz and Python's tarfile, run in the
// same process on the same generated files, ours and the reference run alternately, printing median-of-N times and ratios with the targets.
// Inputs are generated once and cached under $STRATA_BENCH_DIR (default /tmp/strata-bench).
// Run alone: `node --import tsx bench/layer-index-bench.ts`.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tarStream from 'tar-stream';
import type { LayerDescriptor } from '../shared/model';
import { IndexCache } from '../main/cache/index-cache';
import { IndexPool, indexLayerCached } from '../main/layers/index-pool';
import { indexLayerFile } from '../main/layers/layer-indexer';
import type { Layer } from '../main/stores/types';

/** Options of `runLayerIndexBench`. */
export interface LayerIndexBenchOptions {
  /** Where generated inputs are cached (default `$STRATA_BENCH_DIR` or `/tmp/strata-bench`). */
  readonly dir?: string;
  /** Runs per measurement; the median is reported (default 3). */
  readonly runs?: number;
  readonly log?: (line: string) => void;
  /** Parts to run (default all): single-layer ratios, the 10-layer image (pool and cache), peak RSS. */
  readonly parts?: readonly ('layer' | 'image' | 'rss')[];
}

/** One comparison: our time against a reference time, with the target ratio (0 when none). */
export interface LayerIndexBenchRow {
  readonly name: string;
  readonly oursMs: number;
  readonly referenceMs: number;
  readonly ratio: number;
  readonly target: number;
}

/** What `runLayerIndexBench` measured. */
export interface LayerIndexBenchResult {
  readonly rows: readonly LayerIndexBenchRow[];
  /** Peak RSS of indexing a 1M-entry layer set, in MB (target < 600). */
  readonly peakRssMb: number;
}

const MB = 1024 * 1024;

/** A deterministic xorshift generator, so the generated layers are comparable between runs. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** 4 MiB of word-like text that files slice from (compresses about as well as source and docs). */
function textCorpus(): Buffer {
  const rand = rng(7);
  const words = Array.from({ length: 4000 }, () => {
    const len = 2 + Math.floor(rand() * 9);
    let w = '';
    for (let i = 0; i < len; i++) w += String.fromCharCode(97 + Math.floor(rand() * 26));
    return w;
  });
  const parts: string[] = [];
  let size = 0;
  while (size < 4 * MB) {
    const line = Array.from({ length: 4 + Math.floor(rand() * 10) }, () => words[Math.floor(rand() ** 2 * words.length)]).join(' ') + '\n';
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join(''));
}

interface LayerSpec {
  readonly smallFiles: number;
  readonly maxSmall: number;
  readonly largeFiles: number;
  readonly largeSize: number;
  readonly seed: number;
}

/** Writes a layer tar: directories, many small text files, a few large random ones, some symlinks. */
async function writeLayer(file: string, spec: LayerSpec, corpus: Buffer): Promise<void> {
  const pack = tarStream.pack();
  const out = pipeline(pack, fs.createWriteStream(file));
  const rand = rng(spec.seed);
  const add = (header: Partial<tarStream.Header> & { name: string }, body: Buffer = Buffer.alloc(0)) =>
    new Promise<void>((resolve, reject) => pack.entry(header, body, (e?: Error | null) => (e ? reject(e) : resolve())));
  const mtime = new Date(1_700_000_000_000);
  for (let i = 0; i < spec.smallFiles; i++) {
    const dirName = `usr/share/pkg-${spec.seed}-${Math.floor(i / 100)}`;
    if (i % 100 === 0) await add({ name: dirName, type: 'directory', mode: 0o755, mtime });
    if (i % 50 === 49) {
      await add({ name: `${dirName}/link-${i}`, type: 'symlink', linkname: `file-${i - 1}.txt`, mtime });
      continue;
    }
    const len = Math.floor(rand() * spec.maxSmall);
    const at = Math.floor(rand() * (corpus.length - len));
    await add({ name: `${dirName}/file-${i}.txt`, mode: 0o644, mtime }, corpus.subarray(at, at + len));
  }
  for (let i = 0; i < spec.largeFiles; i++) {
    await add({ name: `opt/blobs-${spec.seed}/large-${i}.bin`, mode: 0o644, mtime }, randomBytes(spec.largeSize));
  }
  pack.finalize();
  await out;
}

function compress(file: string, tool: 'gzip' | 'zstd' | 'xz'): string {
  const ext = { gzip: '.gz', zstd: '.zst', xz: '.xz' }[tool];
  const target = file + ext;
  if (fs.existsSync(target)) return target;
  const args = { gzip: ['-c', file], zstd: ['-q', '-T2', '-c', file], xz: ['-T2', '-1', '-c', file] }[tool];
  const fd = fs.openSync(target + '.tmp', 'w');
  try {
    execFileSync(tool, args, { stdio: ['ignore', fd, 'inherit'] });
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(target + '.tmp', target);
  return target;
}

async function ensureLayer(file: string, spec: LayerSpec, corpus: () => Buffer): Promise<void> {
  if (fs.existsSync(file)) return;
  await writeLayer(file + '.tmp', spec, corpus());
  fs.renameSync(file + '.tmp', file);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median times of `ours` and `reference`, run alternately so that load drifting on a shared machine hits both alike. */
async function timePair(runs: number, ours: () => unknown, reference: () => unknown): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timeMs(1, ours));
    b.push(await timeMs(1, reference));
  }
  return [median(a), median(b)];
}

async function timeMs(runs: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
}

function fileLayer(file: string, index = 0): Layer {
  const size = fs.statSync(file).size;
  const descriptor: LayerDescriptor = {
    index,
    digest: '',
    diffId: '',
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    size,
    step: { createdBy: '', created: '', comment: '', emptyLayer: false },
    emptyStepsBefore: [],
  };
  return { descriptor, name: file, file: { path: file, offset: 0, length: size }, open: async () => fs.createReadStream(file) };
}

/** Which lzma-native binary loads: node-gyp-build prefers build/Release (scripts/build-lzma-native.js) to the prebuilds. */
function lzmaNativeBinary(): string {
  const dir = path.dirname(require.resolve('lzma-native/package.json'));
  return fs.existsSync(path.join(dir, 'build', 'Release', 'lzma_native.node')) ? 'built from source with -O2' : 'prebuilt (liblzma unoptimised)';
}

const PY_LIST = 'import sys, tarfile\nwith tarfile.open(sys.argv[1]) as t:\n  for m in t: pass';

/** Runs the layer index benchmark and prints a table of ratios. */
export async function runLayerIndexBench(options: LayerIndexBenchOptions = {}): Promise<LayerIndexBenchResult> {
  const dir = options.dir ?? process.env.STRATA_BENCH_DIR ?? path.join(os.tmpdir(), 'strata-bench');
  const runs = options.runs ?? 3;
  const log = options.log ?? ((line: string) => console.log(line));
  fs.mkdirSync(dir, { recursive: true });
  let corpusCache: Buffer | null = null;
  const corpus = () => (corpusCache ??= textCorpus());

  const parts = new Set(options.parts ?? ['layer', 'image', 'rss']);
  log(`layer index bench: inputs in ${dir} (generated once), median of ${runs}`);
  const rows: LayerIndexBenchRow[] = [];
  const row = (name: string, oursMs: number, referenceMs: number, target: number) => {
    const r = { name, oursMs, referenceMs, ratio: oursMs / referenceMs, target };
    rows.push(r);
    const verdict = target ? (r.ratio <= target ? `ok (target ≤ ${target})` : `MISSED (target ≤ ${target})`) : '';
    log(`  ${name.padEnd(46)} ours ${oursMs.toFixed(0).padStart(6)} ms  ref ${referenceMs.toFixed(0).padStart(6)} ms  ratio ${r.ratio.toFixed(2)}  ${verdict}`);
  };
  const ours = (file: string, headersOnly = false, threadedDecompression = true) => () =>
    indexLayerFile({ path: file, offset: 0, length: fs.statSync(file).size }, { name: file, headersOnly, threadedDecompression });
  if (parts.has('layer')) await singleLayer();
  if (parts.has('image')) await image();
  const peakRssMb = parts.has('rss') ? await peakRss() : NaN;
  return { rows, peakRssMb };

  async function singleLayer(): Promise<void> {
    const big = path.join(dir, 'big-layer.tar');
    await ensureLayer(big, { smallFiles: 100_000, maxSmall: 8192, largeFiles: 60, largeSize: 10 * MB, seed: 1 }, corpus);
    const gz = compress(big, 'gzip');
    const zst = compress(big, 'zstd');
    const xz = compress(big, 'xz');
    log(`  big layer: ${(fs.statSync(big).size / MB).toFixed(0)} MB tar, ${(fs.statSync(gz).size / MB).toFixed(0)} MB gz, ${(fs.statSync(zst).size / MB).toFixed(0)} MB zst, ${(fs.statSync(xz).size / MB).toFixed(0)} MB xz`);

    row('gzip, with sha256 vs bsdtar -tvf', ...(await timePair(runs, ours(gz), () => run('bsdtar', ['-tvf', gz]))), 1.3);
    row('zstd, with sha256 vs bsdtar -tvf', ...(await timePair(runs, ours(zst), () => run('bsdtar', ['-tvf', zst]))), 1.3);
    log(`  lzma-native binary: ${lzmaNativeBinary()}`);
    row('xz, with sha256 vs xz -dc', ...(await timePair(runs, ours(xz), () => run('xz', ['-dc', xz]))), 1.3);
    row('plain tar, headers only vs bsdtar -tvf', ...(await timePair(runs, ours(big, true), () => run('bsdtar', ['-tvf', big]))), 1.0);
    row('plain tar, with sha256 vs bsdtar -tvf', ...(await timePair(runs, ours(big), () => run('bsdtar', ['-tvf', big]))), 0);
    row('gzip, with sha256 vs Python tarfile (seed)', ...(await timePair(runs, ours(gz), () => run('python3', ['-c', PY_LIST, gz]))), 0);
    row('plain, headers only vs Python tarfile (seed)', ...(await timePair(runs, ours(big, true), () => run('python3', ['-c', PY_LIST, big]))), 0);

  }

  async function image(): Promise<void> {
    // A 10-layer image of ~100 MB layers (gzip): the pool's wall time against the sum of single-thread times (each layer
    // indexed alone with decompression on the same thread).
    const layers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const file = path.join(dir, `image-layer-${i}.tar`);
      await ensureLayer(file, { smallFiles: 10_000, maxSmall: 8192, largeFiles: 6, largeSize: 10 * MB, seed: 100 + i }, corpus);
      layers.push(compress(file, 'gzip'));
  }
  const single = await timeMs(runs, async () => {
    for (const file of layers) await ours(file, false, false)();
  });
  const pool = new IndexPool();
  try {
    const pooled = await timeMs(runs, () => Promise.all(layers.map((file, i) => pool.index(fileLayer(file, i)))));
    row(`10 layers: pool (${os.availableParallelism()} cores) vs sum of single`, pooled, single, 0.65);
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-cache-'));
    try {
      const cache = new IndexCache(cacheDir);
      const withDigest = layers.map((file, i) => {
        const layer = fileLayer(file, i);
        const digest = 'sha256:' + execFileSync('sha256sum', [file], { encoding: 'utf8' }).slice(0, 64);
        return { ...layer, descriptor: { ...layer.descriptor, digest } };
      });
      const open = () => Promise.all(withDigest.map((layer) => indexLayerCached(layer, { pool, cache })));
      const first = await timeMs(1, open);
      const again = await timeMs(runs, open);
      row('10 layers: reopen from cache vs first open', again, first, 0.05);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  } finally {
    await pool.close();
  }

  }

  async function peakRss(): Promise<number> {
    // Peak RSS of indexing a 1M-entry layer set, in a child process so nothing else counts.
    const rssLayers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, `million-${i}.tar`);
      await ensureLayer(file, { smallFiles: 250_000, maxSmall: 64, largeFiles: 0, largeSize: 0, seed: 200 + i }, corpus);
      rssLayers.push(compress(file, 'gzip'));
  }
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--rss-child', ...rssLayers], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const peak = /peak-rss-mb (\d+(?:\.\d+)?) entries (\d+)/.exec(child.stdout ?? '');
  const peakRssMb = peak ? Number(peak[1]) : NaN;
  log(`  peak RSS indexing ${peak?.[2] ?? '?'} entries (4 gzip layers, pool): ${peakRssMb.toFixed(0)} MB (target < 600 MB)`);
  return peakRssMb;
  }
}

async function rssChild(files: string[]): Promise<void> {
  const pool = new IndexPool();
  try {
    const indexes = await Promise.all(files.map((file, i) => pool.index(fileLayer(file, i))));
    const entries = indexes.reduce((n, ix) => n + ix.entries.length, 0);
    console.log(`peak-rss-mb ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} entries ${entries}`);
  } finally {
    await pool.close();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  // Flags: --runs N, --parts layer,image,rss
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const parts = flag('--parts')?.split(',') as LayerIndexBenchOptions['parts'];
  const runs = flag('--runs') ? Number(flag('--runs')) : undefined;
  const main = args[0] === '--rss-child' ? rssChild(args.slice(1)) : runLayerIndexBench({ parts, runs }).then(() => undefined);
  main.catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
