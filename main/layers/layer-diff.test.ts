import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntryType, LayerEntry, LayerIndex } from '../../shared/model';
import { comparePaths, diffLayers, diffLayersInSteps, mergedFilesystem, mergedFilesystemInSteps } from './layer-diff';

function entry(path: string, type: EntryType = 'file', extra: Partial<LayerEntry> = {}): LayerEntry {
  const size = type === 'file' ? (extra.size ?? 3) : 0;
  return {
    path,
    type,
    size,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    mtime: 1000,
    linkname: '',
    digest: type === 'file' ? `sha256:${path.length.toString(16).padStart(64, '0')}` : '',
    ...extra,
  };
}

function layer(entries: LayerEntry[], whiteouts: string[] = [], opaqueDirs: string[] = []): LayerIndex {
  return {
    diffId: '',
    compression: 'none',
    compressedSize: 0,
    uncompressedSize: 0,
    entries,
    whiteouts,
    opaqueDirs,
    warnings: [],
  };
}

const paths = (list: readonly { path: string }[]) => list.map((e) => e.path);

test('base layer: everything is created, implicit parents are not listed as entries', () => {
  const [d] = diffLayers([layer([entry('/etc/passwd'), entry('/bin', 'dir'), entry('/bin/sh')])]);
  assert.deepEqual(paths(d.created), ['/etc/passwd', '/bin', '/bin/sh']);
  assert.equal(d.changed.length, 0);
  assert.equal(d.deleted.length, 0);
});

test('whiteouts at several depths delete the path and its whole subtree, with sizes from the writer', () => {
  const base = layer([
    entry('/a', 'dir'),
    entry('/a/b', 'dir'),
    entry('/a/b/c', 'file', { size: 10 }),
    entry('/a/b/d', 'file', { size: 20 }),
    entry('/top', 'file', { size: 5 }),
    entry('/x/y/z', 'file', { size: 7 }),
  ]);
  const mid = layer([entry('/a/b/d', 'file', { size: 30, digest: 'sha256:' + 'f'.repeat(64) })]);
  const top = layer([], ['/a/b', '/top', '/x/y/z', '/missing']);
  const diffs = diffLayers([base, mid, top]);
  assert.deepEqual(paths(diffs[2].deleted), ['/a/b', '/a/b/c', '/a/b/d', '/top', '/x/y/z']);
  const d = diffs[2].deleted.find((e) => e.path === '/a/b/d');
  assert.equal(d?.size, 30);
  assert.equal(d?.layer, 1);
  assert.equal(diffs[2].deleted.find((e) => e.path === '/a/b/c')?.layer, 0);
  const merged = mergedFilesystem([base, mid, top], 2);
  assert.deepEqual(paths(merged), ['/a', '/x', '/x/y']);
});

test('opaque directory hides lower children; re-added paths count as changed, not deleted', () => {
  const base = layer([entry('/d', 'dir'), entry('/d/keep'), entry('/d/gone'), entry('/d/sub', 'dir'), entry('/d/sub/f')]);
  const top = layer([entry('/d', 'dir'), entry('/d/keep', 'file', { size: 9 }), entry('/d/new')], [], ['/d']);
  const [, diff] = diffLayers([base, top]);
  assert.deepEqual(paths(diff.deleted), ['/d/gone', '/d/sub', '/d/sub/f']);
  assert.deepEqual(paths(diff.changed), ['/d', '/d/keep']);
  assert.deepEqual(diff.changed[0].what, [], 'a directory re-emitted unchanged has nothing in what');
  assert.deepEqual(diff.changed[1].what, ['content']);
  assert.deepEqual(paths(diff.created), ['/d/new']);
  assert.deepEqual(paths(mergedFilesystem([base, top], 1)), ['/d', '/d/keep', '/d/new']);
});

test('file deleted then re-created in a later layer is created again', () => {
  const l0 = layer([entry('/f')]);
  const l1 = layer([], ['/f']);
  const l2 = layer([entry('/f')]);
  const diffs = diffLayers([l0, l1, l2]);
  assert.deepEqual(paths(diffs[1].deleted), ['/f']);
  assert.deepEqual(paths(diffs[2].created), ['/f']);
  assert.equal(diffs[2].changed.length, 0);
});

test('changed says what changed: content, type, mode, owner, mtime, link', () => {
  const l0 = layer([
    entry('/c'),
    entry('/m'),
    entry('/o'),
    entry('/t'),
    entry('/s', 'symlink', { linkname: 'a' }),
    entry('/same'),
  ]);
  const l1 = layer([
    entry('/c', 'file', { size: 4 }),
    entry('/m', 'file', { mode: 0o755 }),
    entry('/o', 'file', { uid: 1000, mtime: 2000 }),
    entry('/t', 'symlink', { linkname: '/c', size: 0, digest: '' }),
    entry('/s', 'symlink', { linkname: 'b' }),
    entry('/same'),
  ]);
  const [, d] = diffLayers([l0, l1]);
  const what = Object.fromEntries(d.changed.map((e) => [e.path, e.what]));
  assert.deepEqual(what, {
    '/c': ['content'],
    '/m': ['mode'],
    '/o': ['owner', 'mtime'],
    '/t': ['type', 'content', 'link'],
    '/s': ['link'],
    '/same': [],
  });
  assert.equal(d.changed.find((e) => e.path === '/m')?.previous.mode, 0o644);
});

