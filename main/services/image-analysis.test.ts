// prefetchPlan: what an analysis tells a store to request ahead.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { IndexCache } from '../cache/index-cache';
import { IndexPool } from '../layers/index-pool';
import { indexLayerStream } from '../layers/layer-indexer';
import { file, makeLayerTar } from '../test-support/layer-tar';
import { prefetchPlan } from './image-analysis';

test('prefetchPlan asks for as many layers as the pool runs at once, and none the cache holds', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-prefetch-'));
  const pool = new IndexPool({ size: 2 });
  t.after(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });
  const cache = new IndexCache(dir);
  const cached = `sha256:${'a'.repeat(64)}`;
  const other = `sha256:${'b'.repeat(64)}`;
  await cache.put(cached, await indexLayerStream(Readable.from([await makeLayerTar([file('x', 'x')])]), { name: 'x' }));
  const plan = prefetchPlan({ pool, cache });
  assert.equal(plan.layers, 2);
  assert.equal(await plan.needed(cached), false);
  assert.equal(await plan.needed(other), true);
});
