import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256, writeDockerOciArchive, writeLegacyDockerArchive, writeTarArchive, type FixtureImage, type PreparedImage } from '../test-support/image-fixtures';
import { dir, file, makeLayerTar, whiteout } from '../test-support/layer-tar';
import { openDockerArchive } from './docker-archive';
import { describeStoreConformance, verifyImage } from './store-conformance';
import { rejectsWith } from '../test-support/strata-error-assertions';

let tmp: string;
let layers: Buffer[];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-docker-archive-'));
  layers = [
    await makeLayerTar([dir('bin'), file('bin/sh', '#!/bin/true\n', { mode: 0o755 }), dir('etc'), file('etc/os-release', 'ID=fixture\n')]),
    await makeLayerTar([dir('app'), file('app/main.js', 'console.log(1)\n')]),
    await makeLayerTar([whiteout('/etc/os-release'), file('etc/motd', 'hello\n')]),
  ];
});
after(() => rm(tmp, { recursive: true, force: true }));

function spec(extra: Partial<FixtureImage> = {}): FixtureImage {
  return {
    layers,
    tags: ['fixture/app:1.0', 'fixture/app:latest'],
    history: [
      { createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
      { createdBy: '/bin/sh -c #(nop)  ENV A=1', emptyLayer: true },
      { createdBy: 'COPY app /app' },
      { createdBy: 'LABEL x=y', emptyLayer: true },
      { createdBy: 'RUN rm /etc/os-release' },
      { createdBy: 'CMD ["sh"]', emptyLayer: true },
    ],
    ...extra,
  };
}

function expected(image: PreparedImage) {
  return {
    layerCount: 3,
    name: 'fixture/app:1.0',
    id: image.configDigest,
    platform: 'linux/amd64',
    digests: image.layers.map((l) => l.digest),
    diffIds: image.layers.map((l) => l.diffId),
    createdBy: ['/bin/sh -c #(nop) ADD file:base in /', 'COPY app /app', 'RUN rm /etc/os-release'],
    emptySteps: 3,
  };
}

describe('docker-archive fixtures', () => {
  const cases: [string, string, (dest: string, specs: readonly FixtureImage[]) => Promise<{ path: string; images: readonly PreparedImage[] }>, FixtureImage['compression']][] = [
    ['legacy docker save, plain layers', 'legacy.tar', writeLegacyDockerArchive, 'none'],
    ['legacy docker save, gzip/zstd/plain layers', 'legacy-gz.tar', writeLegacyDockerArchive, ['gzip', 'zstd', 'none']],
    ['Docker 25 OCI-style docker save, plain/gzip/zstd layers', 'docker25.tar', writeDockerOciArchive, ['none', 'gzip', 'zstd']],
  ];
  for (const [title, name, write, compression] of cases) {
    describeStoreConformance(title, async () => {
      const { path: p, images } = await write(path.join(tmp, name), [spec({ compression })]);
      return { open: () => openDockerArchive(p), expected: expected(images[0]) };
    });
  }

  it('lists every image of a multi-image archive and opens any by tag or id', async () => {
    const second: FixtureImage = { layers: [layers[0], layers[1]], tags: ['other:2'], platform: { os: 'linux', architecture: 'arm64' } };
    const untagged: FixtureImage = { layers: [layers[0]] };
    const { path: p, images } = await writeDockerOciArchive(path.join(tmp, 'multi.tar'), [spec(), second, untagged]);
    const store = await openDockerArchive(p);
    assert.deepEqual(await store.list(), [
      { name: 'fixture/app:1.0', id: images[0].configDigest, platform: 'linux/amd64' },
      { name: 'other:2', id: images[1].configDigest, platform: 'linux/arm64' },
      { name: images[2].configDigest, id: images[2].configDigest, platform: 'linux/amd64' },
    ]);
    const byTag = await store.openImage({ image: 'other:2' });
    assert.equal(byTag.descriptor.layers.length, 2);
    assert.equal(byTag.descriptor.platform, 'linux/arm64');
    await verifyImage(byTag);
    const bySecondTag = await store.openImage({ image: 'fixture/app:latest' });
    assert.equal(bySecondTag.descriptor.id, images[0].configDigest);
    const byShortId = await store.openImage({ image: images[2].configDigest.slice(7, 19) });
    assert.equal(byShortId.descriptor.layers.length, 1);
    await rejectsWith(store.openImage({ image: 'nope:1' }), 'not-found', p, 'nope:1');
  });

  it('follows member symlinks inside the archive (skopeo and old docker share layer.tar that way)', async () => {
    const image = (await writeLegacyDockerArchive(path.join(tmp, 'for-links.tar'), [spec()])).images[0];
    const p = await writeTarArchive(path.join(tmp, 'symlinked.tar'), [
      { name: 'blobs/one.tar', data: image.layers[0].data },
      { name: 'abc/layer.tar', type: 'symlink', linkname: '../blobs/one.tar' },
      { name: 'config.json', data: JSON.stringify({ ...JSON.parse(image.config.toString()), rootfs: { type: 'layers', diff_ids: [image.layers[0].diffId] }, history: [] }) },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'config.json', RepoTags: ['s:1'], Layers: ['abc/layer.tar'] }]) },
    ]);
    const img = await (await openDockerArchive(p)).openImage();
    assert.equal(img.descriptor.layers[0].digest, image.layers[0].diffId, 'a plain legacy layer is named by its diff_id');
    await verifyImage(img);
  });
});

