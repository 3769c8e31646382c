// API handlers for live sources: the Docker engine's image list, a repository's tags, and saving a
// registry login (checked against the registry before it is stored). The service spreads them into
// its handler table.
import type { ApiInput, ApiOutputs } from '../../shared/api';
import { StrataError } from '../../shared/errors';
import type { CredentialStore } from '../registry/credentials';
import { DockerEngineClient, resolveEngineEndpoint } from '../registry/docker-engine-client';
import { familiarName, parseImageReference } from '../registry/image-reference';
import { RegistryClient } from '../registry/registry-client';
import { registryClient } from '../stores/remote-store-factory';

/** What the remote handlers need from the app. */
export interface RemoteHandlerContext {
  /** The app's credential store (safeStorage-backed in Electron). */
  readonly credentials: CredentialStore;
  /** Environment for DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The handlers of `listDockerImages`, `listTags` and `saveCredentials`. */
export interface RemoteHandlers {
  listDockerImages(input: ApiInput<'listDockerImages'>): Promise<ApiOutputs['listDockerImages']>;
  listTags(input: ApiInput<'listTags'>): Promise<ApiOutputs['listTags']>;
  saveCredentials(input: ApiInput<'saveCredentials'>): Promise<ApiOutputs['saveCredentials']>;
}

const REGISTRY_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** Creates the handlers over the app's credential store. */
export function createRemoteHandlers(context: RemoteHandlerContext): RemoteHandlers {
  const env = context.env ?? process.env;
  const appCredentials = (registry: string) => context.credentials.get(registry);
  return {
    async listDockerImages() {
      const client = new DockerEngineClient(await resolveEngineEndpoint(env));
      const images = await client.listImages();
      return [...images].sort((a, b) => b.created.localeCompare(a.created));
    },

    async listTags({ repository }) {
      const ref = parseImageReference(repository);
      const client = registryClient(ref.registry, { credentials: appCredentials, env });
      const tags = await client.listTags(ref.repository);
      return { repository: familiarName({ ...ref, tag: '', digest: '' }), tags: [...tags].sort() };
    },

    async saveCredentials({ registry, username, password }) {
      const host = normalizeRegistry(registry);
      // Check the login first: a wrong password is reported now, not at the next open.
      const client = new RegistryClient(host, { credentials: async () => ({ username, password }) });
      await client.ping();
      await context.credentials.set(host, { username, password });
      return null;
    },
  };
}

/** A registry as users type it (`https://ghcr.io/`, `index.docker.io`) in the form references use. */
export function normalizeRegistry(input: string): string {
  const host = input.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!REGISTRY_HOST.test(host)) throw new StrataError('usage', `${JSON.stringify(input)} is not a registry host name.`);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
