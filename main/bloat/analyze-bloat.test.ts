// Hand-computed bloat figures (ours and dive's) for small images built in code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ImageDescriptor, LayerEntry, LayerIndex } from '../../shared/model';
import { analyzeBloat } from './analyze-bloat';

const sha = (content: string) => `sha256:${createHash('sha256').update(content).digest('hex')}`;
const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, linkname: '', digest: '' };
const file = (path: string, content: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({ ...base, path, type: 'file', size: Buffer.byteLength(content), digest: sha(content), ...extra });
const dir = (path: string): LayerEntry => ({ ...base, path, type: 'dir', size: 0, mode: 0o755 });
const link = (path: string, target: string): LayerEntry => ({ ...base, path, type: 'hardlink', size: 0, linkname: target });
const layer = (entries: LayerEntry[], whiteouts: string[] = [], opaqueDirs: string[] = []): LayerIndex => ({
  diffId: '', compression: 'none', compressedSize: 0, uncompressedSize: 0, entries, whiteouts, opaqueDirs, warnings: [],
});
const image = (n: number): ImageDescriptor => ({
  name: 'fixture', id: '', platform: 'linux/amd64', created: '', runtimeConfig: '', emptyStepsAfter: [],
  layers: Array.from({ length: n }, (_, i) => ({
    index: i, digest: `sha256:${i}`, diffId: '', mediaType: '', size: 1000 + i,
    step: { createdBy: `/bin/sh -c step ${i}`, created: '', comment: '', emptyLayer: false }, emptyStepsBefore: [],
  })),
});
const analyze = (...layers: LayerIndex[]) => analyzeBloat(image(layers.length), layers);
const x = (n: number, c = 'x') => c.repeat(n);

test('overwrite: the lower copy is wasted; dive counts both copies', () => {
  const r = analyze(layer([dir('/app'), file('/app/a', x(100))]), layer([dir('/app'), file('/app/a', x(40, 'y'))]));
  assert.equal(r.totals.wastedBytes, 100);
  assert.equal(r.totals.contentBytes, 140);
  assert.equal(r.totals.visibleBytes, 40);
  assert.equal(r.totals.wastedFraction, 100 / 140);
  assert.equal(r.wasted.length, 1);
  const [w] = r.wasted;
  assert.deepEqual([w.path, w.size, w.cause, w.identical, w.metadataOnly], ['/app/a', 100, 'overwritten', false, false]);
  assert.deepEqual(w.written, { layer: 0, step: 'RUN step 0' });
  assert.deepEqual(w.lost, { layer: 1, step: 'RUN step 1' });
  assert.deepEqual(w.what, ['content']);
  assert.deepEqual(r.layers.map((l) => [l.wastedBytes, l.discardedBytes, l.contentBytes, l.compressedBytes]), [[100, 0, 100, 1000], [0, 100, 40, 1001]]);
  assert.equal(r.dive.efficiency, 40 / 140);
  assert.equal(r.dive.wastedBytes, 140);
  assert.equal(r.dive.userSizeBytes, 40);
  assert.equal(r.dive.userWastedPercent, 3.5);
  assert.deepEqual(r.dive.inefficiencies, [{ path: '/app/a', count: 2, cumulativeSize: 140 }]);
});

test('delete a file: wasted once; dive sees the whiteout as a second, empty copy', () => {
  const r = analyze(layer([file('/a', x(100))]), layer([file('/b', x(50, 'b'))], ['/a']));
  assert.equal(r.totals.wastedBytes, 100);
  assert.deepEqual([r.wasted[0].cause, r.wasted[0].via, r.wasted[0].lost.layer], ['deleted', '/a', 1]);
  assert.equal(r.totals.visibleBytes, 50);
  assert.equal(r.totals.files, 1);
  // dive: /a → 100 + 0 (min 0), /b → 50: (0 + 50) / (100 + 50).
  assert.equal(r.dive.efficiency, 50 / 150);
  assert.equal(r.dive.wastedBytes, 100);
  assert.equal(r.dive.userWastedPercent, 2);
});

test('delete a directory: every file below it is wasted; dive counts it once, so not as waste', () => {
  const r = analyze(
    layer([dir('/d'), file('/d/x', x(10)), dir('/d/sub'), file('/d/sub/y', x(20, 'y'))]),
    layer([file('/k', x(5, 'k'))], ['/d']),
  );
  assert.equal(r.totals.wastedBytes, 30);
  assert.deepEqual(r.wasted.map((w) => [w.path, w.size, w.cause, w.via]), [['/d/sub/y', 20, 'deleted', '/d'], ['/d/x', 10, 'deleted', '/d']]);
  // dive: leaves /d/x 10, /d/sub/y 20, /k 5, and the whiteout /d sized by the deleted subtree (30), each seen once.
  assert.equal(r.dive.efficiency, 1);
  assert.equal(r.dive.wastedBytes, 0);
  assert.equal(r.dive.sizeBytes, 35);
});

test('dive sizes a deleted directory 0 once a later layer restacked it as a bare parent', () => {
  const explicit = analyze(layer([dir('/d'), file('/d/x', x(10))]), layer([dir('/d'), file('/d/y', x(3, 'y'))]), layer([], ['/d']), layer([dir('/d')]));
  const implicit = analyze(layer([dir('/d'), file('/d/x', x(10))]), layer([file('/d/y', x(3, 'y'))]), layer([], ['/d']), layer([dir('/d')]));
  for (const r of [explicit, implicit]) assert.equal(r.totals.wastedBytes, 13);
  // /d: whiteout sized 13 (dir /d, /d/x, /d/y), then the empty re-created dir 0 → 13 total, 0 minimum.
  assert.equal(explicit.dive.efficiency, 13 / 26);
  assert.equal(explicit.dive.wastedBytes, 13);
  // Layer 1 lists /d/y without /d: dive's stacking turns /d into a non-directory, so the whiteout counts 0.
  assert.equal(implicit.dive.efficiency, 1);
  assert.equal(implicit.dive.wastedBytes, 0);
  assert.deepEqual(implicit.dive.inefficiencies, [{ path: '/d', count: 2, cumulativeSize: 0 }]);
});

test('opaque directory: hidden lower children are wasted; dive ignores opaque markers', () => {
  const r = analyze(layer([dir('/o'), file('/o/p', x(7)), file('/o/q', x(9, 'q'))]), layer([dir('/o'), file('/o/r', x(2, 'r'))], [], ['/o']));
  assert.equal(r.totals.wastedBytes, 16);
  assert.deepEqual(r.wasted.map((w) => [w.path, w.cause, w.via]), [['/o/q', 'opaque-dir', '/o'], ['/o/p', 'opaque-dir', '/o']]);
  assert.equal(r.totals.visibleBytes, 2);
  assert.equal(r.dive.efficiency, 1);
  assert.equal(r.dive.wastedBytes, 0);
});

test('delete then re-create: only the deleted copy is wasted; dive sums all three visits', () => {
  const r = analyze(layer([file('/a', x(100))]), layer([], ['/a']), layer([file('/a', x(30, 'z'))]));
  assert.equal(r.totals.wastedBytes, 100);
  assert.deepEqual([r.wasted[0].written.layer, r.wasted[0].lost.layer, r.wasted[0].cause], [0, 1, 'deleted']);
  assert.equal(r.totals.visibleBytes, 30);
  assert.equal(r.dive.efficiency, 0);
  assert.equal(r.dive.wastedBytes, 130);
  assert.equal(r.dive.userWastedPercent, 130 / 30);
  assert.deepEqual(r.dive.inefficiencies, [{ path: '/a', count: 3, cumulativeSize: 130 }]);
});

test('chmod-only rewrite: the full copy is wasted and labelled metadata-only', () => {
  const r = analyze(layer([dir('/bin'), file('/bin/tool', x(64, 'T'))]), layer([file('/bin/tool', x(64, 'T'), { mode: 0o755 })]));
  const [w] = r.wasted;
  assert.deepEqual([w.size, w.identical, w.metadataOnly, w.what], [64, true, true, ['mode']]);
  assert.equal(r.totals.metadataOnlyBytes, 64);
  assert.equal(r.totals.identicalBytes, 64);
  assert.deepEqual(r.duplicates.map((g) => [g.copies, g.savableBytes, g.occurrences.map((o) => o.visible)]), [[2, 64, [false, true]]]);
  assert.equal(r.dive.efficiency, 0.5);
  assert.equal(r.dive.wastedBytes, 128);
});

test('identical rewrite that changes nothing but mtime is identical, not metadata-only', () => {
  const r = analyze(layer([file('/etc/conf', x(12, 'c'))]), layer([file('/etc/conf', x(12, 'c'), { mtime: 1 })]));
  assert.deepEqual([r.wasted[0].identical, r.wasted[0].metadataOnly], [true, false]);
  assert.equal(r.totals.metadataOnlyBytes, 0);
});

test('hard links: content survives while one name does, and is counted once when all go', () => {
  const l0 = layer([dir('/h'), file('/h/a', x(50, 'H')), link('/h/b', '/h/a')]);
  const first = analyze(l0, layer([], ['/h/a']));
  assert.equal(first.totals.wastedBytes, 0);
  assert.deepEqual(first.largestFiles.map((f) => [f.path, f.size]), [['/h/b', 50]]);
  const both = analyze(l0, layer([], ['/h/a']), layer([], ['/h/b']));
  assert.equal(both.totals.wastedBytes, 50);
  assert.deepEqual([both.wasted[0].path, both.wasted[0].lost.layer, both.wasted[0].links], ['/h/a', 2, ['/h/b']]);
  const dirGone = analyze(l0, layer([], ['/h']));
  assert.equal(dirGone.totals.wastedBytes, 50);
  assert.equal(dirGone.wasted.length, 1);
  assert.equal(l0.entries.length, 3);
  // dive: /h/a 50 then 0, /h/b 0 then 0 (hard link headers have size 0).
  assert.equal(both.dive.efficiency, 0);
  assert.equal(both.dive.wastedBytes, 50);
  assert.equal(both.dive.userWastedPercent, 0);
});

test('identical content in two layers at two paths: a duplicate, not waste', () => {
  const r = analyze(layer([file('/x/one', x(80, 'D'))]), layer([file('/y/two', x(80, 'D')), file('/y/empty', ''), file('/x/empty', '')]));
  assert.equal(r.totals.wastedBytes, 0);
  assert.equal(r.totals.duplicateBytes, 80);
  assert.equal(r.duplicates.length, 1, 'empty files are not duplicates');
  assert.deepEqual(r.duplicates[0].occurrences, [{ path: '/x/one', layer: 0, visible: true }, { path: '/y/two', layer: 1, visible: true }]);
  assert.equal(r.dive.efficiency, 1);
  assert.equal(r.dive.wastedBytes, 0);
});

test('a file over a directory wastes the directory contents', () => {
  const r = analyze(layer([dir('/p'), file('/p/q', x(11))]), layer([file('/p', x(3, 'F'))]));
  assert.deepEqual(r.wasted.map((w) => [w.path, w.size, w.cause, w.via]), [['/p/q', 11, 'replaced-dir', '/p']]);
  assert.equal(r.dive.wastedBytes, 0);
});

test('single-layer image: no waste and percentages 0, not NaN', () => {
  const r = analyze(layer([file('/a', x(10)), file('/b', x(20, 'b'))]));
  assert.equal(r.totals.wastedBytes, 0);
  assert.equal(r.totals.wastedFraction, 0);
  assert.equal(r.dive.efficiency, 1);
  assert.equal(r.dive.userWastedPercent, 0);
  assert.equal(r.dive.userSizeBytes, 0);
  const empty = analyze(layer([dir('/etc')]));
  assert.equal(empty.totals.wastedFraction, 0);
  assert.equal(empty.dive.efficiency, 1);
});

test('dive stops counting a layer at a whiteout of a path that does not exist below', () => {
  // Visiting order is bytewise: `-early` < `.wh.ghost` < `zz`, so /-early counts, /zz never does.
  const r = analyze(layer([file('/a', x(5))]), layer([file('/-early', x(2, 'e')), file('/zz', x(7, 'z'))], ['/ghost']));
  assert.equal(r.dive.efficiency, (5 + 2 - 1) / (5 + 2));
  assert.equal(r.dive.sizeBytes, 14);
  assert.equal(r.dive.userSizeBytes, 9);
});

test('largest files, directories and per-layer top items', () => {
  const r = analyze(
    layer([dir('/usr'), dir('/usr/lib'), file('/usr/lib/big', x(300)), file('/usr/lib/small', x(3, 's')), file('/etc/a', x(50, 'a'))]),
    layer([file('/usr/lib/small', x(4, 'S')), file('/opt/tool', x(120, 't'))]),
  );
  assert.deepEqual(r.largestFiles.map((f) => [f.path, f.size, f.layer]), [['/usr/lib/big', 300, 0], ['/opt/tool', 120, 1], ['/etc/a', 50, 0], ['/usr/lib/small', 4, 1]]);
  assert.deepEqual(r.largestDirectories.map((d) => [d.path, d.size, d.files]), [['/usr', 304, 2], ['/usr/lib', 304, 2], ['/opt', 120, 1], ['/etc', 50, 1]]);
  assert.deepEqual(r.layers[0].topAdded.map((f) => [f.path, f.visible]), [['/usr/lib/big', true], ['/etc/a', true], ['/usr/lib/small', false]]);
  assert.equal(r.totals.visibleBytes + r.totals.wastedBytes, r.totals.contentBytes);
});
