import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { describeImage, hostPlatform, namesImage, parseConfig, parseIndex, parseManifest, pickPlatform, type LayerBlob } from './image-config';
import { blobPath, safeRelativePath, safeSegment } from './untrusted-paths';

const where = { file: 'img.tar', entry: 'config.json' };
const blob = (n: number): LayerBlob => ({ digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, mediaType: 'application/vnd.oci.image.layer.v1.tar', size: n });
const diffIds = (n: number) => Array.from({ length: n }, (_, i) => `sha256:${String.fromCharCode(97 + i).repeat(64)}`);
const config = (history: unknown[] | undefined, layers: number) =>
  parseConfig(Buffer.from(JSON.stringify({ os: 'linux', architecture: 'arm', variant: 'v7', created: '2024-01-01T00:00:00Z', config: { Env: ['A=1'] }, rootfs: { type: 'layers', diff_ids: diffIds(layers) }, history })), 'img.tar', 'config.json');

describe('describeImage', () => {
  it('aligns layer steps in order and attaches empty steps before the next layer or after the top', () => {
    const history = [
      { created_by: 'ENV A=1', empty_layer: true },
      { created_by: 'ADD base /', created: '2024-01-01T00:00:00Z' },
      { created_by: 'LABEL x=1', empty_layer: true },
      { created_by: 'WORKDIR /a', empty_layer: true },
      { created_by: 'RUN make', comment: 'buildkit' },
      { created_by: 'CMD ["a"]', empty_layer: true },
    ];
    const d = describeImage(config(history, 2), [blob(1), blob(2)], { name: 'x:1', id: 'sha256:c' }, where);
    assert.deepEqual(d.layers.map((l) => l.step.createdBy), ['ADD base /', 'RUN make']);
    assert.deepEqual(d.layers.map((l) => l.emptyStepsBefore.map((s) => s.createdBy)), [['ENV A=1'], ['LABEL x=1', 'WORKDIR /a']]);
    assert.deepEqual(d.emptyStepsAfter.map((s) => s.createdBy), ['CMD ["a"]']);
    assert.equal(d.layers[1].step.comment, 'buildkit');
    assert.deepEqual(d.layers.map((l) => l.diffId), diffIds(2));
    assert.equal(d.platform, 'linux/arm/v7');
    assert.equal(d.runtimeConfig, '{"Env":["A=1"]}');
  });

  it('tolerates missing history and best-effort aligns a history with too few or too many layer steps', () => {
    const none = describeImage(config(undefined, 2), [blob(1), blob(2)], { name: 'x', id: '' }, where);
    assert.deepEqual(none.layers.map((l) => l.step), [
      { createdBy: '', created: '', comment: '', emptyLayer: false },
      { createdBy: '', created: '', comment: '', emptyLayer: false },
    ]);
    const few = describeImage(config([{ created_by: 'only' }], 2), [blob(1), blob(2)], { name: 'x', id: '' }, where);
    assert.deepEqual(few.layers.map((l) => l.step.createdBy), ['only', '']);
    const many = describeImage(config([{ created_by: 'a' }, { created_by: 'b' }, { created_by: 'c' }], 2), [blob(1), blob(2)], { name: 'x', id: '' }, where);
    assert.deepEqual(many.layers.map((l) => l.step.createdBy), ['a', 'b']);
    assert.equal(many.emptyStepsAfter.length, 0);
  });

  it('refuses a diff_ids count that differs from the layer count', () => {
    assert.throws(
      () => describeImage(config([], 3), [blob(1)], { name: 'x', id: '' }, where),
      (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.message.includes('img.tar') && e.message.includes('3 diff_ids'),
    );
  });
});

describe('manifest and index parsing', () => {
  it('accepts OCI and Docker media types and rejects wrong shapes naming the entry', () => {
    const m = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: 'sha256:a', size: 1 }, layers: [] })), 'f', 'm');
    assert.equal(m.layers.length, 0);
    assert.equal(parseIndex(Buffer.from('{"manifests":[]}'), 'f', 'index.json').manifests.length, 0);
    assert.throws(() => parseIndex(Buffer.from('{"manifests":{}}'), 'f', 'index.json'), (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.message.includes('index.json') && e.message.includes('manifests'));
    assert.throws(() => parseConfig(Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), 'f', 'cfg'), (e: unknown) => isStrataError(e) && e.code === 'too-large');
  });
});

describe('platforms and names', () => {
  const choices = [{ platform: 'linux/amd64' }, { platform: 'linux/arm64/v8' }, { platform: 'linux/arm/v7' }];
  it('picks the requested platform (variant optional), else the host, else the first', () => {
    assert.equal(pickPlatform(choices, 'linux/arm/v7', 'f'), choices[2]);
    assert.equal(pickPlatform(choices, 'linux/arm64', 'f'), choices[1]);
    const host = hostPlatform();
    assert.match(host, /^(linux|windows)\/[a-z0-9]+(\/v\d)?$/);
    const hostMatch = choices.find((c) => c.platform.startsWith(host.split('/').slice(0, 2).join('/')));
    assert.equal(pickPlatform(choices, undefined, 'f'), hostMatch ?? choices[0]);
    assert.equal(pickPlatform([{ platform: 'plan9/mips' }], undefined, 'f').platform, 'plan9/mips');
    assert.throws(() => pickPlatform(choices, 'linux/s390x', 'f'), (e: unknown) => isStrataError(e) && e.code === 'not-found');
  });

  it('matches names, ids and id prefixes of at least 12 hex digits', () => {
    const id = `sha256:${'ab'.repeat(32)}`;
    assert.ok(namesImage('a:1', ['a:1'], id));
    assert.ok(namesImage(id, [], id));
    assert.ok(namesImage('abababababab', [], id));
    assert.ok(!namesImage('ababab', [], id));
    assert.ok(!namesImage('b:1', ['a:1'], id));
  });
});

describe('untrusted paths', () => {
  it('refuses .., absolute, NUL, backslash and drive paths; normalises the rest', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a\0b', 'a\\..\\b', 'C:/x', '', '..']) {
      assert.throws(() => safeRelativePath(bad, 'f', 'e'), (e: unknown) => isStrataError(e) && e.code === 'unsafe-path', bad);
    }
    assert.equal(safeRelativePath('./a//b/', 'f', 'e'), 'a/b/');
    assert.throws(() => safeSegment('a/b', 'f', 'e'), (e: unknown) => isStrataError(e) && e.code === 'unsafe-path');
    assert.equal(blobPath(`sha512:${'f'.repeat(128)}`, 'f', 'e'), `blobs/sha512/${'f'.repeat(128)}`);
    assert.throws(() => blobPath('sha256:../../x', 'f', 'e'), (e: unknown) => isStrataError(e) && e.code === 'unsafe-path');
    assert.throws(() => blobPath(`md5:${'a'.repeat(32)}`, 'f', 'e'), (e: unknown) => isStrataError(e) && e.code === 'malformed');
  });
});
