import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiEvent, ApiResult } from '../../shared/api';
import { makeSampleImage } from '../sample/make-sample-image';
import { createStrataService } from './strata-service';
import type { StrataService } from './strata-service-types';

function value<T>(result: ApiResult<T>): T {
  if (!result.ok) assert.fail(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('strata service on the sample image', () => {
  let dir: string;
  let cacheDir: string;
  let service: StrataService;
  const events: ApiEvent[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-service-'));
    cacheDir = path.join(dir, 'cache');
    const samplePath = path.join(dir, 'sample.tar');
    await makeSampleImage(samplePath);
    service = createStrataService({ cacheDir, samplePath });
    service.onEvent((event) => events.push(event));
  });
  after(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens, analyses with progress, answers trees, details and bloat, and remembers the source', async () => {
    const opened = value(await service.openSource({ source: { kind: 'sample' } }));
    assert.equal(opened.images.length, 1);
    const image = value(await service.analyzeImage({ sourceId: opened.sourceId, image: opened.images[0].id, jobId: 'job-1' }));
    assert.equal(image.layers.length, 8);
    const progress = events.filter((e) => e.type === 'progress' && e.jobId === 'job-1');
    assert.ok(progress.length > 0, 'progress events for the job');
    const last = progress.at(-1);
    assert.ok(last?.type === 'progress' && last.layers.every((l) => l.state === 'done'));

    // Layer 7 deletes the build cache that layer 6 wrote and creates /app/VERSION.
    const tree = value(await service.getLayerTree({ imageId: image.imageId, layer: 7, view: 'changes' }));
    const row = (p: string) => tree.paths.indexOf(p);
    assert.equal(tree.status[row('/tmp/build-cache.bin')], 'D');
    assert.equal(tree.layers[row('/tmp/build-cache.bin')], 6);
    assert.equal(tree.status[row('/app/VERSION')], 'A');

    const details = value(await service.getPathDetails({ imageId: image.imageId, layer: 7, path: '/tmp/build-cache.bin' }));
    assert.deepEqual(
      details.history.map((h) => [h.layer, h.kind]),
      [
        [6, 'created'],
        [7, 'deleted'],
      ],
    );

    const bloat = value(await service.getBloat({ imageId: image.imageId }));
    const cacheItem = bloat.wasted.find((w) => w.path === '/tmp/build-cache.bin');
    assert.ok(cacheItem, 'the deleted build cache is wasted');
    assert.equal(cacheItem.written.layer, 6);
    assert.equal(cacheItem.lost.layer, 7);
    assert.equal(cacheItem.size, details.history[0].entry.size);
    assert.equal(readdirSync(path.join(cacheDir, 'bloat')).filter((f) => f.endsWith('.bloat.json')).length, 1);
    assert.deepEqual(value(await service.getBloat({ imageId: image.imageId })), bloat);

    const recent = value(await service.listRecent({}));
    assert.deepEqual(recent[0]?.source, { kind: 'sample' });
  });

  it('answers bad input as error values: unknown ids, layers out of range, schema violations, bad registry names', async () => {
    const unknown = await service.getLayerTree({ imageId: 'no-such-image', layer: 0, view: 'changes' });
    assert.equal(!unknown.ok && unknown.error.code, 'not-found');

    const opened = value(await service.openSource({ source: { kind: 'sample' } }));
    const image = value(await service.analyzeImage({ sourceId: opened.sourceId, image: opened.images[0].id, jobId: 'job-2' }));
    const range = await service.getLayerTree({ imageId: image.imageId, layer: 8, view: 'merged' });
    assert.equal(!range.ok && range.error.code, 'usage');
    assert.match(!range.ok ? range.error.message : '', /8 layers/);

    const invalid = await (service.getLayerTree as (input: unknown) => Promise<ApiResult<unknown>>)({ imageId: image.imageId, layer: -1, view: 'changes' });
    assert.equal(!invalid.ok && invalid.error.code, 'usage');

    const host = await service.saveCredentials({ registry: 'not a host/../x', username: 'u', password: 'p' });
    assert.equal(!host.ok && host.error.code, 'usage');

    value(await service.closeSource({ sourceId: opened.sourceId }));
    const closed = await service.analyzeImage({ sourceId: opened.sourceId, image: opened.images[0].id, jobId: 'job-3' });
    assert.equal(!closed.ok && closed.error.code, 'not-found');
  });
});
