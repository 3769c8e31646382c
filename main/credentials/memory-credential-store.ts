// Registry logins kept in memory for this run only: what `strata serve` uses, since a browser tab has no
// OS key store to encrypt them with.
import type { RegistryCredential } from '../registry/credentials';
import type { AppCredentialStore } from './encrypted-credential-store';

/** Creates an empty store whose logins are forgotten when the process exits. */
export function createMemoryCredentialStore(): AppCredentialStore {
  const map = new Map<string, RegistryCredential>();
  const key = (registry: string) => registry.trim().toLowerCase();
  return {
    persistence: 'memory',
    async get(registry) {
      return map.get(key(registry)) ?? null;
    },
    async set(registry, credential) {
      map.set(key(registry), { username: credential.username, password: credential.password });
    },
    async delete(registry) {
      map.delete(key(registry));
    },
  };
}
