// `npm run bench`: every benchmark in one run, each against its reference tool measured in the same run
// (bsdtar, gzip -dc, zstd -dc, xz -dc, sha256sum, Python's tarfile, an OCI layout on disk), printing
// medians and ratios. Pick parts with `npm run bench -- index stores` (default: all of them).
import { formatBloatBench, runBloatBench } from './bloat-bench';
import { runLayerIndexBench } from './layer-index-bench';
import { runRegistryBench } from './registry-bench';
import { runStoreOpenBench } from './store-open-bench';
import { formatUiBench, runUiBench } from './ui-bench';

const PARTS: Readonly<Record<string, () => Promise<void>>> = {
  index: async () => {
    await runLayerIndexBench({ log: console.log });
  },
  stores: async () => {
    await runStoreOpenBench({ log: console.log });
  },
  registry: async () => {
    await runRegistryBench(4000, console.log);
  },
  bloat: async () => console.log(formatBloatBench(await runBloatBench())),
  ui: async () => console.log(formatUiBench(await runUiBench())),
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
