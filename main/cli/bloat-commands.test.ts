// `strata analyze` (plain, --json, --markdown) and `strata report -o` on a `docker save` archive built in
// code, with every figure computed by hand: an overwrite, a deleted directory, a chmod-only rewrite and a
// hard-linked file losing one name. It is the worked example of main/bloat/README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BloatReport } from '../../shared/bloat';
import { writeDockerOciArchive } from '../test-support/image-fixtures';
import { dir, file, makeLayerTar, whiteout } from '../test-support/layer-tar';
import { runCli } from '../test-support/cli-run';

/**
 * Layer 0 writes /app/big.bin (1000 B), /app/keep.txt (10 B), /tmp/cache/{x,y} (300 + 200 B) and
 * /lib/libfoo.so (50 B) hard-linked as /lib/libfoo.so.1; layer 1 overwrites big.bin (400 B), deletes
 * /tmp/cache and /lib/libfoo.so and adds /bin/tool (64 B); layer 2 only chmods the tool.
 * Ours: 1000 + 300 + 200 + 64 = 1564 B wasted in 4 copies (libfoo's bytes live on as libfoo.so.1), of
 * 1560 + 464 + 64 = 2088 B of content.
 * dive: big.bin 1000 + 400, tool 64 + 64, libfoo.so 50 + 0 are the paths seen twice → 1578 B; the whiteout
 * of /tmp/cache counts the 500 B below it once; efficiency = Σ smallest / Σ all =
 * (400 + 10 + 300 + 200 + 500 + 64 + 0 + 0) / (1400 + 10 + 300 + 200 + 500 + 128 + 50 + 0).
 */
async function writeFixture(dest: string): Promise<string> {
  const layers = await Promise.all([
    makeLayerTar([dir('app/'), file('app/big.bin', 'a'.repeat(1000)), file('app/keep.txt', 'k'.repeat(10)), dir('tmp/'), dir('tmp/cache/'), file('tmp/cache/x', 'x'.repeat(300)), file('tmp/cache/y', 'y'.repeat(200)), dir('lib/'), file('lib/libfoo.so', 'f'.repeat(50)), { name: 'lib/libfoo.so.1', type: 'link', linkname: 'lib/libfoo.so' }]),
    makeLayerTar([dir('app/'), file('app/big.bin', 'b'.repeat(400)), whiteout('/tmp/cache'), whiteout('/lib/libfoo.so'), dir('bin/'), file('bin/tool', 't'.repeat(64))]),
    makeLayerTar([file('bin/tool', 't'.repeat(64), { mode: 0o755 })]),
  ]);
  const history = [{ createdBy: 'COPY app/ /app/ # buildkit' }, { createdBy: 'RUN /bin/sh -c make && rm -rf /tmp/cache /lib/libfoo.so # buildkit' }, { createdBy: 'RUN /bin/sh -c chmod +x /bin/tool # buildkit' }];
  await writeDockerOciArchive(dest, [{ layers, history, compression: 'gzip', tags: ['bloat/fixture:1'] }]);
  return dest;
}

const EFFICIENCY = 1474 / 2588;

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-bloat-cli-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  return { tmp, cache: path.join(tmp, 'cache'), image: await writeFixture(path.join(tmp, 'fixture.tar')) };
}

