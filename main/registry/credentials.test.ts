// Docker config credentials: `auths` entries, identity tokens, and real credential-helper programs
// (small shell scripts on PATH), including one that hangs past the timeout.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chainCredentials, dockerConfigCredentials, runCredentialHelper } from './credentials';

describe('docker config credentials', () => {
  let dir: string;
  let env: Record<string, string | undefined>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strata-creds-'));
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') },
          'registry.example.com': { identitytoken: 'tok-123' },
          'https://plain.example.com': { username: 'u', password: 'p:with:colons' },
        },
        credHelpers: { 'helped.example.com': 'strata-test' },
      }),
    );
    const helper = path.join(dir, 'docker-credential-strata-test');
    await writeFile(helper, '#!/bin/sh\nread server\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$server"\n');
    const slow = path.join(dir, 'docker-credential-strata-slow');
    await writeFile(slow, '#!/bin/sh\nsleep 30\n');
    await chmod(helper, 0o755);
    await chmod(slow, 0o755);
    env = { DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH}` };
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads auths entries: base64 auth, identity tokens and username/password', async () => {
    const lookup = dockerConfigCredentials(env);
    assert.deepEqual(await lookup('docker.io'), { username: 'hubuser', password: 'hubpass' });
    assert.deepEqual(await lookup('registry.example.com'), { username: '<token>', password: 'tok-123' });
    assert.deepEqual(await lookup('plain.example.com'), { username: 'u', password: 'p:with:colons' });
    assert.equal(await lookup('unknown.example.com'), null);
  });

  it('runs credential helpers with the server on stdin', async () => {
    assert.deepEqual(await dockerConfigCredentials(env)('helped.example.com'), { username: 'helper-user', password: 'helper-secret' });
  });

  it('gives up on a helper that hangs, and chains lookups in order', async () => {
    const started = Date.now();
    const result = await runCredentialHelper('strata-slow', 'x', env, 300);
    assert.equal(result, null);
    assert.ok(Date.now() - started < 10_000);
    const chained = chainCredentials(async () => null, async () => ({ username: 'app', password: 'pw' }), dockerConfigCredentials(env));
    assert.deepEqual(await chained('docker.io'), { username: 'app', password: 'pw' });
  });
});