test('a non-directory written over a lower directory removes its subtree', () => {
  const l0 = layer([entry('/lib', 'dir'), entry('/lib/a.so'), entry('/lib/x', 'dir'), entry('/lib/x/b.so')]);
  const l1 = layer([entry('/lib', 'symlink', { linkname: 'usr/lib' })]);
  const [, d] = diffLayers([l0, l1]);
  assert.deepEqual(paths(d.deleted), ['/lib/a.so', '/lib/x', '/lib/x/b.so']);
  assert.deepEqual(d.changed.map((e) => [e.path, e.what]), [['/lib', ['type', 'mode', 'link']]]);
  assert.deepEqual(paths(mergedFilesystem([l0, l1], 1)), ['/lib']);
});

test('merged filesystem tags each path with the layer that last wrote it', () => {
  const l0 = layer([entry('/a'), entry('/b')]);
  const l1 = layer([entry('/b', 'file', { size: 1 })]);
  const l2 = layer([entry('/c/d')]);
  const merged = mergedFilesystem([l0, l1, l2], 2);
  assert.deepEqual(
    merged.map((e) => [e.path, e.layer]),
    [['/a', 0], ['/b', 1], ['/c', 2], ['/c/d', 2]],
  );
  assert.deepEqual(paths(mergedFilesystem([l0, l1, l2], 0)), ['/a', '/b']);
});

test('a child listed before its parent directory: the parent is created, not changed', () => {
  const [d] = diffLayers([layer([entry('/p/q'), entry('/p', 'dir')])]);
  assert.deepEqual(paths(d.created), ['/p/q', '/p']);
});

test('an implicit lower directory emitted explicitly later is changed with nothing known in what', () => {
  const [, d] = diffLayers([layer([entry('/p/q')]), layer([entry('/p', 'dir', { mode: 0o700 })])]);
  assert.deepEqual(d.changed.map((e) => [e.path, e.what]), [['/p', []]]);
});

test('comparePaths orders by component', () => {
  const list = ['/a-b', '/a/b', '/a', '/a/b/c', '/b'];
  assert.deepEqual([...list].sort(comparePaths), ['/a', '/a/b', '/a/b/c', '/a-b', '/b']);
});

test('the stepped diff yields every few thousand entries and returns what diffLayers returns', () => {
  const base = Array.from({ length: 30_000 }, (_, i) => entry(`/usr/lib/d${i % 100}/f${i}`));
  const top = Array.from({ length: 30_000 }, (_, i) => entry(`/usr/lib/d${i % 100}/f${i * 2}`, 'file', { size: 9 }));
  const indexes = [layer(base), layer(top, ['/usr/lib/d7'], ['/usr/lib/d8'])];
  const steps = diffLayersInSteps(indexes);
  let yields = 0;
  let step = steps.next();
  for (; !step.done; step = steps.next()) yields++;
  assert.ok(yields >= 2, `yielded ${yields} times over 60k entries`);
  assert.deepEqual(step.value, diffLayers(indexes));
  assert.ok(step.value[1].changed.length > 0 && step.value[1].deleted.length > 0 && step.value[1].created.length > 0);
  const merged = mergedFilesystemInSteps(indexes, 1);
  let mergedYields = 0;
  let last = merged.next();
  for (; !last.done; last = merged.next()) mergedYields++;
  assert.ok(mergedYields >= 2, `the merged view yielded ${mergedYields} times`);
  assert.deepEqual(last.value, mergedFilesystem(indexes, 1));
});

test('the merged filesystem comes out in comparePaths order without a global sort, for tricky names too', () => {
  // Names that are prefixes of each other, sort around '/' ('-', '.', '0' are below it in no order but ours),
  // upper case, and characters outside the BMP (surrogate pairs).
  const names = ['a', 'a-b', 'a.b', 'ab', 'a0', 'A', 'é', '𝄞', 'z', '_'];
  let seed = 7;
  const pick = () => names[(seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % names.length];
  const paths = new Set<string>();
  for (let i = 0; i < 600; i++) paths.add(`/${Array.from({ length: 1 + (i % 4) }, pick).join('/')}`);
  // Every proper prefix is a directory; the other paths are files (the base layer lists directories only).
  const dirs = new Set<string>();
  for (const p of paths) for (let cut = p.lastIndexOf('/'); cut > 0; cut = p.lastIndexOf('/', cut - 1)) dirs.add(p.slice(0, cut));
  const files = [...paths].filter((p) => !dirs.has(p));
  const merged = mergedFilesystem([layer([...dirs].map((d) => entry(d, 'dir'))), layer(files.map((f) => entry(f)))], 1);
  const got = merged.map((e) => e.path);
  assert.equal(got.length, dirs.size + files.length);
  assert.deepEqual(got, [...got].sort(comparePaths), 'in comparePaths order');
  assert.equal(new Set(got).size, got.length, 'each path once');
});
