// The bloat report cache: a reopen is served from disk; other layers, steps or a corrupt file are misses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ImageDescriptor, LayerIndex } from '../../shared/model';
import { BloatCache, bloatCacheKey } from './bloat-cache';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const layer = (diffId: string, size: number): LayerIndex => ({
  diffId, compression: 'none', compressedSize: 0, uncompressedSize: 0, whiteouts: [], opaqueDirs: [], warnings: [],
  entries: [{ path: '/a', type: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: '', digest: digest('f') }],
});
const image = (step: string): ImageDescriptor => ({
  name: 'n', id: '', platform: '', created: '', runtimeConfig: '', emptyStepsAfter: [],
  layers: [{ index: 0, digest: '', diffId: '', mediaType: '', size: 9, step: { createdBy: step, created: '', comment: '', emptyLayer: false }, emptyStepsBefore: [] }],
});

test('a reopen is served from the cache; a different step or layer is a miss', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-bloat-'));
  const cache = new BloatCache(dir);
  const first = await cache.report(image('RUN a'), [layer(digest('1'), 10)]);
  assert.equal(first.fromCache, false);
  const again = await new BloatCache(dir).report(image('RUN a'), [layer(digest('1'), 10)]);
  assert.equal(again.fromCache, true);
  assert.deepEqual(again.report, first.report);
  assert.equal((await cache.report(image('RUN b'), [layer(digest('1'), 10)])).fromCache, false);
  assert.equal((await cache.report(image('RUN a'), [layer(digest('2'), 10)])).fromCache, false);
  assert.ok(readdirSync(dir).every((f) => f.endsWith('.bloat.json')), 'no temp files left');
});

test('a corrupt cache file is recomputed; unknown diffIds are never cached', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-bloat-'));
  const key = bloatCacheKey(image('x'), [layer(digest('3'), 5)]) as string;
  writeFileSync(path.join(dir, `${key}.bloat.json`), '{"key":"');
  const r = await new BloatCache(dir).report(image('x'), [layer(digest('3'), 5)]);
  assert.equal(r.fromCache, false);
  assert.equal(r.report.totals.contentBytes, 5);
  assert.equal(bloatCacheKey(image('x'), [layer('', 5)]), null);
});