test('strata analyze --json: our wasted copies and dive’s figures, by hand', async (t) => {
  const { tmp, cache, image } = await setup(t);
  const run = await runCli(['analyze', image, '--json'], tmp, cache);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as BloatReport;
  assert.equal(r.image.name, 'bloat/fixture:1');
  assert.deepEqual([r.totals.wastedBytes, r.totals.wastedItems, r.totals.contentBytes, r.totals.visibleBytes, r.totals.metadataOnlyBytes], [1564, 4, 2088, 524, 64]);
  assert.deepEqual(
    r.wasted.map((w) => [w.path, w.size, w.cause, w.via, w.written.layer, w.lost.layer, w.metadataOnly]),
    [
      ['/app/big.bin', 1000, 'overwritten', '', 0, 1, false],
      ['/tmp/cache/x', 300, 'deleted', '/tmp/cache', 0, 1, false],
      ['/tmp/cache/y', 200, 'deleted', '/tmp/cache', 0, 1, false],
      ['/bin/tool', 64, 'overwritten', '', 1, 2, true],
    ],
  );
  assert.deepEqual(r.wasted[1].lost, { layer: 1, step: 'RUN make && rm -rf /tmp/cache /lib/libfoo.so' });
  assert.deepEqual(r.layers.map((l) => [l.contentBytes, l.wastedBytes, l.discardedBytes]), [[1560, 1500, 0], [464, 64, 1500], [64, 0, 64]]);
  assert.deepEqual([r.dive.wastedBytes, r.dive.sizeBytes, r.dive.userSizeBytes], [1578, 2088, 528]);
  assert.equal(r.dive.efficiency, EFFICIENCY);
  assert.equal(r.dive.userWastedPercent, 1578 / 528);
  assert.deepEqual(r.dive.inefficiencies, [{ path: '/app/big.bin', count: 2, cumulativeSize: 1400 }, { path: '/bin/tool', count: 2, cumulativeSize: 128 }, { path: '/lib/libfoo.so', count: 2, cumulativeSize: 50 }]);
  assert.deepEqual(r.largestFiles.find((f) => f.path === '/lib/libfoo.so.1')?.size, 50);
});

test('strata analyze prints the summary, the layers and the top wasted copies; --top and --markdown', async (t) => {
  const { tmp, cache, image } = await setup(t);
  const plain = await runCli(['analyze', image], tmp, cache);
  assert.equal(plain.code, 0, plain.stderr);
  const lines = plain.stdout.split('\n');
  assert.ok(lines.includes('  wasted:      1.5 KiB (74.90 % of content) in 4 lost copies — what squashing would save'), plain.stdout);
  assert.ok(lines.includes('               64 B from metadata-only rewrites, 64 B from identical rewrites'), plain.stdout);
  assert.ok(lines.includes(`  dive-compatible (dive 0.13): efficiency ${(EFFICIENCY * 100).toFixed(2)} %, potential wasted space 1578 bytes (1.5 KiB), user wasted ${((1578 / 528) * 100).toFixed(2)} %`), plain.stdout);
  assert.ok(lines.includes('  1       464 B       64 B    1.5 KiB  RUN make && rm -rf /tmp/cache /lib/libfoo.so'), plain.stdout);
  const top = lines.slice(lines.indexOf('Top wasted copies (4 of 4):') + 1).filter((l) => l !== '');
  assert.deepEqual(top, [
    '      1000 B  /app/big.bin  layer 0 → 1  overwritten',
    '       300 B  /tmp/cache/x  layer 0 → 1  deleted with /tmp/cache/',
    '       200 B  /tmp/cache/y  layer 0 → 1  deleted with /tmp/cache/',
    '        64 B  /bin/tool  layer 1 → 2  metadata-only rewrite (mode)',
  ]);

  const two = await runCli(['analyze', image, '--top', '2'], tmp, cache);
  assert.match(two.stdout, /Top wasted copies \(2 of 4\):\n {6}1000 B {2}\/app\/big\.bin .*\n {7}300 B {2}\/tmp\/cache\/x .*\n$/);

  const md = await runCli(['analyze', image, '--markdown'], tmp, cache);
  assert.equal(md.code, 0, md.stderr);
  const mdLines = md.stdout.split('\n');
  assert.ok(mdLines.includes('| Wasted (squash would save) | **1.5 KiB** (74.90 %) in 4 copies; 64 B metadata-only |'), md.stdout);
  assert.ok(mdLines.includes('| dive-compatible potential wasted space | 1578 bytes (1.5 KiB) |'), md.stdout);
  assert.ok(mdLines.includes('| 300 B | `/tmp/cache/x` | 0: `COPY app/ /app/` | 1: `RUN make && rm -rf /tmp/cache /lib/libfoo.so` | `deleted with /tmp/cache/` |'), md.stdout);

  const bad = await runCli(['analyze', image, '--top', 'many'], tmp, cache);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--top many must be a whole number/);
});

