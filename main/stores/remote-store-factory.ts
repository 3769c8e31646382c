// Opens a store for a reference: `docker://NAME` is the local Docker engine, anything else a registry.
import { chainCredentials, dockerConfigCredentials, type CredentialLookup } from '../registry/credentials';
import { parseImageReference } from '../registry/image-reference';
import { RegistryClient, type RetryPolicy } from '../registry/registry-client';
import { RegistryClients } from '../registry/registry-clients';
import { DockerEngineStore } from './docker-engine-store';
import { RegistryStore } from './registry-store';
import type { ImageStore } from './types';

/** Options of `openReferenceStore`; every field is optional. */
export interface ReferenceStoreOptions {
  /** Credentials tried before docker's config.json (e.g. the app's safeStorage-backed store). */
  readonly credentials?: CredentialLookup;
  /** Environment for DOCKER_HOST, DOCKER_CONFIG and DOCKER_CONTEXT (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** PEM certificates trusted instead of Node's bundled roots (a registry with a private CA). */
  readonly ca?: string | Buffer;
  readonly retry?: RetryPolicy;
  /** Force plain HTTP (true) or HTTPS (false) for the registry; default: HTTPS, HTTP fallback on loopback. */
  readonly plainHttp?: boolean;
  /** The app's shared clients: when given, a registry's client (and its tokens) comes from here. */
  readonly clients?: RegistryClients;
}

/** Opens the store a reference names: `docker://alpine:3.20` (local engine) or `ghcr.io/o/a:tag` (registry). */
export async function openReferenceStore(ref: string, options: ReferenceStoreOptions = {}): Promise<ImageStore> {
  const env = options.env ?? process.env;
  if (ref.startsWith('docker://')) return DockerEngineStore.open(ref.slice('docker://'.length), { env });
  const parsed = parseImageReference(ref);
  return new RegistryStore(registryClient(parsed.registry, options), parsed);
}

/** One client per registry, each made by `registryClient` with these options: the app's, shared by all its calls. */
export function sharedRegistryClients(options: Omit<ReferenceStoreOptions, 'clients'>): RegistryClients {
  return new RegistryClients((registry) => registryClient(registry, options));
}

/** A registry client with the credential chain the app uses (given credentials, then docker's config), or the shared one. */
export function registryClient(registry: string, options: ReferenceStoreOptions = {}): RegistryClient {
  if (options.clients) return options.clients.get(registry);
  return new RegistryClient(registry, {
    credentials: chainCredentials(options.credentials, dockerConfigCredentials(options.env ?? process.env)),
    ca: options.ca,
    retry: options.retry,
    plainHttp: options.plainHttp,
  });
}
