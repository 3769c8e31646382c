import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryV1Ids, writeRegistryV1, type FixtureImage } from '../test-support/image-fixtures';
import { dir, file, makeLayerTar, whiteout } from '../test-support/layer-tar';
import { openRegistryV1 } from './registry-v1';
import { describeStoreConformance, verifyImage } from './store-conformance';
import { rejectsWith } from '../test-support/strata-error-assertions';

let tmp: string;
let layers: Buffer[];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-v1-'));
  layers = [
    await makeLayerTar([dir('etc'), file('etc/passwd', 'root:x:0:0\n'), file('etc/group', 'root:x:0:\n')]),
    await makeLayerTar([file('etc/passwd', 'root:x:0:0\napp:x:1:1\n')]),
    await makeLayerTar([whiteout('/etc/group')]),
  ];
});
after(() => rm(tmp, { recursive: true, force: true }));

const steps = ['/bin/sh -c #(nop) ADD file:rootfs in /', '/bin/sh -c useradd app', '/bin/sh -c rm /etc/group'];
const spec = (extra: Partial<FixtureImage> = {}): FixtureImage => ({
  layers,
  tags: ['busybox:latest', 'acme/tools:1'],
  history: steps.map((createdBy) => ({ createdBy })),
  ...extra,
});

for (const [title, ancestry, compression] of [
  ['registry v1 with ancestry files, plain layers', true, 'none'],
  ['registry v1 without ancestry files (parent chain), xz layers', false, 'xz'],
] as const) {
  describeStoreConformance(title, async () => {
    const { path: p, images } = await writeRegistryV1(path.join(tmp, title.replace(/\W+/g, '-')), [spec({ compression })], { ancestry });
    return {
      open: () => openRegistryV1(p),
      options: { image: 'busybox:latest' },
      expected: {
        layerCount: 3,
        name: 'busybox:latest',
        id: registryV1Ids(images[0])[2],
        platform: 'linux/amd64',
        digests: images[0].layers.map((l) => l.digest),
        createdBy: ['ADD file:rootfs in /', 'useradd app', 'rm /etc/group'],
        emptySteps: 0,
      },
    };
  });
}

describe('registry v1 tags and ancestry', () => {
  it('lists tags (library namespace shortened), opens by tag or id, and keeps the ancestry base first', async () => {
    const { path: p, images } = await writeRegistryV1(path.join(tmp, 'tags'), [spec()]);
    const ids = registryV1Ids(images[0]);
    const store = await openRegistryV1(p);
    assert.deepEqual(await store.list(), [
      { name: 'acme/tools:1', id: ids[2], platform: 'linux/amd64' },
      { name: 'busybox:latest', id: ids[2], platform: 'linux/amd64' },
    ]);
    const byId = await store.openImage({ image: ids[2] });
    assert.deepEqual(byId.layers.map((l) => l.file?.path), ids.map((id) => path.join(p, 'images', id, 'layer')));
    assert.equal((await store.openImage({ image: 'library/busybox:latest' })).descriptor.name, 'busybox:latest');
    assert.equal(JSON.parse(byId.descriptor.runtimeConfig).Cmd[0], 'sh');
  });

  it('without tags, lists the images no other image has as parent (stray files ignored)', async () => {
    const { path: p, images } = await writeRegistryV1(path.join(tmp, 'untagged'), [spec({ tags: [] })]);
    const top = registryV1Ids(images[0])[2];
    await writeFile(path.join(p, 'images', '.DS_Store'), 'not an image');
    const store = await openRegistryV1(p);
    assert.deepEqual(await store.list(), [{ name: top, id: top, platform: 'linux/amd64' }]);
    await verifyImage(await store.openImage());
  });
});

describe('registry v1 bad input', () => {
  it('refuses `..` in ancestry and tag files', async () => {
    const { path: p, images } = await writeRegistryV1(path.join(tmp, 'evil-ancestry'), [spec()]);
    const ids = registryV1Ids(images[0]);
    await writeFile(path.join(p, 'images', ids[2], 'ancestry'), JSON.stringify([ids[2], '../../../etc']));
    await rejectsWith((await openRegistryV1(p)).openImage(), 'unsafe-path', p, 'ancestry');

    const { path: q } = await writeRegistryV1(path.join(tmp, 'evil-tag'), [spec()]);
    await writeFile(path.join(q, 'repositories', 'library', 'busybox', 'tag_latest'), '../../etc');
    await rejectsWith((await openRegistryV1(q)).list(), 'unsafe-path', q, 'tag_latest');
  });

  it('refuses an ancestry that does not start with the image, and a parent loop', async () => {
    const { path: p, images } = await writeRegistryV1(path.join(tmp, 'wrong-ancestry'), [spec()]);
    const ids = registryV1Ids(images[0]);
    await writeFile(path.join(p, 'images', ids[2], 'ancestry'), JSON.stringify([ids[1], ids[0]]));
    await rejectsWith((await openRegistryV1(p)).openImage(), 'malformed', p, 'ancestry');

    const { path: q, images: qi } = await writeRegistryV1(path.join(tmp, 'loop'), [spec()], { ancestry: false });
    const qids = registryV1Ids(qi[0]);
    await writeFile(path.join(q, 'images', qids[0], 'json'), JSON.stringify({ id: qids[0], parent: qids[2] }));
    await rejectsWith((await openRegistryV1(q)).openImage({ image: 'busybox:latest' }), 'malformed', q, 'loops');
  });

  it('names a missing layer file and malformed json', async () => {
    const { path: p, images } = await writeRegistryV1(path.join(tmp, 'no-layer'), [spec()]);
    const ids = registryV1Ids(images[0]);
    await unlink(path.join(p, 'images', ids[1], 'layer'));
    await rejectsWith((await openRegistryV1(p)).openImage(), 'not-found', p, `images/${ids[1]}/layer`);

    await writeFile(path.join(p, 'images', ids[2], 'json'), '{"id": ');
    await rejectsWith((await openRegistryV1(p)).list(), 'malformed', p, `images/${ids[2]}/json`);
  });
});
