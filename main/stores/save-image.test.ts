// `strata save` against a real registry: OCI layout and docker-save archive outputs, checked with
// skopeo (an independent reader) and reopened with Strata's own local stores.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isStrataError } from '../../shared/errors';
import { saveCommand } from '../cli/save-command';
import { file, makeLayerTar } from '../test-support/layer-tar';
import { freePort, pushLayout, startRegistry, writeOciLayout, type RunningRegistry } from '../test-support/registry-harness';
import { openLocalStore } from './detect';
import { saveReference } from './save-image';

const run = promisify(execFile);

describe('saving registry images', () => {
  let work: string;
  let registry: RunningRegistry;
  let written: Awaited<ReturnType<typeof writeOciLayout>>;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-save-'));
    registry = await startRegistry({ storage: path.join(work, 'storage'), port: await freePort() }, work);
    const base = await makeLayerTar([file('etc/issue', 'Strata\n')]);
    written = await writeOciLayout(path.join(work, 'src'), 'v2', [
      { platform: 'linux/amd64', layers: [base, await makeLayerTar([file('amd.txt', 'amd')])] },
      { platform: 'linux/arm64', layers: [base, await makeLayerTar([file('arm.txt', 'arm')])] },
    ]);
    await pushLayout(path.join(work, 'src'), 'v2', registry.host, 'save/app');
  });

  after(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const io = () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    err.resume();
    return { io: { stdout: out, stderr: err, env: { DOCKER_CONFIG: path.join(work, 'no-docker-config') }, cwd: work }, text: () => text };
  };

  it('writes an OCI layout that skopeo reads and Strata reopens with the same digests', async () => {
    const sink = io();
    const code = await saveCommand.run({ positionals: [`${registry.host}/save/app:v2`, 'out-oci'], values: { platform: 'linux/arm64' } }, sink.io);
    assert.equal(code, 0);
    assert.match(sink.text(), /OCI layout/);
    const dest = path.join(work, 'out-oci');
    const inspected = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci:${dest}:v2`])).stdout) as { config: { digest: string } };
    assert.equal(inspected.config.digest, written.images[1].config.digest);
    const store = await openLocalStore(dest);
    const image = await store.openImage();
    assert.equal(image.descriptor.platform, 'linux/arm64');
    assert.deepEqual(image.descriptor.layers.map((l) => l.digest), written.images[1].layers.map((l) => l.digest));
    assert.deepEqual((await readdir(path.join(dest, 'blobs', 'sha256'))).filter((f) => f.includes('partial')), []);
    await store.close();
  });

  it('writes a docker-save archive for a DEST ending in .tar', async () => {
    const dest = path.join(work, 'out.tar');
    assert.equal(await saveReference(`${registry.host}/save/app:v2`, dest, { platform: 'linux/amd64', env: {} }), 'docker-archive');
    const inspected = JSON.parse((await run('skopeo', ['inspect', '--raw', `docker-archive:${dest}`])).stdout) as { layers: { digest: string }[] };
    assert.equal(inspected.layers.length, 2);
    const store = await openLocalStore(dest);
    assert.equal(store.kind, 'docker-archive');
    const image = await store.openImage();
    assert.equal(image.descriptor.id, written.images[0].config.digest);
    await store.close();
  });

  it('refuses a non-empty destination folder and cleans up after a failed save', async () => {
    const busy = path.join(work, 'busy');
    await mkdir(busy);
    await writeFile(path.join(busy, 'keep.txt'), 'mine');
    await assert.rejects(saveReference(`${registry.host}/save/app:v2`, busy, { env: {} }), (e: unknown) => isStrataError(e) && e.code === 'usage' && /not an empty directory/.test(e.message));
    assert.deepEqual(await readdir(busy), ['keep.txt']);
    const missing = path.join(work, 'never');
    await assert.rejects(saveReference(`${registry.host}/save/absent:v1`, missing, { env: {} }), (e: unknown) => isStrataError(e) && e.code === 'not-found');
    await assert.rejects(readdir(missing));
  });
});
