import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LayerDiff, LayerIndex } from '../../shared/model';
import { diffLayers } from '../layers/layer-diff';
import { indexLayerFile } from '../layers/layer-indexer';
import { openLocalStore } from '../stores/detect';
import { verifyImage } from '../stores/store-conformance';
import type { Image } from '../stores/types';
import { makeSampleImage } from './make-sample-image';

let tmp: string;
let samplePath: string;
let image: Image;
let indexes: LayerIndex[];
let diffs: LayerDiff[];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-sample-'));
  samplePath = (await makeSampleImage(path.join(tmp, 'a', 'strata-sample.tar'))).path;
  const store = await openLocalStore(samplePath);
  assert.equal(store.kind, 'docker-archive');
  image = await store.openImage();
  indexes = await Promise.all(
    image.layers.map((l) => indexLayerFile(l.file!, { name: l.name, expectedDigest: l.descriptor.digest, expectedDiffId: l.descriptor.diffId })),
  );
  diffs = diffLayers(indexes);
});
after(() => rm(tmp, { recursive: true, force: true }));

const paths = (entries: readonly { path: string }[]) => entries.map((e) => e.path).sort();

describe('the sample image', () => {
  it('is the same bytes on every run', async () => {
    const again = (await makeSampleImage(path.join(tmp, 'b', 'strata-sample.tar'))).path;
    const digest = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
    assert.equal(await digest(again), await digest(samplePath));
  });

  it('is a tagged docker save of 8 layers with build history, passing store conformance', async () => {
    const d = image.descriptor;
    assert.equal(d.name, 'strata/sample:1.0');
    assert.equal(d.layers.length, 8);
    assert.deepEqual(d.layers[1].emptyStepsBefore.map((s) => s.createdBy.replace(/^\/bin\/sh -c #\(nop\)\s+/, '').split(' ')[0]), ['ENV', 'LABEL', 'WORKDIR']);
    assert.deepEqual(d.emptyStepsAfter.map((s) => s.createdBy.split(' ')[0]), ['EXPOSE', 'CMD']);
    assert.ok(d.layers.every((l) => l.step.createdBy !== ''));
    assert.deepEqual(new Set(d.layers.map((l) => l.mediaType.split('.').pop())), new Set(['tar', 'tar+gzip', 'tar+zstd']));
    await verifyImage(image);
  });

  it('shows each kind of change, layer by layer, through the real indexer and diff', () => {
    const base = indexes[0].entries;
    assert.equal(base.find((e) => e.path === '/bin/sh')?.type, 'symlink');
    const ls = base.find((e) => e.path === '/bin/ls');
    assert.deepEqual([ls?.type, ls?.linkname], ['hardlink', '/bin/busybox']);
    assert.ok(paths(diffs[1].created).includes('/app/lib/util.js'), 'layer 1 creates the app');
    assert.deepEqual(diffs[2].changed.map((c) => [c.path, c.what.includes('content')]), [['/etc/app.conf', true]]);
    assert.deepEqual(diffs[3].changed.map((c) => [c.path, c.what]), [['/app/server.js', ['mode']]]);
    assert.deepEqual(paths(diffs[4].deleted), ['/usr/share/doc/README', '/usr/share/misc/legacy', '/usr/share/misc/legacy/notes.txt', '/usr/share/misc/legacy/old-tool.txt']);
    assert.deepEqual(paths(diffs[5].deleted), ['/var/cache/apk/APKINDEX.old', '/var/cache/apk/stale.pkg']);
    assert.deepEqual(paths(diffs[5].created), ['/var/cache/apk/APKINDEX']);
    const big = diffs[6].created.find((e) => e.path === '/tmp/build-cache.bin');
    assert.equal(big?.size, 1536 * 1024);
    assert.deepEqual(diffs[6].changed.find((c) => c.path === '/usr/lib/libc.so.6')?.what, [], 'libc re-emitted unchanged');
    const logo = diffs[6].created.find((e) => e.path === '/app/public/logo.png');
    assert.equal(logo?.digest, indexes[1].entries.find((e) => e.path === '/app/static/logo.png')?.digest, 'a duplicate of the logo');
    assert.deepEqual(paths(diffs[7].deleted), ['/tmp/build-cache.bin']);
    assert.deepEqual(indexes.flatMap((x) => x.warnings), []);
  });
});
