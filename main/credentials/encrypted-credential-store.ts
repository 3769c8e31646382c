// Registry logins kept encrypted at rest (no electron import: the cipher is injected; Electron's
// safeStorage supplies it in safe-credential-store.ts). The whole map — registry names included — is
// one encrypted blob under the app's data directory. Without a real OS cipher nothing is written:
// logins live in memory for this run only. There is no plain-text fallback.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CredentialStore, RegistryCredential } from '../registry/credentials';

/** Encrypts and decrypts text with a key the OS keeps (Keychain, DPAPI, libsecret/kwallet). */
export interface StringCipher {
  /** False when the OS offers no real key store (e.g. Linux without a secret service). */
  available(): boolean;
  encrypt(plainText: string): Buffer;
  decrypt(cipherText: Buffer): string;
}

/** The app's credential store: the registry client's `CredentialStore` plus logout and where logins live. */
export interface AppCredentialStore extends CredentialStore {
  /** Forgets the credential of a registry. */
  delete(registry: string): Promise<void>;
  /** 'encrypted-file' when logins survive restarts (encrypted), 'memory' when they last this run only. */
  readonly persistence: 'encrypted-file' | 'memory';
}

/** Options of `createEncryptedCredentialStore`. */
export interface EncryptedCredentialStoreOptions {
  readonly cipher: StringCipher;
  /** The encrypted file (e.g. `<userData>/registry-credentials.bin`). */
  readonly file: string;
}

type CredentialMap = Record<string, RegistryCredential>;

function isCredential(value: unknown): value is RegistryCredential {
  const v = value as RegistryCredential | null;
  return typeof v === 'object' && v !== null && typeof v.username === 'string' && typeof v.password === 'string';
}

function normaliseRegistry(registry: string): string {
  return registry.trim().toLowerCase();
}

/** Creates the store; it reads the encrypted file once, on first use. */
export function createEncryptedCredentialStore(options: EncryptedCredentialStoreOptions): AppCredentialStore {
  const persistent = options.cipher.available();
  let loaded: Promise<Map<string, RegistryCredential>> | null = null;
  let writing: Promise<void> = Promise.resolve();

  async function readMap(): Promise<Map<string, RegistryCredential>> {
    const map = new Map<string, RegistryCredential>();
    if (!persistent) return map;
    let blob: Buffer;
    try {
      blob = await readFile(options.file);
    } catch {
      return map;
    }
    try {
      const parsed = JSON.parse(options.cipher.decrypt(blob)) as CredentialMap;
      for (const [registry, credential] of Object.entries(parsed)) {
        if (isCredential(credential)) map.set(registry, { username: credential.username, password: credential.password });
      }
    } catch {
      // Unreadable (another OS user or a reset key store): start empty; the next save replaces the file.
    }
    return map;
  }

  const entries = () => (loaded ??= readMap());

  function save(map: Map<string, RegistryCredential>): Promise<void> {
    if (!persistent) return Promise.resolve();
    const blob = options.cipher.encrypt(JSON.stringify(Object.fromEntries(map)));
    const next = writing.then(async () => {
      await mkdir(path.dirname(options.file), { recursive: true });
      const tmp = `${options.file}.${process.pid}.tmp`;
      await writeFile(tmp, blob, { mode: 0o600 });
      await rename(tmp, options.file);
    });
    writing = next.catch(() => undefined);
    return next;
  }

  return {
    persistence: persistent ? 'encrypted-file' : 'memory',
    async get(registry) {
      return (await entries()).get(normaliseRegistry(registry)) ?? null;
    },
    async set(registry, credential) {
      const map = await entries();
      map.set(normaliseRegistry(registry), { username: credential.username, password: credential.password });
      await save(map);
    },
    async delete(registry) {
      const map = await entries();
      if (!map.delete(normaliseRegistry(registry))) return;
      if (map.size === 0 && persistent) {
        await writing;
        await rm(options.file, { force: true });
        return;
      }
      await save(map);
    },
  };
}
