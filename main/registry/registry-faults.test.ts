// The client's behaviour on faults, with a node:http proxy in front of a real registry: 429 with
// Retry-After, 5xx retries, a blob redirect to another host (credentials not sent there), oversized,
// malformed and tampered manifests, a link-local token realm; plus unknown hosts and refused connections.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { startProxy, type ProxyHook, type RunningProxy } from '../test-support/http-proxy';
import { file, makeLayerTar } from '../test-support/layer-tar';
import { freePort, pushLayout, startRegistry, writeOciLayout, type RunningRegistry } from '../test-support/registry-harness';
import { RegistryClient } from './registry-client';

const FAST_RETRY = { maxRetries: 3, maxTotalMs: 5_000, baseDelayMs: 20 };
const strata = (code: string, pattern: RegExp) => (e: unknown) => isStrataError(e) && e.code === code && pattern.test(e.message);

describe('registry client faults', () => {
  let work: string;
  let registry: RunningRegistry;
  let proxy: RunningProxy;
  let blobHost: RunningProxy;
  let hook: ProxyHook = () => false;
  const seenAtBlobHost: (string | undefined)[] = [];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-faults-'));
    registry = await startRegistry({ storage: path.join(work, 'storage'), port: await freePort() }, work);
    await writeOciLayout(path.join(work, 'layout'), 'v1', [{ platform: 'linux/amd64', layers: [await makeLayerTar([file('a.txt', 'a'.repeat(3000))])] }]);
    await pushLayout(path.join(work, 'layout'), 'v1', registry.host, 'faults/app');
    proxy = await startProxy(registry.host, () => hook);
    // "Another host": `localhost` instead of `127.0.0.1`, serving blobs straight from the registry.
    blobHost = await startProxy(registry.host, () => (req) => {
      seenAtBlobHost.push(req.headers.authorization);
      return false;
    });
  });

  after(async () => {
    await proxy?.close();
    await blobHost?.close();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  beforeEach(() => {
    hook = () => false;
  });

  const client = (extra: ConstructorParameters<typeof RegistryClient>[1] = {}) =>
    new RegistryClient(proxy.host, { plainHttp: true, retry: FAST_RETRY, ...extra });

  it('waits as Retry-After asks on 429, then succeeds', async () => {
    const times: number[] = [];
    hook = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      times.push(Date.now());
      if (times.length > 1) return false;
      res.writeHead(429, { 'retry-after': '1' }).end();
      return true;
    };
    const manifest = await client().getManifest('faults/app', 'v1');
    assert.equal(manifest.document.kind, 'image');
    assert.equal(times.length, 2);
    assert.ok(times[1] - times[0] >= 950, `retried after ${times[1] - times[0]} ms`);
  });

  it('gives up with one sentence when Retry-After exceeds the retry budget, and retries 5xx', async () => {
    hook = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(429, { 'retry-after': '3600' }).end();
      return true;
    };
    await assert.rejects(client().getManifest('faults/app', 'v1'), strata('network', /rate-limiting requests \(429\)/));
    let failures = 0;
    hook = (req, res) => {
      if (!req.url?.includes('/manifests/') || failures >= 2) return false;
      failures++;
      res.writeHead(503).end();
      return true;
    };
    assert.equal((await client().getManifest('faults/app', 'v1')).document.kind, 'image');
    assert.equal(failures, 2);
    hook = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(500).end();
      return true;
    };
    await assert.rejects(client().getManifest('faults/app', 'v1'), strata('network', /answered HTTP 500/));
  });

  it('retries past a 503 whose body never ends: the unread body is dropped, not waited for', { timeout: 20_000 }, async () => {
    let failures = 0;
    hook = (req, res) => {
      if (!req.url?.includes('/manifests/') || failures >= 1) return false;
      failures++;
      // A body that sends a byte now and then and never ends (the registry's bodyTimeout would be 5 minutes).
      res.writeHead(503, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
      return true;
    };
    assert.equal((await client().getManifest('faults/app', 'v1')).document.kind, 'image');
    assert.equal(failures, 1);
  });

  it('follows a blob redirect to another host without sending the credentials there', async () => {
    const proxyAuth: (string | undefined)[] = [];
    hook = (req, res) => {
      proxyAuth.push(req.headers.authorization);
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="proxy"' }).end();
        return true;
      }
      if (req.url?.includes('/blobs/')) {
        res.writeHead(307, { location: `http://localhost:${blobHost.host.split(':')[1]}${req.url}` }).end();
        return true;
      }
      return false;
    };
    seenAtBlobHost.length = 0;
    const c = client({ credentials: async () => ({ username: 'carol', password: 'pw' }) });
    const manifest = await c.getManifest('faults/app', 'v1');
    assert.equal(manifest.document.kind, 'image');
    if (manifest.document.kind !== 'image') return;
    const layer = manifest.document.layers[0];
    let bytes = 0;
    for await (const chunk of await c.openBlob('faults/app', layer.digest, layer.size)) bytes += (chunk as Buffer).length;
    assert.equal(bytes, layer.size);
    assert.ok(seenAtBlobHost.length >= 1);
    assert.deepEqual(seenAtBlobHost.filter(Boolean), []);
    assert.ok(proxyAuth.some((a) => a?.startsWith('Basic ')));
  });

  it('refuses oversized, malformed and tampered manifests with one sentence each', async () => {
    const good = await client().getManifest('faults/app', 'v1');
    hook = (req, res) => {
      if (req.url?.endsWith('/manifests/huge')) {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(Buffer.alloc(5 * 1024 * 1024, 0x20));
        return true;
      }
      if (req.url?.endsWith('/manifests/bad')) {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end('{"schemaVersion": 2, "config": 7}');
        return true;
      }
      if (req.url?.includes(`/manifests/${good.digest}`)) {
        res.writeHead(200, { 'content-type': good.mediaType }).end(Buffer.concat([good.bytes, Buffer.from(' ')]));
        return true;
      }
      return false;
    };
    await assert.rejects(client().getManifest('faults/app', 'huge'), strata('too-large', /faults\/app:huge: .*more than the 4194304/));
    await assert.rejects(client().getManifest('faults/app', 'bad'), strata('malformed', /faults\/app:bad/));
    await assert.rejects(client().getManifest('faults/app', good.digest), strata('digest-mismatch', /the manifest's digest is sha256:/));
  });

  it('refuses a token realm on a link-local address', async () => {
    hook = (_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://169.254.169.254/latest/meta-data",service="x"' }).end();
      return true;
    };
    await assert.rejects(client().getManifest('faults/app', 'v1'), strata('network', /token realm pointing at the link-local address 169\.254\.169\.254; refused/));
    hook = (_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://[fe80::1]/token"' }).end();
      return true;
    };
    await assert.rejects(client().getManifest('faults/app', 'v1'), strata('network', /link-local address fe80::1/));
  });

  it('names unknown hosts and refused connections', async () => {
    await assert.rejects(new RegistryClient('no-such-registry.invalid', { retry: FAST_RETRY }).ping(), strata('network', /unknown host/));
    const closed = await freePort();
    await assert.rejects(new RegistryClient(`127.0.0.1:${closed}`, { retry: FAST_RETRY }).ping(), strata('network', /connection refused/));
  });
});