describe('docker-archive bad input', () => {
  async function archive(name: string, manifest: unknown, extra: { name: string; data?: string | Buffer; type?: 'symlink' | 'file'; linkname?: string }[] = []): Promise<string> {
    const config = JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(layers[0])] } });
    return writeTarArchive(path.join(tmp, name), [
      { name: 'config.json', data: config },
      { name: 'l0/layer.tar', data: layers[0] },
      ...extra,
      { name: 'manifest.json', data: typeof manifest === 'string' ? manifest : JSON.stringify(manifest) },
    ]);
  }

  it('rejects malformed manifest.json with the file and entry named', async () => {
    const p = await archive('bad-json.tar', '[{"Config": "config.json",');
    await rejectsWith(openDockerArchive(p), 'malformed', p, 'manifest.json', 'not valid JSON');
    const q = await archive('bad-shape.tar', [{ Config: 7, Layers: [] }]);
    await rejectsWith(openDockerArchive(q), 'malformed', q, 'manifest.json', 'Config');
  });

  it('names the missing layer member', async () => {
    const p = await archive('missing.tar', [{ Config: 'config.json', Layers: ['gone/layer.tar'] }]);
    const store = await openDockerArchive(p);
    await rejectsWith(store.openImage(), 'not-found', p, 'gone/layer.tar');
  });

  it('refuses manifest.json paths outside the archive: .., absolute, NUL, links leaving it', async () => {
    for (const [i, bad] of ['../etc/passwd', '/etc/passwd', 'l0/../../x', 'l0/layer.tar\0x'].entries()) {
      const p = await archive(`outside-${i}.tar`, [{ Config: 'config.json', Layers: [bad] }]);
      await rejectsWith(openDockerArchive(p), 'unsafe-path', p, 'Layers[0]');
    }
    const p = await archive('config-outside.tar', [{ Config: '../config.json', Layers: ['l0/layer.tar'] }]);
    await rejectsWith(openDockerArchive(p), 'unsafe-path', p, 'Config');
    const q = await archive('link-outside.tar', [{ Config: 'config.json', Layers: ['evil/layer.tar'] }], [
      { name: 'evil/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' },
    ]);
    await rejectsWith((await openDockerArchive(q)).openImage(), 'unsafe-path', q, 'evil/layer.tar');
  });

  it('refuses a manifest.json over 4 MiB', async () => {
    const big = JSON.stringify([{ Config: 'config.json', Layers: ['l0/layer.tar'], Pad: 'x'.repeat(4 * 1024 * 1024) }]);
    const p = await archive('oversize.tar', big);
    await rejectsWith(openDockerArchive(p), 'too-large', p, 'manifest.json');
  });

  it('refuses a diff_ids count that does not match the layers', async () => {
    const p = await archive('count.tar', [{ Config: 'config.json', Layers: ['l0/layer.tar', 'l0/layer.tar'] }]);
    await rejectsWith((await openDockerArchive(p)).openImage(), 'malformed', p, 'diff_ids');
  });

  it('detects a corrupted blob when the conformance check reads it', async () => {
    const { path: p, images } = await writeDockerOciArchive(path.join(tmp, 'corrupt.tar'), [spec()]);
    const bytes = await readFile(p);
    const layer = images[0].layers[1].data;
    const at = bytes.indexOf(layer);
    assert.ok(at > 0);
    bytes[at + 600] ^= 0xff; // inside the tar body of app/main.js's header block: same size, other bytes
    const q = path.join(tmp, 'corrupt-2.tar');
    await writeFile(q, bytes);
    const image = await (await openDockerArchive(q)).openImage();
    await rejectsWith(verifyImage(image), 'digest-mismatch', q, `blobs/sha256/${images[0].layers[1].digest.slice(7)}`);
  });

  it('refuses a config whose blob name does not match its content', async () => {
    const wrong = `blobs/sha256/${'0'.repeat(64)}`;
    const config = JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(layers[0])] } });
    const p = await writeTarArchive(path.join(tmp, 'config-mismatch.tar'), [
      { name: wrong, data: config },
      { name: 'l0/layer.tar', data: layers[0] },
      { name: 'manifest.json', data: JSON.stringify([{ Config: wrong, Layers: ['l0/layer.tar'] }]) },
    ]);
    await rejectsWith(openDockerArchive(p), 'digest-mismatch', p, wrong);
  });

  it('refuses a truncated archive', async () => {
    const { path: p } = await writeLegacyDockerArchive(path.join(tmp, 'whole.tar'), [spec()]);
    const bytes = await readFile(p);
    const q = path.join(tmp, 'truncated.tar');
    await writeFile(q, bytes.subarray(0, 3000));
    await rejectsWith(openDockerArchive(q), 'malformed', q);
  });
});
