import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sha256, writeMultiPlatformOciLayout, writeOciArchive, writeOciLayout, type FixtureImage, type PreparedImage } from '../test-support/image-fixtures';
import { dir, file, makeLayerTar, opaque } from '../test-support/layer-tar';
import { openLocalStore } from './detect';
import { hostPlatform } from './image-config';
import { openOciArchive, openOciLayout } from './oci-layout';
import { describeStoreConformance, verifyImage } from './store-conformance';
import { rejectsWith } from '../test-support/strata-error-assertions';

const run = promisify(execFile);
let tmp: string;
let layers: Buffer[];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-oci-'));
  layers = [
    await makeLayerTar([dir('usr'), dir('usr/bin'), file('usr/bin/tool', 'v1')]),
    await makeLayerTar([opaque('/usr/bin'), file('usr/bin/tool', 'v2')]),
  ];
});
after(() => rm(tmp, { recursive: true, force: true }));

function spec(extra: Partial<FixtureImage> = {}): FixtureImage {
  return {
    layers,
    compression: ['gzip', 'zstd'],
    tags: ['example.com/tool:2.0'],
    history: [{ createdBy: 'ADD rootfs /' }, { createdBy: 'ENV X=1', emptyLayer: true }, { createdBy: 'RUN update tool' }],
    ...extra,
  };
}

function expected(image: PreparedImage) {
  return {
    layerCount: 2,
    name: 'example.com/tool:2.0',
    id: image.configDigest,
    platform: image.platform,
    digests: image.layers.map((l) => l.digest),
    diffIds: image.layers.map((l) => l.diffId),
    createdBy: ['ADD rootfs /', 'RUN update tool'],
    emptySteps: 1,
  };
}

