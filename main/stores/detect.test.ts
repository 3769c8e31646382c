import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SourceKind } from '../../shared/model';
import {
  writeDockerOciArchive,
  writeLegacyDockerArchive,
  writeLooseLayers,
  writeMultiPlatformOciLayout,
  writeOciArchive,
  writeOciLayout,
  writeRegistryV1,
  type FixtureImage,
} from '../test-support/image-fixtures';
import { compressBuffer, dir, file, makeLayerTar } from '../test-support/layer-tar';
import { openLocalStore } from './detect';
import { verifyImage } from './store-conformance';
import { rejectsWith } from '../test-support/strata-error-assertions';

let tmp: string;
let image: FixtureImage;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-detect-'));
  image = { layers: [await makeLayerTar([dir('bin'), file('bin/true', 'x')]), await makeLayerTar([file('etc/a', 'a')])], tags: ['d:1'] };
});
after(() => rm(tmp, { recursive: true, force: true }));

async function kindOf(p: string): Promise<{ kind: SourceKind; layers: number }> {
  const store = await openLocalStore(p);
  const opened = await store.openImage();
  await store.close();
  return { kind: store.kind, layers: opened.layers.length };
}

describe('openLocalStore sniffs the format', () => {
  it('tells every generated format apart by content', async () => {
    const cases: [string, SourceKind, number][] = [
      [(await writeLegacyDockerArchive(path.join(tmp, 'legacy.tar'), [image])).path, 'docker-archive', 2],
      [(await writeDockerOciArchive(path.join(tmp, 'docker25.tar'), [image])).path, 'docker-archive', 2],
      [(await writeOciArchive(path.join(tmp, 'oci.tar'), [image])).path, 'oci-archive', 2],
      [(await writeOciLayout(path.join(tmp, 'oci-dir'), [image])).path, 'oci-layout', 2],
      [(await writeMultiPlatformOciLayout(path.join(tmp, 'multi-dir'), 'm:1', [image])).path, 'oci-layout', 2],
      [(await writeRegistryV1(path.join(tmp, 'v1'), [image])).path, 'registry-v1', 2],
    ];
    const { paths } = await writeLooseLayers(path.join(tmp, 'loose'), { layers: image.layers, compression: ['none', 'zstd'] });
    cases.push([paths[0], 'layer-tarballs', 1], [paths[1], 'layer-tarballs', 1]);
    for (const [p, kind, layers] of cases) assert.deepEqual(await kindOf(p), { kind, layers }, p);
  });

  it('treats a damaged plain tar whose first member is a filesystem path as a layer (the indexer reports it by entry)', async () => {
    const tar = await makeLayerTar([file('usr/big', 'x'.repeat(5000)), file('usr/next', 'y')]);
    const p = path.join(tmp, 'damaged-layer.tar');
    await writeFile(p, tar.subarray(0, 3000));
    assert.deepEqual(await kindOf(p), { kind: 'layer-tarballs', layers: 1 });
  });

  it('refuses a compressed image archive with a clear reason, for gzip, zstd and xz', async () => {
    const { path: legacy } = await writeLegacyDockerArchive(path.join(tmp, 'to-compress.tar'), [image]);
    const { path: oci } = await writeOciArchive(path.join(tmp, 'to-compress-oci.tar'), [image]);
    for (const [source, format] of [
      [legacy, 'gzip'],
      [legacy, 'zstd'],
      [oci, 'xz'],
    ] as const) {
      const p = `${source}.${format}`;
      await writeFile(p, await compressBuffer(await readFile(source), format));
      await rejectsWith(openLocalStore(p), 'unknown-format', p, `${format}-compressed image archive`, 'decompress it first');
    }
  });

  it('names the file it cannot use: missing, unknown bytes, empty, a directory of something else', async () => {
    await rejectsWith(openLocalStore(path.join(tmp, 'absent')), 'not-found', 'absent');
    const junk = path.join(tmp, 'junk.bin');
    await writeFile(junk, Buffer.from('PK\u0003\u0004 this is a zip, not a tar'.repeat(40)));
    await rejectsWith(openLocalStore(junk), 'unknown-format', junk);
    const empty = path.join(tmp, 'empty.tar');
    await writeFile(empty, '');
    await rejectsWith(openLocalStore(empty), 'unknown-format', empty);
    const other = path.join(tmp, 'other-dir');
    await mkdir(path.join(other, 'images'), { recursive: true });
    await rejectsWith(openLocalStore(other), 'unknown-format', other);
  });
});

