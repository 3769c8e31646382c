// The merged view's sizes for hard links that alone keep their content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerEntry, LayerIndex } from '../../shared/model';
import { diffLayers } from '../layers/layer-diff';
import { linkHeldSizes } from './tree-data';

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
