// The catalog, platform and save-image API methods through the real engine service, against Debian's
// docker-registry: the platforms of an index, catalog pages with a `last` cursor (anonymous, and behind htpasswd after a saved
// login), saving to a validated destination with progress events, reopening the saved layout with the
// same digests, and cancelling a save mid-blob (nothing left behind).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ApiEvent } from '../../shared/api';
import { file, makeLayerTar } from '../test-support/layer-tar';
import { freePort, pushLayout, startRegistry, writeOciLayout, type RunningRegistry } from '../test-support/registry-harness';
import { openLocalStore } from '../stores/detect';
import { createStrataService } from './strata-service';
import type { StrataService } from './strata-service-types';

const run = promisify(execFile);

describe('catalog and save-image API', () => {
  let work: string;
  let open: RunningRegistry;
  let locked: RunningRegistry;
  let service: StrataService;
  let written: Awaited<ReturnType<typeof writeOciLayout>>;
  const events: ApiEvent[] = [];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-remote-api-'));
    const storage = path.join(work, 'storage');
    open = await startRegistry({ storage, port: await freePort() }, work);
    // 1 MiB of incompressible bytes: a blob big enough to be caught mid-transfer.
    const layers = [await makeLayerTar([file('etc/os-release', 'ID=strata\n')]), await makeLayerTar([file('data.bin', randomBytes(1024 * 1024))])];
    written = await writeOciLayout(path.join(work, 'src'), 'v1', [{ platform: 'linux/amd64', layers }]);
    for (const repo of ['apps/api', 'apps/web', 'base/alpine', 'base/debian', 'tools/cli']) await pushLayout(path.join(work, 'src'), 'v1', open.host, repo);
    const { stdout } = await run('htpasswd', ['-Bbn', 'alice', 's3cret']);
    await writeFile(path.join(work, 'htpasswd'), stdout);
    locked = await startRegistry({ storage, port: await freePort(), htpasswd: path.join(work, 'htpasswd') }, work);
    service = createStrataService({ cacheDir: path.join(work, 'cache'), samplePath: path.join(work, 'none.tar'), env: { DOCKER_CONFIG: path.join(work, 'no-docker') } });
    service.onEvent((e) => events.push(e));
  });

  after(async () => {
    await service?.dispose();
    await open?.stop();
    await locked?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pages through the catalog with a last cursor until next is null', async () => {
    const seen: string[] = [];
    let last: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await service.listRepositories({ registry: `http://${open.host}/`, pageSize: 2, ...(last ? { last } : {}) });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.value.registry, open.host);
      assert.ok(result.value.repositories.length <= 2);
      seen.push(...result.value.repositories);
      if (!result.value.next) break;
      last = result.value.next;
    }
    assert.deepEqual(seen, ['apps/api', 'apps/web', 'base/alpine', 'base/debian', 'tools/cli']);
  });

  it('asks for credentials on an htpasswd registry, and lists it after a saved login', async () => {
    const anonymous = await service.listRepositories({ registry: locked.host });
    assert.equal(!anonymous.ok && anonymous.error.code, 'auth');
    const wrong = await service.saveCredentials({ registry: locked.host, username: 'alice', password: 'nope' });
    assert.equal(!wrong.ok && wrong.error.code, 'auth');
    assert.ok((await service.saveCredentials({ registry: locked.host, username: 'alice', password: 's3cret' })).ok);
    const listed = await service.listRepositories({ registry: locked.host });
    assert.ok(listed.ok, JSON.stringify(listed));
    assert.deepEqual(listed.value.repositories, ['apps/api', 'apps/web', 'base/alpine', 'base/debian', 'tools/cli']);
    assert.equal(listed.value.next, null);
  });

  it('refuses relative, parentless and occupied destinations before contacting the registry', async () => {
    const ref = `${open.host}/apps/api:v1`;
    const busy = path.join(work, 'busy');
    await mkdir(busy);
    await writeFile(path.join(busy, 'keep.txt'), 'mine');
    await writeFile(path.join(work, 'taken.tar'), 'mine');
    const cases: [string, 'oci' | 'docker-archive', string, RegExp][] = [
      ['out/layout', 'oci', 'usage', /not an absolute path/],
      [path.join(work, 'missing-dir', 'layout'), 'oci', 'not-found', /not an existing folder/],
      [busy, 'oci', 'usage', /not an empty folder/],
      [path.join(work, 'taken.tar'), 'docker-archive', 'usage', /already exists; choose a new file name/],
      [busy, 'docker-archive', 'usage', /already exists/],
    ];
    for (const [destination, format, code, message] of cases) {
      const result = await service.saveImage({ ref, destination, format, jobId: 'refused' });
      assert.equal(!result.ok && result.error.code, code, destination);
      assert.match(!result.ok ? result.error.message : '', message);
    }
    assert.deepEqual(await readdir(busy), ['keep.txt']);
  });

  it('saves an OCI layout into an empty folder with progress events, and it reopens with the same digests', async () => {
    const dest = path.join(work, 'empty');
    await mkdir(dest);
    events.length = 0;
    const result = await service.saveImage({ ref: `${open.host}/apps/web:v1`, destination: dest, format: 'oci', jobId: 'save1' });
    assert.ok(result.ok, JSON.stringify(result));
    const total = written.images[0].layers.reduce((s, l) => s + l.size, 0) + written.images[0].config.size + written.images[0].size;
    assert.deepEqual(result.value, { destination: dest, format: 'oci', bytes: total });
    const mine = events.filter((e) => e.type === 'progress' && e.jobId === 'save1');
    const final = mine.at(-1);
    assert.deepEqual(final?.type === 'progress' && final.layers, [{ layer: 0, bytesDone: total, bytesTotal: total, state: 'done' }]);
    const store = await openLocalStore(dest);
    const image = await store.openImage();
    assert.equal(image.descriptor.id, written.images[0].config.digest);
    assert.deepEqual(image.descriptor.layers.map((l) => l.digest), written.images[0].layers.map((l) => l.digest));
    await store.close();
  });

  it('saves a docker-save archive that reopens as one', async () => {
    const dest = path.join(work, 'web.tar');
    const result = await service.saveImage({ ref: `${open.host}/apps/web:v1`, destination: dest, format: 'docker-archive', jobId: 'save2' });
    assert.ok(result.ok, JSON.stringify(result));
    const store = await openLocalStore(dest);
    assert.equal(store.kind, 'docker-archive');
    assert.equal((await store.openImage()).descriptor.id, written.images[0].config.digest);
    await store.close();
  });

  it('cancels a save stalled mid-blob and leaves nothing at the destination', async () => {
    const big = written.images[0].layers[1].digest;
    let stalled: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (stalled = resolve));
    // A proxy that sends the big blob's headers and first 64 KiB, then stalls.
    const proxy = http.createServer((req, res) => {
      const [hostname, port] = open.host.split(':');
      const upstream = http.request({ hostname, port: Number(port), path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!req.url?.endsWith(big)) return void up.pipe(res);
        up.once('data', (chunk: Buffer) => {
          res.write(chunk.subarray(0, 65536));
          up.destroy();
          stalled();
        });
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const dest = path.join(work, 'cancelled');
    try {
      const saving = service.saveImage({ ref: `${host}/apps/web:v1`, destination: dest, format: 'oci', jobId: 'save3' });
      await reached;
      assert.ok((await service.cancelJob({ jobId: 'save3' })).ok);
      const result = await saving;
      assert.equal(!result.ok && result.error.code, 'cancelled');
      assert.match(!result.ok ? result.error.message : '', /cancelled; nothing was kept/);
      await assert.rejects(readdir(dest));
      assert.deepEqual((await readdir(work)).filter((f) => f.includes('partial')), []);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  // Last: it pushes another repository, which the catalog tests above do not expect.
  it('lists the platforms of a multi-platform index, and none for a single image', async () => {
    await writeOciLayout(path.join(work, 'multi'), 'v1', [
      { platform: 'linux/amd64', layers: [await makeLayerTar([file('arch', 'amd64')])] },
      { platform: 'linux/arm/v7', layers: [await makeLayerTar([file('arch', 'armv7')])] },
    ]);
    await pushLayout(path.join(work, 'multi'), 'v1', open.host, 'multi/app');
    assert.deepEqual(await service.listPlatforms({ ref: `${open.host}/multi/app:v1` }), { ok: true, value: ['linux/amd64', 'linux/arm/v7'] });
    assert.deepEqual(await service.listPlatforms({ ref: `${open.host}/apps/api:v1` }), { ok: true, value: [] });
    const missing = await service.listPlatforms({ ref: `${open.host}/multi/app:nope` });
    assert.equal(missing.ok, false);
  });
});
