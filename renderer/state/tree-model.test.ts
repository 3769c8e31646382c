// The tree pane's model on hand-made TreeData: parents, subtree sums, folding, filters, search, sort.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TreeData } from '../../shared/api';
import { compileQuery, globToRegex } from './tree-query';
import { buildTreeModel, childrenOf, expandablePaths, namesOf, searchTree, visibleRows, type TreeModel, type ViewOptions } from './tree-model';

/** TreeData from `[path, type, size, status]` rows (already in tree order). */
function tree(rows: readonly [string, string, number, string][]): TreeData {
  return {
    layer: 1,
    view: 'merged',
    paths: rows.map((r) => r[0]),
    types: rows.map((r) => r[1]).join(''),
    sizes: rows.map((r) => r[2]),
    status: rows.map((r) => r[3]).join(''),
    layers: rows.map(() => 1),
    what: {},
  };
}

const SAMPLE = tree([
  ['/etc', 'd', 0, 'U'],
  ['/etc/hosts', 'f', 10, 'M'],
  ['/etc/passwd', 'f', 20, 'U'],
  ['/usr', 'd', 0, 'U'],
  ['/usr/lib', 'd', 0, 'U'],
  ['/usr/lib/x86_64', 'd', 0, 'U'],
  ['/usr/lib/x86_64/libc.so', 'f', 1000, 'U'],
  ['/usr/lib/x86_64/libz.so', 'f', 300, 'A'],
  ['/var', 'd', 0, 'D'],
  ['/var/cache', 'f', 50, 'D'],
]);

const shown = (model: TreeModel, options: Partial<ViewOptions>) => {
  const v = visibleRows(model, { expanded: new Set(), sort: 'name', onlyChanges: false, search: null, ...options });
  return [...v.rows].map((row, k) => {
    const head = model.data.paths[v.heads[k]];
    return head === model.data.paths[row] ? head : `${head}…${model.data.paths[row].slice(head.length)}`;
  });
};

