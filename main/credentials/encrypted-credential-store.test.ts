import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEncryptedCredentialStore, type StringCipher } from './encrypted-credential-store';

/** A real AES-256-GCM cipher standing in for the OS key store; counts its uses. */
function aesCipher(key = randomBytes(32), available = true) {
  const uses = { encrypt: 0, decrypt: 0 };
  const cipher: StringCipher = {
    available: () => available,
    encrypt(plainText) {
      uses.encrypt++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plainText, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(blob) {
      uses.decrypt++;
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
      d.setAuthTag(blob.subarray(12, 28));
      return Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8');
    },
  };
  return { cipher, uses, key };
}

describe('encrypted credential store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-creds-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps logins across instances in one encrypted file with no secret or registry name in clear', async () => {
    const file = path.join(dir, 'a', 'registry-credentials.bin');
    const { cipher } = aesCipher();
    const store = createEncryptedCredentialStore({ cipher, file });
    assert.equal(store.persistence, 'encrypted-file');
    await store.set('Registry.Example.com:5000', { username: 'alice', password: 'hunter2-secret' });
    await store.set('ghcr.io', { username: '<token>', password: 'ghp_tokenvalue' });
    const bytes = await readFile(file);
    for (const clear of ['alice', 'hunter2-secret', 'registry.example.com', 'ghcr.io', 'ghp_tokenvalue', 'username']) {
      assert.equal(bytes.includes(Buffer.from(clear)), false, `${clear} appears in the file`);
    }
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(path.dirname(file)), ['registry-credentials.bin'], 'no temp file left behind');

    const reopened = createEncryptedCredentialStore({ cipher, file });
    assert.deepEqual(await reopened.get('registry.example.com:5000'), { username: 'alice', password: 'hunter2-secret' });
    assert.deepEqual(await reopened.get('ghcr.io'), { username: '<token>', password: 'ghp_tokenvalue' });
    assert.equal(await reopened.get('docker.io'), null);
  });

  it('forgets a registry on delete, and removes the file with the last login', async () => {
    const file = path.join(dir, 'b', 'creds.bin');
    const { cipher } = aesCipher();
    const store = createEncryptedCredentialStore({ cipher, file });
    await store.set('one.example', { username: 'u1', password: 'p1' });
    await store.set('two.example', { username: 'u2', password: 'p2' });
    await store.delete('ONE.example');
    assert.equal(await createEncryptedCredentialStore({ cipher, file }).get('one.example'), null);
    assert.deepEqual(await createEncryptedCredentialStore({ cipher, file }).get('two.example'), { username: 'u2', password: 'p2' });
    await store.delete('two.example');
    assert.equal(existsSync(file), false);
    await store.delete('never.example');
  });

  it('starts empty when the file cannot be decrypted (another key) and replaces it on the next save', async () => {
    const file = path.join(dir, 'c', 'creds.bin');
    const first = aesCipher();
    await createEncryptedCredentialStore({ cipher: first.cipher, file }).set('r.example', { username: 'u', password: 'p' });
    const other = aesCipher();
    const store = createEncryptedCredentialStore({ cipher: other.cipher, file });
    assert.equal(await store.get('r.example'), null);
    await store.set('s.example', { username: 'v', password: 'q' });
    assert.deepEqual(await createEncryptedCredentialStore({ cipher: other.cipher, file }).get('s.example'), { username: 'v', password: 'q' });

    const garbage = path.join(dir, 'c', 'garbage.bin');
    await writeFile(garbage, 'not encrypted at all');
    assert.equal(await createEncryptedCredentialStore({ cipher: other.cipher, file: garbage }).get('s.example'), null);
  });

  it('keeps logins in memory only, writing nothing, when the OS offers no real cipher', async () => {
    const file = path.join(dir, 'd', 'creds.bin');
    const { cipher, uses } = aesCipher(randomBytes(32), false);
    const store = createEncryptedCredentialStore({ cipher, file });
    assert.equal(store.persistence, 'memory');
    await store.set('r.example', { username: 'u', password: 'p' });
    assert.deepEqual(await store.get('r.example'), { username: 'u', password: 'p' });
    assert.equal(existsSync(path.dirname(file)), false);
    assert.deepEqual(uses, { encrypt: 0, decrypt: 0 });
    assert.equal(await createEncryptedCredentialStore({ cipher, file }).get('r.example'), null);
    await store.delete('r.example');
    assert.equal(await store.get('r.example'), null);
  });

  it('serialises concurrent saves so the last one wins', async () => {
    const file = path.join(dir, 'e', 'creds.bin');
    const { cipher } = aesCipher();
    const store = createEncryptedCredentialStore({ cipher, file });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`r${i}.example`, { username: `u${i}`, password: `p${i}` })));
    const reopened = createEncryptedCredentialStore({ cipher, file });
    for (let i = 0; i < 20; i++) assert.deepEqual(await reopened.get(`r${i}.example`), { username: `u${i}`, password: `p${i}` });
  });
});