test('strata report -o writes one standalone HTML file with the summary, the tables and the treemap', async (t) => {
  const { tmp, cache, image } = await setup(t);
  const missing = await runCli(['report', image, '-o', 'out/report.html'], tmp, cache);
  assert.equal(missing.code, 1, 'the output folder does not exist');
  assert.equal(missing.stderr, `strata report: ${path.join(tmp, 'out', 'report.html')}: cannot write the report, ${path.join(tmp, 'out')} is not an existing folder.\n`);
  const folder = await runCli(['report', image, '-o', '.'], tmp, cache);
  assert.equal(folder.code, 2);
  assert.equal(folder.stderr, `strata report: ${tmp} is a folder: give -o the path of the HTML file to write.\n`);
  const usage = await runCli(['report', image], tmp, cache);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing -o FILE/);

  const ok = await runCli(['report', image, '-o', 'report.html'], tmp, cache);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, new RegExp(`Wrote ${path.join(tmp, 'report.html').replace(/[.\\/]/g, '\\$&')} \\(\\d+ bytes\\)`));
  assert.deepEqual((await readdir(tmp)).filter((n) => n.includes('report')), ['report.html'], 'no temp file left beside it');
  const html = await readFile(path.join(tmp, 'report.html'), 'utf8');
  // Standalone: nothing to fetch, nothing to run.
  assert.ok(!/<script|<link|<img|<iframe|@import|url\(|\b(src|href)=/i.test(html), 'no script, stylesheet, image or link to load');
  assert.deepEqual([...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]), ['http://www.w3.org/2000/svg'], 'only the SVG namespace, which is never fetched');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  // Summary: ours and dive's, labelled.
  assert.match(html, /id="wasted">Wasted: lost copies<b>1\.5 KiB<\/b><span class="muted">4 copies overwritten or deleted later \(74\.90 % of content\)/);
  assert.match(html, /Potential wasted space \(dive-compatible\)<b>1\.5 KiB<\/b><span class="muted">1,578 B: /);
  assert.ok(html.includes(`Efficiency (dive-compatible)<b>${(EFFICIENCY * 100).toFixed(2)} %</b>`));
  // The wasted-copies table, largest first, with why and both build steps.
  const table = html.slice(html.indexOf('<h2 id="wasted-copies">'), html.indexOf('<h2 id="treemap">'));
  assert.deepEqual([...table.matchAll(/<td class="path"><code>([^<]+)<\/code>/g)].map((m) => m[1]), ['/app/big.bin', '/tmp/cache/x', '/tmp/cache/y', '/bin/tool']);
  assert.match(table, /<code>\/tmp\/cache\/y<\/code><\/td><td>deleted with \/tmp\/cache\/<\/td><td class="step"><span class="chip"[^>]*>0<\/span><code>COPY app\/ \/app\/<\/code><\/td><td class="step"><span class="chip"[^>]*>1<\/span><code>RUN make &amp;&amp; rm -rf \/tmp\/cache \/lib\/libfoo\.so<\/code>/);
  // The treemap: one box per visible file, sized and coloured by the layer that last wrote it.
  const boxes = [...html.matchAll(/<title>([^<]+) — ([^<]+) \(layer (\d+)\)<\/title><rect [^>]*fill="(hsl\([^"]+\))"/g)].map((m) => [m[1], m[2], Number(m[3])]);
  // /lib/libfoo.so.1 keeps the hard-linked content whose first name layer 1 deleted.
  assert.deepEqual(boxes.filter(([p]) => !['/app', '/bin', '/lib'].includes(p as string)).sort(), [['/app/big.bin', '400 B', 1], ['/app/keep.txt', '10 B', 0], ['/bin/tool', '64 B', 2], ['/lib/libfoo.so.1', '50 B', 0]]);
});
