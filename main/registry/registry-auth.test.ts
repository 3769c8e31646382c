// Registry authentication against a real registry (Debian's docker-registry): Basic auth with an
// htpasswd file over TLS with a self-signed certificate trusted through the client's `ca`, and bearer
// tokens from a token server in the test (`auth: token`), anonymous and with credentials.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isStrataError } from '../../shared/errors';
import { file, makeLayerTar } from '../test-support/layer-tar';
import { freePort, pushLayout, startRegistry, writeOciLayout, type RunningRegistry } from '../test-support/registry-harness';
import { makeCertificate, startTokenServer, type TokenServer } from '../test-support/token-server';
import type { CredentialLookup } from './credentials';
import { createRemoteHandlers } from '../services/remote-handlers';
import { openSourceSpec } from '../services/open-source';
import { sharedRegistryClients } from '../stores/remote-store-factory';
import { RegistryClient } from './registry-client';

const run = promisify(execFile);
const FAST_RETRY = { maxRetries: 1, maxTotalMs: 1_000, baseDelayMs: 50 };
const creds = (username: string, password: string): CredentialLookup => async () => ({ username, password });
const authError = (pattern: RegExp) => (e: unknown) => isStrataError(e) && e.code === 'auth' && pattern.test(e.message);

describe('registry authentication', () => {
  let work: string;
  let storage: string;
  const running: RunningRegistry[] = [];
  let tls: { cert: string; key: string; certPem: string };
  let basicHost: string;
  let tokenHost: string;
  let tokens: TokenServer;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-auth-'));
    storage = path.join(work, 'storage');
    const open = await startRegistry({ storage, port: await freePort() }, work);
    const layer = await makeLayerTar([file('hello.txt', 'hi')]);
    await writeOciLayout(path.join(work, 'layout'), 'v1', [{ platform: 'linux/amd64', layers: [layer] }]);
    await pushLayout(path.join(work, 'layout'), 'v1', open.host, 'team/public');
    await pushLayout(path.join(work, 'layout'), 'v1', open.host, 'team/private');
    await open.stop();

    tls = await makeCertificate(work, 'registry');
    const { stdout } = await run('htpasswd', ['-Bbn', 'alice', 's3cret']);
    const htpasswd = path.join(work, 'htpasswd');
    await writeFile(htpasswd, stdout);
    const basic = await startRegistry({ storage, port: await freePort(), htpasswd, tls: { cert: tls.cert, key: tls.key } }, work);
    running.push(basic);
    basicHost = basic.host;

    const signer = await makeCertificate(work, 'token-signer');
    tokens = await startTokenServer(
      { users: { bob: 'hunter2' }, publicRepositories: ['team/public'], issuer: 'strata-issuer', service: 'strata-registry' },
      signer.key,
      signer.certPem,
    );
    const tokenRegistry = await startRegistry(
      {
        storage,
        port: await freePort(),
        token: { realm: tokens.realm, service: 'strata-registry', issuer: 'strata-issuer', rootCertBundle: signer.cert },
      },
      work,
    );
    running.push(tokenRegistry);
    tokenHost = tokenRegistry.host;
  });

  after(async () => {
    for (const r of running) await r.stop();
    await tokens?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('uses Basic credentials over TLS trusted through a custom CA', async () => {
    const client = new RegistryClient(basicHost, { credentials: creds('alice', 's3cret'), ca: tls.certPem, retry: FAST_RETRY });
    const manifest = await client.getManifest('team/private', 'v1');
    assert.equal(manifest.document.kind, 'image');
    // The layer blob comes over DirectHttp's own TLS connection: same CA, same credentials.
    const layer = manifest.document.kind === 'image' ? manifest.document.layers[0] : assert.fail('not an image');
    const tar = await new Promise<Buffer>((resolve, reject) =>
      client.openBlob('team/private', layer.digest, layer.size).then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      }, reject),
    );
    assert.equal(tar.length, layer.size);
    assert.deepEqual(await client.listTags('team/private'), ['v1']);
  });

  it('says which Basic credentials problem it met', async () => {
    const wrong = new RegistryClient(basicHost, { credentials: creds('alice', 'nope'), ca: tls.certPem, retry: FAST_RETRY });
    await assert.rejects(wrong.getManifest('team/private', 'v1'), authError(/rejected the credentials/));
    const none = new RegistryClient(basicHost, { ca: tls.certPem, retry: FAST_RETRY });
    await assert.rejects(none.getManifest('team/private', 'v1'), authError(/requires a username and password/));
  });

  it('reports an untrusted certificate as a TLS error', async () => {
    const untrusted = new RegistryClient(basicHost, { credentials: creds('alice', 's3cret'), plainHttp: false, retry: FAST_RETRY });
    await assert.rejects(untrusted.ping(), (e: unknown) => isStrataError(e) && e.code === 'network' && /TLS error/.test(e.message));
    const blob = 'sha256:' + '0'.repeat(64);
    await assert.rejects(untrusted.openBlob('team/private', blob, 1), (e: unknown) => isStrataError(e) && e.code === 'network' && /TLS error/.test(e.message));
  });

  it('gets an anonymous bearer token for a public repository', async () => {
    const client = new RegistryClient(tokenHost, { retry: FAST_RETRY });
    const before = tokens.requests.length;
    const manifest = await client.getManifest('team/public', 'v1');
    assert.equal(manifest.document.kind, 'image');
    const asked = tokens.requests.slice(before);
    assert.deepEqual(asked, [{ user: '', scopes: ['repository:team/public:pull'] }]);
    if (manifest.document.kind !== 'image') return;
    // The token is reused for the same scope (no new token request for the blob).
    const config = manifest.document.config;
    await client.readBlob('team/public', config.digest, config.size, 1 << 20);
    assert.equal(tokens.requests.length, before + 1);
  });

  it('asks for a new token when a new scope is demanded, with credentials', async () => {
    const client = new RegistryClient(tokenHost, { credentials: creds('bob', 'hunter2'), retry: FAST_RETRY });
    const before = tokens.requests.length;
    await client.getManifest('team/public', 'v1');
    await client.getManifest('team/private', 'v1');
    assert.deepEqual(tokens.requests.slice(before), [
      { user: 'bob', scopes: ['repository:team/public:pull'] },
      { user: 'bob', scopes: ['repository:team/private:pull'] },
    ]);
  });

  it('refuses an anonymous pull of a private repository and wrong token credentials', async () => {
    const anonymous = new RegistryClient(tokenHost, { retry: FAST_RETRY });
    await assert.rejects(anonymous.getManifest('team/private', 'v1'), authError(/requires credentials/));
    const wrong = new RegistryClient(tokenHost, { credentials: creds('bob', 'wrong'), retry: FAST_RETRY });
    await assert.rejects(wrong.getManifest('team/private', 'v1'), authError(/token server rejected the credentials/));
  });

  it('saves app credentials only after the registry accepts them, then lists tags with them', async () => {
    const saved = new Map<string, { username: string; password: string }>();
    const handlers = createRemoteHandlers({
      credentials: { get: async (r) => saved.get(r) ?? null, set: async (r, c) => void saved.set(r, c) },
      env: { DOCKER_CONFIG: path.join(work, 'no-docker-config') },
    });
    await assert.rejects(handlers.saveCredentials({ registry: tokenHost, username: 'bob', password: 'bad' }), authError(/rejected the credentials/));
    assert.equal(saved.size, 0);
    await assert.rejects(handlers.listTags({ repository: `${tokenHost}/team/private` }), authError(/requires credentials/));
    await handlers.saveCredentials({ registry: `http://${tokenHost}/`, username: 'bob', password: 'hunter2' });
    assert.deepEqual([...saved.keys()], [tokenHost]);
    assert.deepEqual(await handlers.listTags({ repository: `${tokenHost}/team/private:ignored` }), { repository: `${tokenHost}/team/private`, tags: ['v1'] });
  });

  it('looks its credentials up again after an auth failure (a docker login since)', async () => {
    let login: { username: string; password: string } | null = null;
    const client = new RegistryClient(tokenHost, { credentials: async () => login, retry: FAST_RETRY });
    await assert.rejects(client.getManifest('team/private', 'v1'), authError(/requires credentials/));
    login = { username: 'bob', password: 'hunter2' };
    assert.equal((await client.getManifest('team/private', 'v1')).document.kind, 'image');
  });

  it("shares one client per registry across the app's calls: one token serves tags, platforms and the open", async () => {
    const saved = new Map<string, { username: string; password: string }>();
    const credentials = { get: async (r: string) => saved.get(r) ?? null, set: async (r: string, c: { username: string; password: string }) => void saved.set(r, c) };
    const env = { DOCKER_CONFIG: path.join(work, 'no-docker-config') };
    const clients = sharedRegistryClients({ credentials: credentials.get, env, retry: FAST_RETRY });
    const handlers = createRemoteHandlers({ credentials, env, clients });
    const before = tokens.requests.length;
    assert.deepEqual((await handlers.listTags({ repository: `${tokenHost}/team/public` })).tags, ['v1']);
    assert.deepEqual(await handlers.listPlatforms({ ref: `${tokenHost}/team/public:v1` }), []);
    const store = await openSourceSpec({ kind: 'reference', ref: `${tokenHost}/team/public:v1` }, { samplePath: '', uploadsDir: '', env, clients });
    assert.equal((await store.openImage()).layers.length, 1);
    assert.deepEqual(tokens.requests.slice(before), [{ user: '', scopes: ['repository:team/public:pull'] }]);
    // Saving a login drops the registry's client: the next call asks for a token with the login.
    await handlers.saveCredentials({ registry: tokenHost, username: 'bob', password: 'hunter2' });
    assert.deepEqual((await handlers.listTags({ repository: `${tokenHost}/team/private` })).tags, ['v1']);
    assert.deepEqual(tokens.requests.at(-1), { user: 'bob', scopes: ['repository:team/private:pull'] });
  });
});
