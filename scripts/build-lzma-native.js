#!/usr/bin/env node
// postinstall: rebuilds lzma-native from its bundled sources with an optimised liblzma.
// Why: lzma-native's liblzma-config.sh sets CFLAGS="-fPIC $CFLAGS", which replaces configure's default
// -O2, so the liblzma inside its prebuilt binaries is compiled without optimisation (the bench layer's xz
// decode: 13.3 s of CPU, against 8.8 s for the same sources built with -O2). node-gyp-build loads
// build/Release before the prebuilds, so a successful build here wins. Without a C toolchain or Node
// headers the prebuilt binary stays in use, with a notice; the install never fails because of this.
// STRATA_LZMA_PREBUILT=1 skips the build.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const TIMEOUT_MS = 10 * 60 * 1000;

function main() {
  if (process.env.STRATA_LZMA_PREBUILT === '1') return;
  let dir;
  try {
    dir = path.dirname(require.resolve('lzma-native/package.json'));
  } catch {
    return; // not installed (an install that omits it)
  }
  const release = path.join(dir, 'build', 'Release');
  // npm runs lifecycle scripts with its own node-gyp; run by hand, the one installed with the dev tools.
  const gyp = process.env.npm_config_node_gyp ?? resolveOrNull('node-gyp/bin/node-gyp.js');
  const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
  const env = { ...process.env, CFLAGS: `${process.env.CFLAGS ?? ''} -O2`.trim() };
  const started = Date.now();
  const run = spawnSync(command, args, { cwd: dir, env, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const built = run.status === 0 && fs.existsSync(path.join(release, 'lzma_native.node')) && loads(dir);
  if (built) {
    console.log(`strata: lzma-native rebuilt with an optimised liblzma in ${Math.round((Date.now() - started) / 1000)} s`);
    return;
  }
  fs.rmSync(release, { recursive: true, force: true });
  const reason = run.error ? run.error.message : `node-gyp exited with ${run.status}: ${lastLine(run.stderr)}`;
  console.warn(`strata: keeping lzma-native's prebuilt binary (its liblzma is unoptimised: xz layers decode about 1.5x slower) because the source build failed: ${reason}`);
}

/** True when the freshly built binding loads and round-trips a small buffer, checked in a separate process. */
function loads(dir) {
  const check = `
    const lzma = require(${JSON.stringify(dir)});
    const data = Buffer.from('strata '.repeat(100));
    (async () => {
      const back = await lzma.decompress(await lzma.compress(data, { preset: 1 }));
      process.exit(back.equals(data) ? 0 : 1);
    })().catch(() => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', check], { timeout: 60_000 }).status === 0;
}

function resolveOrNull(id) {
  try {
    return require.resolve(id);
  } catch {
    return null;
  }
}

function lastLine(text) {
  const lines = String(text ?? '').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

main();
