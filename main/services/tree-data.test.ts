// The tree rows of a layer (merged view and changes view), and the merged view's sizes for hard links that alone
// keep their content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerDiff, LayerEntry, LayerIndex } from '../../shared/model';
import { comparePaths, diffLayers, mergedFilesystem } from '../layers/layer-diff';
import { runToEnd } from '../layers/step-budget';
import type { AnalyzedImage } from './image-analysis';
import { buildTreeDataInSteps, linkHeldSizesInSteps } from './tree-data';

const linkHeldSizes = (indexes: LayerIndex[], diffs: ReturnType<typeof diffLayers>, layer: number) => runToEnd(linkHeldSizesInSteps(indexes, diffs, layer));

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: '', digest: '' };
const file = (path: string, size: number): LayerEntry => ({ ...base, path, type: 'file', size, digest: `sha256:${path}` });
const link = (path: string, target: string): LayerEntry => ({ ...base, path, type: 'hardlink', size: 0, linkname: target });
const layer = (entries: LayerEntry[], whiteouts: string[] = []): LayerIndex => ({
  diffId: '', compression: 'none', compressedSize: 0, uncompressedSize: 0, entries, whiteouts, opaqueDirs: [], warnings: [],
});

test('a hard link whose file was deleted or rewritten carries the content, once', () => {
  const indexes = [
    layer([file('/lib/a.so', 50), link('/lib/a.so.1', '/lib/a.so'), link('/lib/a.so.2', '/lib/a.so'), file('/lib/b', 7), link('/lib/b.1', '/lib/b'), file('/lib/c', 9), link('/lib/c.1', '/lib/c')]),
    layer([file('/lib/c', 3)], ['/lib/a.so']),
  ];
  // Before: every file is visible under its own name, links hold nothing extra.
  assert.deepEqual([...linkHeldSizes(indexes, diffLayers(indexes), 0)], []);
  // After: /lib/a.so is gone (its first link in path order holds the 50 bytes), /lib/c was rewritten
  // (its old content lives on in /lib/c.1), /lib/b is untouched.
  assert.deepEqual([...linkHeldSizes(indexes, diffLayers(indexes), 1)].sort(), [['/lib/a.so.1', 50], ['/lib/c.1', 9]]);
});

test('tree rows: the merged view (merged in path order, no global sort) and the changes view match a plain sort of every row', () => {
  const dir = (path: string): LayerEntry => ({ ...base, path, type: 'dir', size: 0 });
  const indexes = [
    layer([dir('/a'), dir('/a/b'), file('/a/b/x', 1), file('/a/b/y', 2), dir('/a-b'), file('/a-b/z', 3), dir('/c'), file('/c/d', 4), file('/e', 5), link('/e.1', '/e')]),
    // /a/b goes (whiteout of a directory), /c becomes a file (file over a directory), /a/new arrives without its
    // parent listed, /e is rewritten.
    layer([file('/c', 6), file('/a/new/deep', 7), file('/e', 8), file('/a.b', 9)], ['/a/b']),
    layer([file('/z/only', 1)], ['/a-b/z', '/a.b']),
  ];
  const diffs = diffLayers(indexes);
  const image = { indexes, diffs } as unknown as AnalyzedImage;
  for (let l = 0; l < indexes.length; l++) {
    for (const view of ['merged', 'changes'] as const) {
      const got = runToEnd(buildTreeDataInSteps(image, l, view));
      const want = referenceRows(indexes, diffs, l, view);
      assert.deepEqual(got.paths, want.map((r) => r.path), `${view} paths at layer ${l}`);
      assert.equal(got.status, want.map((r) => r.status).join(''), `${view} status at layer ${l}`);
      assert.deepEqual(got.layers, want.map((r) => r.layer), `${view} layers at layer ${l}`);
    }
  }
  const top = runToEnd(buildTreeDataInSteps(image, 1, 'merged'));
  assert.deepEqual(
    top.paths.filter((_, i) => top.status[i] === 'D'),
    ['/a/b', '/a/b/x', '/a/b/y', '/c/d'],
  );
  assert.equal(top.sizes[top.paths.indexOf('/e.1')], 5, 'the link keeps the rewritten content');
});

/** The rows the simple way: every row of the view, the missing parents, one sort by path. */
function referenceRows(indexes: LayerIndex[], diffs: LayerDiff[], layer: number, view: 'merged' | 'changes') {
  const diff = diffs[layer];
  const rows: { path: string; status: string; layer: number }[] = [];
  if (view === 'merged') {
    const status = new Map<string, string>([...diff.created.map((e) => [e.path, 'A'] as const), ...diff.changed.map((e) => [e.path, 'M'] as const)]);
    for (const e of mergedFilesystem(indexes, layer)) rows.push({ path: e.path, status: status.get(e.path) ?? 'U', layer: e.layer });
  } else {
    for (const e of diff.created) rows.push({ path: e.path, status: 'A', layer });
    for (const e of diff.changed) rows.push({ path: e.path, status: 'M', layer });
  }
  for (const e of diff.deleted) rows.push({ path: e.path, status: 'D', layer: e.layer });
  const present = new Set(rows.map((r) => r.path));
  for (const r of [...rows]) {
    for (let p = r.path, cut = p.lastIndexOf('/'); cut > 0; cut = p.lastIndexOf('/')) {
      p = p.slice(0, cut);
      if (present.has(p)) break;
      present.add(p);
      rows.push({ path: p, status: 'U', layer });
    }
  }
  return rows.sort((a, b) => comparePaths(a.path, b.path));
}
