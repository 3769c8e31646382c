// Where registry credentials come from: an app-provided store (safeStorage in Electron) and docker's
// own ~/.docker/config.json (`auths`, `credsStore`, `credHelpers` via docker-credential-* programs).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** A username and password (or an identity token, with username `<token>`) for one registry. */
export interface RegistryCredential {
  readonly username: string;
  readonly password: string;
}

/** Electron-free credential storage the app implements (main/credentials/ keeps them with safeStorage). */
export interface CredentialStore {
  /** The credential saved for a registry (`docker.io`, `localhost:5000`), or null. */
  get(registry: string): Promise<RegistryCredential | null>;
  /** Saves (replaces) the credential of a registry. */
  set(registry: string, credential: RegistryCredential): Promise<void>;
}

/** Looks credentials up by registry name; null when none is known. */
export type CredentialLookup = (registry: string) => Promise<RegistryCredential | null>;

const HELPER_TIMEOUT_MS = 10_000;

interface DockerConfig {
  readonly auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  readonly credsStore?: string;
  readonly credHelpers?: Record<string, string>;
}

/** The keys docker uses for a registry in config.json (Docker Hub is stored under its v1 URL). */
function configKeys(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/** Reads credentials the docker CLI saved: `DOCKER_CONFIG`/config.json, else ~/.docker/config.json. */
export function dockerConfigCredentials(env: Readonly<Record<string, string | undefined>> = process.env): CredentialLookup {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  return async (registry) => {
    let config: DockerConfig;
    try {
      config = JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
    } catch {
      return null;
    }
    const keys = configKeys(registry);
    const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? config.credsStore;
    if (helper) {
      const fromHelper = await runCredentialHelper(helper, keys[0], env);
      if (fromHelper) return fromHelper;
    }
    for (const key of keys) {
      const entry = config.auths?.[key];
      if (!entry) continue;
      if (entry.identitytoken) return { username: '<token>', password: entry.identitytoken };
      if (entry.username && entry.password) return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
    return null;
  };
}

/** Asks `docker-credential-NAME get` for a server's credential; null when it has none, fails or times out. */
export function runCredentialHelper(
  name: string,
  server: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  timeoutMs = HELPER_TIMEOUT_MS,
): Promise<RegistryCredential | null> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const child = execFile(
      `docker-credential-${name}`,
      ['get'],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, env: env as NodeJS.ProcessEnv },
      (error, stdout) => {
        if (error) return resolve(null);
        try {
          const parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
          if (typeof parsed.Username === 'string' && typeof parsed.Secret === 'string' && parsed.Secret) {
            resolve({ username: parsed.Username, password: parsed.Secret });
          } else resolve(null);
        } catch {
          resolve(null);
        }
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(server);
  });
}

/** Tries lookups in order and returns the first credential found. */
export function chainCredentials(...lookups: readonly (CredentialLookup | undefined)[]): CredentialLookup {
  return async (registry) => {
    for (const lookup of lookups) {
      const found = lookup ? await lookup(registry) : null;
      if (found) return found;
    }
    return null;
  };
}
