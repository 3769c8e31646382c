// `npm run bench`: every benchmark in one run, each against its reference tool measured in the same run
// (bsdtar, gzip -dc, zstd -dc, xz -dc, sha256sum, Python's tarfile, an OCI layout on disk), printing
// medians and ratios. Pick parts with `npm run bench -- index stores` (default: all of them).

// Each part loads its module when it runs: a bigger heap in the measuring process (playwright, the registry
// client, fixtures) made the single-layer xz listing, measured on this thread, 25 % slower (9.2 s against
// 7.3 s), and the app indexes in worker threads that load none of that.
const PARTS: Readonly<Record<string, () => Promise<void>>> = {
  index: async () => {
    const { runLayerIndexBench } = await import('./layer-index-bench.js');
    await runLayerIndexBench({ log: console.log });
  },
  stores: async () => {
    const { runStoreOpenBench } = await import('./store-open-bench.js');
    await runStoreOpenBench({ log: console.log });
  },
  registry: async () => {
    const { runRegistryBench } = await import('./registry-bench.js');
    await runRegistryBench(4000, console.log);
  },
  bloat: async () => {
    const { formatBloatBench, runBloatBench } = await import('./bloat-bench.js');
    console.log(formatBloatBench(await runBloatBench()));
  },
  ui: async () => {
    const { formatUiBench, runUiBench } = await import('./ui-bench.js');
    console.log(formatUiBench(await runUiBench()));
  },
};

async function main(names: readonly string[]): Promise<number> {
  const unknown = names.filter((n) => !(n in PARTS));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(PARTS).join(', ')}.`);
    return 2;
  }
  for (const name of names.length > 0 ? names : Object.keys(PARTS)) {
    console.log(`\n=== ${name} ===`);
    await PARTS[name]();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
