import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { sha256, writeLooseLayers } from '../test-support/image-fixtures';
import { dir, file, makeLayerTar, whiteout } from '../test-support/layer-tar';
import { openLayerTarballs } from './layer-tarballs';
import { describeStoreConformance } from './store-conformance';

let tmp: string;
let layers: Buffer[];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-loose-'));
  layers = [
    await makeLayerTar([dir('opt'), file('opt/a', 'a')]),
    await makeLayerTar([file('opt/b', 'b')]),
    await makeLayerTar([whiteout('/opt/a')]),
    await makeLayerTar([file('opt/c', 'c')]),
    await makeLayerTar([file('opt/d', 'd')]),
  ];
});
after(() => rm(tmp, { recursive: true, force: true }));

describeStoreConformance('loose layer tarballs: plain, gzip, zstd, xz, bzip2', async () => {
  const { paths, image } = await writeLooseLayers(path.join(tmp, 'all'), { layers, compression: ['none', 'gzip', 'zstd', 'xz', 'bzip2'] });
  return {
    open: async () => openLayerTarballs(paths),
    expected: {
      layerCount: 5,
      name: 'layer-0.tar + 4 more layers',
      id: '',
      platform: '',
      digests: image.layers.map((l) => l.digest),
      diffIds: [image.layers[0].diffId, '', '', '', ''],
      createdBy: ['', '', '', '', ''],
      emptySteps: 0,
    },
  };
});

describe('loose layer tarballs', () => {
  it('guesses media types by magic bytes, not names, and hashes each file', async () => {
    const { paths, image } = await writeLooseLayers(path.join(tmp, 'types'), { layers, compression: ['none', 'gzip', 'zstd', 'xz', 'bzip2'] });
    // Misleading names: the gzip layer is called `.tar` and the plain one `.tar.gz`; only the bytes count.
    const renamed = [path.join(tmp, 'types', 'plain.tar.gz'), path.join(tmp, 'types', 'gzip.tar'), ...paths.slice(2)];
    await rename(paths[0], renamed[0]);
    await rename(paths[1], renamed[1]);
    const { descriptor } = await openLayerTarballs(renamed).openImage();
    assert.deepEqual(descriptor.layers.map((l) => l.mediaType), [
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/x-xz',
      'application/x-bzip2',
    ]);
    assert.deepEqual(descriptor.layers.map((l) => l.size), image.layers.map((l) => l.data.length));
  });

  it('remembers a file digest only while the file is unchanged', async () => {
    const p = path.join(tmp, 'changing.tar');
    await writeFile(p, layers[0]);
    const first = (await openLayerTarballs([p]).openImage()).descriptor.layers[0].digest;
    assert.equal(first, sha256(layers[0]));
    const replaced = Buffer.from(layers[0]);
    replaced[600] ^= 0xff; // same size, other bytes
    await writeFile(p, replaced);
    await utimes(p, new Date(1_800_000_000_000), new Date(1_800_000_000_000));
    const second = (await openLayerTarballs([p]).openImage()).descriptor.layers[0].digest;
    assert.equal(second, sha256(replaced));
  });

  it('names a missing layer file and refuses to open another image name', async () => {
    const store = openLayerTarballs([path.join(tmp, 'nope.tar')]);
    await assert.rejects(store.openImage(), (e: unknown) => isStrataError(e) && e.code === 'not-found' && e.message.includes('nope.tar'));
    await assert.rejects(store.openImage({ image: 'other' }), (e: unknown) => isStrataError(e) && e.code === 'not-found');
    assert.throws(() => openLayerTarballs([]), (e: unknown) => isStrataError(e) && e.code === 'usage');
  });
});
