// RegistryStore against a real registry (Debian's docker-registry) on 127.0.0.1: anonymous pulls of a
// single-platform image and a two-platform index, a corrupted stored blob, the registry killed
// mid-download (then restarted), and tag pagination.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { IndexCache } from '../cache/index-cache';
import { IndexPool, indexLayerCached } from '../layers/index-pool';
import { indexLayerStream } from '../layers/layer-indexer';
import { parseImageReference } from '../registry/image-reference';
import { RegistryClient } from '../registry/registry-client';
import { startProxy, type RunningProxy } from '../test-support/http-proxy';
import { until } from '../test-support/poll';
import { file, makeLayerTar } from '../test-support/layer-tar';
import {
  freePort,
  pushLayout,
  startRegistry,
  storedBlobPath,
  writeOciLayout,
  type RunningRegistry,
} from '../test-support/registry-harness';
import { RegistryStore, type RegistryStoreOptions } from './registry-store';

const FAST_RETRY = { maxRetries: 2, maxTotalMs: 2_000, baseDelayMs: 50 };

describe('RegistryStore on a real registry', () => {
  let work: string;
  let storage: string;
  let port: number;
  let registry: RunningRegistry;
  let base: Buffer;
  let amd: Buffer;
  let arm: Buffer;
  let big: Buffer;
  let layouts: Awaited<ReturnType<typeof writeOciLayout>>[] = [];

  const store = (ref: string) =>
    new RegistryStore(new RegistryClient(`127.0.0.1:${port}`, { retry: FAST_RETRY }), parseImageReference(`127.0.0.1:${port}/${ref}`));

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-registry-'));
    storage = path.join(work, 'storage');
    port = await freePort();
    registry = await startRegistry({ storage, port }, work);
    base = await makeLayerTar([file('etc/os-release', 'ID=strata\n'), file('bin/sh', 'shell')]);
    amd = await makeLayerTar([file('app/amd64.txt', 'x86')]);
    arm = await makeLayerTar([file('app/arm64.txt', 'arm')]);
    big = await makeLayerTar([file('data/random.bin', randomBytes(24 * 1024 * 1024))]);
    const single = await writeOciLayout(path.join(work, 'single'), 'v1', [{ platform: 'linux/amd64', layers: [base, amd], createdBy: ['ADD base', 'COPY app'] }]);
    const multi = await writeOciLayout(path.join(work, 'multi'), 'v1', [
      { platform: 'linux/amd64', layers: [base, amd] },
      { platform: 'linux/arm64', layers: [base, arm] },
    ]);
    const large = await writeOciLayout(path.join(work, 'big'), 'v1', [
      { platform: 'linux/amd64', layers: [big], blobs: [{ bytes: big, mediaType: 'application/vnd.oci.image.layer.v1.tar' }] },
    ]);
    layouts = [single, multi, large];
    await pushLayout(path.join(work, 'single'), 'v1', registry.host, 'test/single');
    await pushLayout(path.join(work, 'multi'), 'v1', registry.host, 'test/multi');
    await pushLayout(path.join(work, 'big'), 'v1', registry.host, 'test/big');
  });

  after(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pulls a single-platform image anonymously and lists its layers', async () => {
    const s = store('test/single:v1');
    const choices = await s.list();
    assert.deepEqual(choices, [{ name: `127.0.0.1:${port}/test/single:v1`, id: layouts[0].images[0].config.digest, platform: 'linux/amd64' }]);
    const image = await s.openImage();
    assert.equal(image.layers.length, 2);
    assert.deepEqual(
      image.descriptor.layers.map((l) => l.step.createdBy),
      ['ADD base', 'COPY app'],
    );
    const index = await indexLayerStream(await image.layers[1].open(), {
      name: image.layers[1].name,
      expectedDigest: image.layers[1].descriptor.digest,
      expectedDiffId: image.layers[1].descriptor.diffId,
    });
    assert.deepEqual(index.entries.map((e) => e.path), ['/app/amd64.txt']);
    assert.equal(index.compression, 'gzip');
    assert.equal(index.diffId, image.descriptor.layers[1].diffId);
  });

  it('reads a config once for list() and the open that follows it', async () => {
    const layer = await makeLayerTar([file('once.txt', randomBytes(64).toString('hex'))]);
    const written = await writeOciLayout(path.join(work, 'once'), 'v1', [{ platform: 'linux/amd64', layers: [layer] }]);
    await pushLayout(path.join(work, 'once'), 'v1', registry.host, 'test/once');
    const config = written.images[0].config.digest;
    const s = store('test/once:v1');
    assert.equal((await s.list())[0].id, config);
    await rm(storedBlobPath(storage, config)); // the registry can no longer serve the config
    assert.equal((await s.openImage()).descriptor.id, config);
    await assert.rejects(store('test/once:v1').openImage(), (e: unknown) => isStrataError(e) && e.code === 'not-found');
  });

  describe('blobs requested ahead (prefetch)', () => {
    let digests: string[];
    let proxy: RunningProxy;
    const gets: string[] = [];
    const getsOf = (digest: string) => gets.filter((url) => url.endsWith(`/blobs/${digest}`)).length;
    const early = (options?: RegistryStoreOptions) =>
      new RegistryStore(new RegistryClient(proxy.host, { retry: FAST_RETRY }), parseImageReference(`${proxy.host}/test/early:v1`), options);
    /** Waits (at most 5 s) until the registry has been asked for exactly these blobs. */
    const requested = async (wanted: Record<string, number>) => {
      await until(() => Object.entries(wanted).every(([d, n]) => getsOf(d) >= n), 'the blob requests', 5_000);
      assert.deepEqual(Object.fromEntries(digests.map((d) => [d, getsOf(d)])), { ...Object.fromEntries(digests.map((d) => [d, 0])), ...wanted });
    };

    before(async () => {
      const layers = await Promise.all([0, 1, 2, 3].map((i) => makeLayerTar([file(`early/${i}.txt`, randomBytes(2048).toString('hex'))])));
      const written = await writeOciLayout(path.join(work, 'early'), 'v1', [{ platform: 'linux/amd64', layers }]);
      await pushLayout(path.join(work, 'early'), 'v1', registry.host, 'test/early');
      digests = written.images[0].layers.map((l) => l.digest);
      proxy = await startProxy(`127.0.0.1:${port}`, () => (req) => {
        if (req.method === 'GET' && req.url?.includes('/blobs/')) gets.push(req.url);
        return false;
      });
    });
    after(() => proxy?.close());
    beforeEach(() => {
      gets.length = 0;
    });

    it('requests the first needed layers while it reads the config; their opens take those streams', async () => {
      const s = early();
      // Layer 0 is cached: the next two are requested ahead, the last one is not.
      const image = await s.openImage({ prefetch: { layers: 2, needed: async (d) => d !== digests[0] } });
      await requested({ [digests[1]]: 1, [digests[2]]: 1 });
      for (const i of [1, 2]) assert.equal(await drain(await image.layers[i].open()), image.layers[i].descriptor.size);
      await requested({ [digests[1]]: 1, [digests[2]]: 1 });
      assert.equal(await drain(await image.layers[3].open()), image.layers[3].descriptor.size);
      await requested({ [digests[1]]: 1, [digests[2]]: 1, [digests[3]]: 1 });
      await s.close();
    });

    it('drops a blob requested ahead that no layer took, after its time and at close; a later open asks again', async () => {
      const timed = early({ prefetchTtlMs: 50 });
      const first = await timed.openImage({ prefetch: { layers: 1, needed: async () => true } });
      await requested({ [digests[0]]: 1 });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await drain(await first.layers[0].open()), first.layers[0].descriptor.size);
      await requested({ [digests[0]]: 2 });

      const closed = early();
      const second = await closed.openImage({ prefetch: { layers: 1, needed: async () => true } });
      await requested({ [digests[0]]: 3 });
      await closed.close();
      assert.equal(await drain(await second.layers[0].open()), second.layers[0].descriptor.size);
      await requested({ [digests[0]]: 4 });
    });
  });

  it('picks a platform from a two-platform index and names the missing one', async () => {
    const s = store('test/multi:v1');
    const choices = await s.list();
    assert.deepEqual(choices.map((c) => c.platform).sort(), ['linux/amd64', 'linux/arm64']);
    const image = await s.openImage({ platform: 'linux/arm64' });
    assert.equal(image.descriptor.platform, 'linux/arm64');
    const top = await indexLayerStream(await image.layers[1].open(), { name: 'arm top' });
    assert.deepEqual(top.entries.map((e) => e.path), ['/app/arm64.txt']);
    const byId = await s.openImage({ image: choices.find((c) => c.platform === 'linux/amd64')!.id });
    assert.equal(byId.descriptor.platform, 'linux/amd64');
    await assert.rejects(s.openImage({ platform: 'linux/s390x' }), (e: unknown) => isStrataError(e) && e.code === 'not-found' && /linux\/s390x/.test(e.message));
  });

  it('fails with digest-mismatch on a blob corrupted on disk and caches nothing', async () => {
    const s = store('test/single:v1');
    const image = await s.openImage();
    const layer = image.layers[0];
    const stored = storedBlobPath(storage, layer.descriptor.digest);
    const original = await readFile(stored);
    const corrupt = Buffer.from(original);
    corrupt[corrupt.length - 20] ^= 0xff;
    await writeFile(stored, corrupt);
    const cacheDir = path.join(work, 'cache');
    const pool = new IndexPool();
    try {
      await assert.rejects(
        indexLayerCached(layer, { pool, cache: new IndexCache(cacheDir) }),
        // The pool re-wraps stream errors; the sentence still names the digest mismatch.
        (e: unknown) => isStrataError(e) && /the content's digest is sha256:[a-f0-9]{64}, not sha256:/.test(e.message),
      );
      const cached = await readdir(cacheDir).catch(() => [] as string[]);
      assert.deepEqual(cached.filter((f) => f.endsWith('.idx')), []);
      // The raw stream itself reports the digest mismatch.
      await assert.rejects(drain(await layer.open()), (e: unknown) => isStrataError(e) && e.code === 'digest-mismatch');
    } finally {
      await pool.close();
      await writeFile(stored, original);
    }
  });

  it('reports a registry killed mid-download clearly, and reads fine after a restart', async () => {
    const s = store('test/big:v1');
    const image = await s.openImage();
    const stream = await image.layers[0].open();
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    await registry.stop();
    await assert.rejects(
      (async () => {
        for (let r = await it.next(); !r.done; r = await it.next());
      })(),
      (e: unknown) => isStrataError(e) && e.code === 'network' && /connection was lost/.test(e.message),
    );
    registry = await startRegistry({ storage, port }, work);
    const again = await store('test/big:v1').openImage();
    assert.equal(await drain(await again.layers[0].open()), again.layers[0].descriptor.size);
  });

  it('follows Link pagination through every tag', async () => {
    const client = new RegistryClient(`127.0.0.1:${port}`, { retry: FAST_RETRY });
    const manifest = await client.getManifest('test/single', 'v1');
    for (const tag of ['a', 'b', 'c', 'd', 'e']) {
      const res = await fetch(`http://127.0.0.1:${port}/v2/test/single/manifests/${tag}`, {
        method: 'PUT',
        headers: { 'content-type': manifest.mediaType },
        body: manifest.bytes,
      });
      assert.equal(res.status, 201);
    }
    const tags = await client.listTags('test/single', { pageSize: 2 });
    assert.deepEqual(tags.sort(), ['a', 'b', 'c', 'd', 'e', 'v1']);
    const repos = await client.catalog({ pageSize: 1 });
    assert.deepEqual(repos.sort(), ['test/big', 'test/early', 'test/multi', 'test/once', 'test/single']);
  });

  it('names a missing tag in one sentence', async () => {
    await assert.rejects(store('test/single:nope').list(), (e: unknown) => isStrataError(e) && e.code === 'not-found' && /test\/single:nope was not found/.test(e.message));
  });
});

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