const platforms: FixtureImage[] = [
  { layers: [Buffer.alloc(0)], platform: { os: 'linux', architecture: 'amd64' } },
  { layers: [Buffer.alloc(0)], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  { layers: [Buffer.alloc(0)], platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
];

describeStoreConformance('OCI layout directory (gzip + zstd layers)', async () => {
  const { path: p, images } = await writeOciLayout(path.join(tmp, 'layout'), [spec()]);
  return { open: () => openOciLayout(p), expected: expected(images[0]) };
});

describeStoreConformance('OCI archive (plain layers)', async () => {
  const { path: p, images } = await writeOciArchive(path.join(tmp, 'layout.tar'), [spec({ compression: 'none' })]);
  return { open: () => openOciArchive(p), expected: expected(images[0]) };
});

describeStoreConformance('multi-platform OCI layout, linux/arm64 chosen', async () => {
  const specs = platforms.map((p, i): FixtureImage => ({ ...p, layers: [layers[0], layers[1]], compression: i === 1 ? 'zstd' : 'gzip' }));
  const { path: p, images } = await writeMultiPlatformOciLayout(path.join(tmp, 'multi-conf'), 'example.com/multi:1', specs);
  return {
    open: () => openOciLayout(p),
    options: { platform: 'linux/arm64' },
    expected: { layerCount: 2, name: 'example.com/multi:1', platform: 'linux/arm64/v8', id: images[1].configDigest, digests: images[1].layers.map((l) => l.digest) },
  };
});

describe('OCI layouts: platforms and names', () => {
  it('lists one choice per platform of a nested index, skips attestations, picks host or requested', async () => {
    const base = await makeLayerTar([file('x', '1')]);
    const specs = platforms.map((p) => ({ ...p, layers: [base] }));
    const { path: p, images } = await writeMultiPlatformOciLayout(path.join(tmp, 'multi'), 'example.com/multi:1', specs);
    const store = await openOciLayout(p);
    assert.deepEqual(await store.list(), [
      { name: 'example.com/multi:1', id: images[0].configDigest, platform: 'linux/amd64' },
      { name: 'example.com/multi:1', id: images[1].configDigest, platform: 'linux/arm64/v8' },
      { name: 'example.com/multi:1', id: images[2].configDigest, platform: 'linux/arm/v7' },
    ]);
    const host = hostPlatform();
    const byDefault = await store.openImage();
    const hostIndex = images.findIndex((i) => i.platform.split('/').slice(0, 2).join('/') === host.split('/').slice(0, 2).join('/'));
    assert.equal(byDefault.descriptor.id, images[hostIndex === -1 ? 0 : hostIndex].configDigest, `default for host ${host}`);
    assert.equal((await store.openImage({ platform: 'linux/arm/v7' })).descriptor.platform, 'linux/arm/v7');
    assert.equal((await store.openImage({ platform: 'linux/arm64' })).descriptor.id, images[1].configDigest, 'variant may be omitted');
    await rejectsWith(store.openImage({ platform: 'windows/amd64' }), 'not-found', 'windows/amd64', 'linux/arm/v7');
  });

  it('lists several tagged images of one layout and opens each by name or digest', async () => {
    const other = spec({ tags: ['example.com/other:1'], layers: [layers[0]], history: undefined });
    const { path: p, images } = await writeOciLayout(path.join(tmp, 'two'), [spec(), other]);
    const store = await openOciLayout(p);
    assert.deepEqual((await store.list()).map((c) => c.name), ['example.com/tool:2.0', 'example.com/other:1']);
    assert.equal((await store.openImage({ image: 'example.com/other:1' })).descriptor.layers.length, 1);
    assert.equal((await store.openImage({ image: images[1].manifestDigest })).descriptor.id, images[1].configDigest);
    await rejectsWith(store.openImage({ image: 'missing:1' }), 'not-found', 'missing:1');
  });
});

describe('OCI layout bad input', () => {
  async function layoutWithIndex(name: string, index: unknown): Promise<string> {
    const { path: p } = await writeOciLayout(path.join(tmp, name), [spec()]);
    await writeFile(path.join(p, 'index.json'), typeof index === 'string' ? index : JSON.stringify(index));
    return p;
  }

  it('rejects malformed or oversize index.json, naming it', async () => {
    const p = await layoutWithIndex('bad-index', '{"manifests": [');
    await rejectsWith(openOciLayout(p).then((s) => s.list()), 'malformed', p, 'index.json');
    const q = await layoutWithIndex('big-index', { manifests: [], pad: 'x'.repeat(4 * 1024 * 1024 + 1) });
    await rejectsWith(openOciLayout(q).then((s) => s.list()), 'too-large', q, 'index.json');
  });

  it('refuses digests that are not sha256/sha512 hex before using them as paths', async () => {
    const p = await layoutWithIndex('bad-digest', { manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:../../../etc/passwd', size: 1 }] });
    await rejectsWith(openOciLayout(p).then((s) => s.list()), 'unsafe-path', p, 'sha256:../../../etc/passwd');
    const q = await layoutWithIndex('short-digest', { manifests: [{ digest: 'sha256:abc', size: 1 }] });
    await rejectsWith(openOciLayout(q).then((s) => s.list()), 'malformed', q, 'invalid digest');
  });

  it('names a missing layer blob', async () => {
    const { path: p, images } = await writeOciLayout(path.join(tmp, 'missing-blob'), [spec()]);
    await unlink(path.join(p, 'blobs', 'sha256', images[0].layers[1].digest.slice(7)));
    await rejectsWith((await openOciLayout(p)).openImage(), 'not-found', p, images[0].layers[1].digest.slice(7));
  });

  it('refuses a blob symlinked outside the layout', async () => {
    const { path: p, images } = await writeOciLayout(path.join(tmp, 'symlinked-blob'), [spec()]);
    const blob = path.join(p, 'blobs', 'sha256', images[0].layers[0].digest.slice(7));
    const outside = path.join(tmp, 'outside-blob');
    await writeFile(outside, await readFile(blob));
    await unlink(blob);
    await symlink(outside, blob);
    await rejectsWith((await openOciLayout(p)).openImage(), 'unsafe-path', p, 'outside the directory');
  });

  it('detects a manifest whose bytes do not match its digest, and a layer of the wrong size', async () => {
    const { path: p, images } = await writeOciLayout(path.join(tmp, 'tampered'), [spec()]);
    const manifestFile = path.join(p, 'blobs', 'sha256', images[0].manifestDigest.slice(7));
    await writeFile(manifestFile, (await readFile(manifestFile)).toString().replace('"schemaVersion":2', '"schemaVersion":3'));
    await rejectsWith(openOciLayout(p).then((s) => s.list()), 'digest-mismatch', p, images[0].manifestDigest.slice(7));

    const { path: q, images: qi } = await writeOciLayout(path.join(tmp, 'resized'), [spec()]);
    const layerFile = path.join(q, 'blobs', 'sha256', qi[0].layers[0].digest.slice(7));
    await writeFile(layerFile, Buffer.concat([await readFile(layerFile), Buffer.from('extra')]));
    await rejectsWith((await openOciLayout(q)).openImage(), 'digest-mismatch', q, 'the manifest says');
  });

  it('detects layer bytes that do not match the digest when the conformance check reads them', async () => {
    const { path: p, images } = await writeOciArchive(path.join(tmp, 'flipped.tar'), [spec({ compression: 'none' })]);
    const bytes = await readFile(p);
    const at = bytes.indexOf(images[0].layers[0].data);
    bytes[at + 1030] ^= 0x01;
    await writeFile(p, bytes);
    await rejectsWith(verifyImage(await (await openOciArchive(p)).openImage()), 'digest-mismatch', p, images[0].layers[0].digest.slice(7));
  });
});

describe('OCI layout interoperability with skopeo and umoci', () => {
  const haveSkopeo = existsSync('/usr/bin/skopeo');
  const haveUmoci = existsSync('/usr/bin/umoci');

  it('skopeo converts our OCI layout to a docker-archive we read back with the same diff ids', async (t) => {
    if (!haveSkopeo) {
      console.log('# skipped: skopeo is not installed (apt-get install skopeo)');
      return t.skip('skopeo is not installed');
    }
    const { path: p, images } = await writeOciLayout(path.join(tmp, 'for-skopeo'), [spec({ compression: ['gzip', 'none'] })]);
    const out = path.join(tmp, 'skopeo-out.tar');
    await run('skopeo', ['--insecure-policy', 'copy', '-q', `oci:${p}:2.0`, `docker-archive:${out}:example.com/tool:2.0`]);
    const store = await openLocalStore(out);
    assert.equal(store.kind, 'docker-archive');
    const image = await store.openImage();
    assert.deepEqual(image.descriptor.layers.map((l) => l.diffId), images[0].layers.map((l) => l.diffId));
    assert.deepEqual(image.descriptor.layers.map((l) => l.step.createdBy), ['ADD rootfs /', 'RUN update tool']);
    await verifyImage(image);

    // And back: skopeo reads the docker-archive it wrote into a fresh OCI layout that we read too.
    const back = path.join(tmp, 'skopeo-back');
    await run('skopeo', ['--insecure-policy', 'copy', '-q', `docker-archive:${out}`, `oci:${back}:again`]);
    const again = await (await openLocalStore(back)).openImage();
    assert.deepEqual(again.descriptor.layers.map((l) => l.diffId), images[0].layers.map((l) => l.diffId));
    await verifyImage(again);
  });

  it('umoci lists and unpacks our OCI layout (it verifies every blob digest)', async (t) => {
    if (!haveUmoci) {
      console.log('# skipped: umoci is not installed (apt-get install umoci)');
      return t.skip('umoci is not installed');
    }
    const { path: p } = await writeOciLayout(path.join(tmp, 'for-umoci'), [spec({ compression: 'gzip' })]);
    const { stdout } = await run('umoci', ['ls', '--layout', p]);
    assert.equal(stdout.trim(), '2.0');
    const bundle = path.join(tmp, 'umoci-bundle');
    await run('umoci', ['unpack', '--rootless', '--image', `${p}:2.0`, bundle]);
    assert.equal(await readFile(path.join(bundle, 'rootfs', 'usr', 'bin', 'tool'), 'utf8'), 'v2');
    assert.equal(sha256(layers[0]), (await (await openOciLayout(p)).openImage()).descriptor.layers[0].diffId);
  });
});