describe('corpus: real images from wagoodman/dive', () => {
  const corpus = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'dive-images');
  // What each archive is (checked with `tar -tf` and its manifest/config): kind, layers, platform,
  // first layer's media type, and the created_by of the top layer.
  const expected: [string, SourceKind, number, string, string, string][] = [
    ['test-docker-image.tar', 'docker-archive', 14, 'linux/amd64', 'application/vnd.oci.image.layer.v1.tar', '/bin/sh -c chmod +x /root/saved.txt'],
    ['test-kaniko-image.tar', 'docker-archive', 14, 'linux/amd64', 'application/vnd.oci.image.layer.v1.tar+gzip', 'RUN chmod +x /root/saved.txt'],
    ['test-oci-uncompressed-image.tar', 'oci-archive', 1, 'linux/arm64', 'application/vnd.oci.image.layer.v1.tar', 'COPY README.md /README.md # buildkit'],
    ['test-oci-gzip-image.tar', 'oci-archive', 1, 'linux/arm64', 'application/vnd.oci.image.layer.v1.tar+gzip', 'COPY README.md /README.md # buildkit'],
    ['test-oci-zstd-image.tar', 'oci-archive', 1, 'linux/arm64', 'application/vnd.oci.image.layer.v1.tar+zstd', 'COPY README.md /README.md # buildkit'],
    ['test-oci-estargz-image.tar', 'oci-archive', 1, 'linux/arm64', 'application/vnd.oci.image.layer.v1.tar+gzip', 'COPY README.md /README.md # buildkit'],
  ];
  for (const [name, kind, layers, platform, mediaType, topStep] of expected) {
    it(`${name}: ${kind}, ${layers} layers, digests and diff ids verified`, async (t) => {
      const p = path.join(corpus, name);
      if (!existsSync(p)) {
        console.log(`# skipped: ${p} is absent (the shared corpus is not here)`);
        return t.skip(`${p} is absent`);
      }
      const store = await openLocalStore(p);
      assert.equal(store.kind, kind);
      const opened = await store.openImage();
      const d = opened.descriptor;
      assert.equal(d.layers.length, layers);
      assert.equal(d.platform, platform);
      assert.equal(d.layers[0].mediaType, mediaType);
      assert.equal(d.layers[d.layers.length - 1].step.createdBy, topStep);
      assert.ok(d.layers.every((l) => /^sha256:[a-f0-9]{64}$/.test(l.digest) && /^sha256:[a-f0-9]{64}$/.test(l.diffId)));
      await verifyImage(opened);
    });
  }

  it('the kaniko archive attaches its empty CMD step before the second layer', async (t) => {
    const p = path.join(corpus, 'test-kaniko-image.tar');
    if (!existsSync(p)) {
      console.log(`# skipped: ${p} is absent (the shared corpus is not here)`);
      return t.skip(`${p} is absent`);
    }
    const { descriptor } = await (await openLocalStore(p)).openImage();
    assert.deepEqual(descriptor.layers[1].emptyStepsBefore.map((s) => s.createdBy), ['/bin/sh -c #(nop)  CMD ["sh"]']);
    assert.equal(descriptor.layers[1].step.createdBy, 'ADD README.md /somefile.txt');
    assert.equal(descriptor.name, 'dive-test:kaniko-latest');
  });
});