describe('tree model', () => {
  const model = buildTreeModel(SAMPLE);

  it('finds parents, depths and subtree ends in one pass', () => {
    assert.deepEqual([...model.parent], [-1, 0, 0, -1, 3, 4, 5, 5, -1, 8]);
    assert.deepEqual([...model.depth], [0, 1, 1, 0, 1, 2, 3, 3, 0, 1]);
    assert.deepEqual([...model.end], [3, 2, 3, 8, 8, 8, 7, 8, 10, 10]);
    assert.deepEqual(model.counts, { created: 1, changed: 1, deleted: 2 });
  });

  it('sums directory sizes, keeping deleted bytes apart', () => {
    assert.equal(model.total[0], 30);
    assert.equal(model.total[3], 1300);
    assert.equal(model.total[8], 50);
  });

  it('folds unchanged single-child directory chains and expands by path', () => {
    assert.deepEqual(shown(model, {}), ['/etc', '/usr…/lib/x86_64', '/var']);
    assert.deepEqual(shown(model, { expanded: new Set(['/usr/lib/x86_64']) }), [
      '/etc',
      '/usr…/lib/x86_64',
      '/usr/lib/x86_64/libc.so',
      '/usr/lib/x86_64/libz.so',
      '/var',
    ]);
    assert.deepEqual(expandablePaths(model), ['/etc', '/usr', '/usr/lib', '/usr/lib/x86_64', '/var']);
  });

  it('folds created chains but never hides a changed directory', () => {
    const created = buildTreeModel(tree([['/a', 'd', 0, 'A'], ['/a/b', 'd', 0, 'A'], ['/a/b/c', 'f', 1, 'A']]));
    assert.deepEqual(shown(created, {}), ['/a…/b']);
    const mixed = buildTreeModel(tree([['/a', 'd', 0, 'M'], ['/a/b', 'd', 0, 'M'], ['/a/b/c', 'f', 1, 'A']]));
    assert.deepEqual(shown(mixed, { expanded: new Set(['/a']) }), ['/a', '/a/b']);
  });

  it('hides subtrees without changes when asked', () => {
    const all = new Set(expandablePaths(model));
    assert.deepEqual(shown(model, { expanded: all, onlyChanges: true }), [
      '/etc',
      '/etc/hosts',
      '/usr…/lib/x86_64',
      '/usr/lib/x86_64/libz.so',
      '/var',
      '/var/cache',
    ]);
  });

  it('sorts siblings by subtree size', () => {
    assert.deepEqual([...childrenOf(model, -1, 'size')].map((i) => SAMPLE.paths[i]), ['/usr', '/var', '/etc']);
  });

  it('searches names, keeps ancestors, and shows everything inside a matching folder', () => {
    const q = compileQuery('lib', 'text', () => namesOf(model));
    assert.ok(q?.ok);
    const result = searchTree(model, q.accepts);
    assert.equal(result.matches, 3); // /usr/lib, libc.so, libz.so
    assert.deepEqual([...result.expand].sort(), ['/usr', '/usr/lib', '/usr/lib/x86_64']);
    assert.deepEqual(shown(model, { expanded: new Set(result.expand), search: result }), [
      '/usr…/lib/x86_64',
      '/usr/lib/x86_64/libc.so',
      '/usr/lib/x86_64/libz.so',
    ]);
    const passwd = compileQuery('PASS', 'text', () => namesOf(model));
    assert.ok(passwd?.ok);
    assert.equal(searchTree(model, passwd.accepts).matches, 0, 'an upper-case query is case-sensitive');
  });

  it('reads globs and regexes; bad regexes are reported, not thrown', () => {
    assert.equal(globToRegex('*.so'), '^[^/]*\\.so$');
    assert.equal(globToRegex('/usr/**/lib?.so'), '^\\/usr\\/.*\\/lib[^/]\\.so$');
    const glob = compileQuery('lib?.so', 'glob', () => namesOf(model));
    assert.ok(glob?.ok);
    assert.equal(searchTree(model, glob.accepts).matches, 2);
    const whole = compileQuery('/etc/*', 'glob', () => namesOf(model));
    assert.ok(whole?.ok);
    assert.equal(searchTree(model, whole.accepts).matches, 2);
    const regex = compileQuery('^/usr/.*\\.so$', 'regex', () => namesOf(model));
    assert.ok(regex?.ok);
    assert.equal(searchTree(model, regex.accepts).matches, 2);
    const names = compileQuery('^lib.\\.so$', 'regex', () => namesOf(model));
    assert.ok(names?.ok);
    assert.equal(searchTree(model, names.accepts).matches, 2, 'a regex without / sees bare names, anchors included');
    const bad = compileQuery('(', 'regex', () => namesOf(model));
    assert.equal(bad?.ok, false);
    assert.equal(compileQuery('', 'text', () => namesOf(model)), null);
  });

  it('handles a root row, files with children (a directory replaced by a file) and an empty tree', () => {
    const odd = buildTreeModel(
      tree([
        ['/', 'd', 0, 'U'],
        ['/a', 'f', 5, 'M'],
        ['/a/old', 'f', 7, 'D'],
        ['/b', 'f', 1, 'A'],
      ]),
    );
    assert.equal(odd.first, 1);
    assert.deepEqual(shown(odd, { expanded: new Set(['/a']) }), ['/a', '/a/old', '/b']);
    assert.equal(odd.total[1], 5);
    assert.equal(buildTreeModel(tree([])).size, 0);
  });

  it('builds and fully expands 500k rows (timings: bench/ui-bench.ts)', () => {
    const paths: string[] = [];
    for (let p = 0; p < 500; p++) {
      paths.push(`/pkg${p}`);
      for (let f = 0; f < 999; f++) paths.push(`/pkg${p}/file${f}`);
    }
    const big = buildTreeModel({
      layer: 0,
      view: 'changes',
      paths,
      types: paths.map((p) => (p.includes('/file') ? 'f' : 'd')).join(''),
      sizes: paths.map(() => 1),
      status: 'A'.repeat(paths.length),
      layers: paths.map(() => 0),
      what: {},
    });
    assert.equal(big.size, 500_000);
    assert.equal(big.total[0], 999);
    assert.equal(visibleRows(big, { expanded: new Set(expandablePaths(big)), sort: 'name', onlyChanges: false, search: null }).length, 500_000);
  });
});
