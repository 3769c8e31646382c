// DockerEngineStore against a real, private dockerd started by the test: list the engine's images,
// open one by streaming its export (layers indexed in one pass), re-read a layer verified, and bad input.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { isStrataError } from '../../shared/errors';
import { imagesCommand } from '../cli/images-command';
import { indexLayerStream } from '../layers/layer-indexer';
import { createRemoteHandlers } from '../services/remote-handlers';
import { DockerEngineClient, parseDockerHost } from '../registry/docker-engine-client';
import { dir, file, makeLayerTar } from '../test-support/layer-tar';
import { startPrivateDockerd, type PrivateDockerd } from '../test-support/private-dockerd';
import { writeOciLayout } from '../test-support/registry-harness';
import { DockerEngineStore } from './docker-engine-store';

const run = promisify(execFile);

describe('DockerEngineStore on a private dockerd', () => {
  let work: string;
  let daemon: PrivateDockerd | null = null;
  const why: string[] = [];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-dockerd-'));
    daemon = await startPrivateDockerd(work, why);
    if (!daemon) {
      console.log(`# dockerd could not start here (${why.join('; ') || 'unknown reason'}): Docker engine tests skipped`);
      return;
    }
    const base = await makeLayerTar([dir('etc'), file('etc/hostname', 'strata\n')]);
    const top = await makeLayerTar([file('srv/app.js', 'console.log(1)\n'), file('srv/data.txt', 'x'.repeat(5000))]);
    await writeOciLayout(path.join(work, 'layout'), 'v1', [{ platform: 'linux/amd64', layers: [base, top], createdBy: ['ADD rootfs', 'COPY srv'] }]);
    const archive = path.join(work, 'image.tar');
    await run('skopeo', ['copy', '--quiet', `oci:${path.join(work, 'layout')}:v1`, `docker-archive:${archive}:strata/engine-test:v1`], { timeout: 60_000 });
    await daemon.docker(['load', '-q', '-i', archive]);
  });

  after(async () => {
    await daemon?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lists the engine images with tag, size and creation time', async (t) => {
    if (!daemon) return t.skip(`dockerd unavailable: ${why.join('; ')}`);
    const images = await new DockerEngineClient(parseDockerHost(daemon.host)).listImages();
    const ours = images.find((i) => i.repoTags.includes('strata/engine-test:v1'));
    assert.ok(ours, `image missing from ${JSON.stringify(images)}`);
    assert.match(ours.id, /^sha256:[a-f0-9]{64}$/);
    assert.ok(ours.size > 5000);
    assert.equal(ours.created, '2024-01-01T00:00:00.000Z');
    let text = '';
    const out = new PassThrough().on('data', (d: Buffer) => (text += d.toString()));
    const code = await imagesCommand.run({ positionals: [], values: {} }, { stdout: out, stderr: new PassThrough(), env: { DOCKER_HOST: daemon.host }, cwd: work });
    assert.equal(code, 0);
    const viaApi = await createRemoteHandlers({ credentials: { get: async () => null, set: async () => undefined }, env: { DOCKER_HOST: daemon.host } }).listDockerImages({});
    assert.ok(viaApi.some((i) => i.id === ours.id && i.repoTags.includes('strata/engine-test:v1')));
    assert.match(text, new RegExp(`^strata/engine-test:v1\\s+sha256:${ours.id.slice(7, 19)}`, 'm'));
  });

  it('opens an image by streaming its export, with every layer indexed on the way', async (t) => {
    if (!daemon) return t.skip(`dockerd unavailable: ${why.join('; ')}`);
    const store = await DockerEngineStore.open('strata/engine-test:v1', { env: { DOCKER_HOST: daemon.host } });
    assert.equal(store.kind, 'docker-engine');
    const [choice] = await store.list();
    assert.equal(choice.platform, 'linux/amd64');
    const image = await store.openImage();
    assert.equal(image.descriptor.id, choice.id);
    assert.deepEqual(image.descriptor.layers.map((l) => l.step.createdBy), ['ADD rootfs', 'COPY srv']);
    const lazy = await image.layers[1].lazyIndex!();
    assert.ok(lazy);
    assert.deepEqual(lazy.entries.map((e) => e.path), ['/srv/app.js', '/srv/data.txt']);
    assert.equal(lazy.diffId, image.descriptor.layers[1].diffId);
    // Re-reading a layer extracts it from a fresh export and verifies its digest.
    const reread = await indexLayerStream(await image.layers[1].open(), { name: 'reread', expectedDigest: image.layers[1].descriptor.digest });
    assert.deepEqual(reread.entries, lazy.entries);
  });

  it('names a missing image and an engine that is not running in one sentence', async (t) => {
    if (!daemon) return t.skip(`dockerd unavailable: ${why.join('; ')}`);
    await assert.rejects(
      DockerEngineStore.open('strata/absent:v9', { env: { DOCKER_HOST: daemon.host } }),
      (e: unknown) => isStrataError(e) && e.code === 'not-found' && /has no image "strata\/absent:v9"/.test(e.message),
    );
    await assert.rejects(
      DockerEngineStore.open('alpine', { env: { DOCKER_HOST: `unix://${path.join(work, 'nowhere.sock')}` } }),
      (e: unknown) => isStrataError(e) && e.code === 'network' && /Docker engine is not running/.test(e.message),
    );
  });
});
