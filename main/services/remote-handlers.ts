// API handlers for live sources: the Docker engine's image list, a repository's tags, a registry's
// catalog, the platforms of an index, saving a registry login (checked against the registry before it is
// stored) and saving an image to disk as a cancellable job. The service puts them into its handler table.
import * as path from 'node:path';
import type { ApiEvent, ApiInput, ApiOutputs } from '../../shared/api';
import { StrataError } from '../../shared/errors';
import type { CredentialStore } from '../registry/credentials';
import type { RegistryClients } from '../registry/registry-clients';
import { DockerEngineClient, resolveEngineEndpoint } from '../registry/docker-engine-client';
import { familiarName, parseImageReference } from '../registry/image-reference';
import { RegistryClient } from '../registry/registry-client';
import { platformEntries } from '../registry/manifest-document';
import { RegistryStore } from '../stores/registry-store';
import { sharedRegistryClients } from '../stores/remote-store-factory';
import { checkSaveDestination, saveReference } from '../stores/save-image';

/** What the remote handlers need from the app. */
export interface RemoteHandlerContext {
  /** The app's credential store (safeStorage-backed in Electron). */
  readonly credentials: CredentialStore;
  /** Environment for DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where running jobs register their AbortController by job id (the service's, so `cancelJob` reaches them). */
  readonly jobs?: Map<string, AbortController>;
  /** Sends progress events to the UI. */
  readonly emit?: (event: ApiEvent) => void;
  /** The app's registry clients, shared with opening images (default: the handlers' own). */
  readonly clients?: RegistryClients;
}

/** The handlers of `listDockerImages`, `listTags`, `saveCredentials`, `listRepositories`, `listPlatforms` and `saveImage`. */
export interface RemoteHandlers {
  listDockerImages(input: ApiInput<'listDockerImages'>): Promise<ApiOutputs['listDockerImages']>;
  listTags(input: ApiInput<'listTags'>): Promise<ApiOutputs['listTags']>;
  saveCredentials(input: ApiInput<'saveCredentials'>): Promise<ApiOutputs['saveCredentials']>;
  listRepositories(input: ApiInput<'listRepositories'>): Promise<ApiOutputs['listRepositories']>;
  listPlatforms(input: ApiInput<'listPlatforms'>): Promise<ApiOutputs['listPlatforms']>;
  saveImage(input: ApiInput<'saveImage'>): Promise<ApiOutputs['saveImage']>;
}

const CATALOG_PAGE_SIZE = 100;
const PROGRESS_INTERVAL_MS = 100;

const REGISTRY_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** Creates the handlers over the app's credential store. */
export function createRemoteHandlers(context: RemoteHandlerContext): RemoteHandlers {
  const env = context.env ?? process.env;
  const appCredentials = (registry: string) => context.credentials.get(registry);
  const jobs = context.jobs ?? new Map<string, AbortController>();
  const clients = context.clients ?? sharedRegistryClients({ credentials: appCredentials, env });
  return {
    async listDockerImages() {
      const client = new DockerEngineClient(await resolveEngineEndpoint(env));
      const images = await client.listImages();
      return [...images].sort((a, b) => b.created.localeCompare(a.created));
    },

    async listTags({ repository }) {
      const ref = parseImageReference(repository);
      const tags = await clients.get(ref.registry).listTags(ref.repository);
      return { repository: familiarName({ ...ref, tag: '', digest: '' }), tags: [...tags].sort() };
    },

    async saveCredentials({ registry, username, password }) {
      const host = normalizeRegistry(registry);
      // Check the login first: a wrong password is reported now, not at the next open.
      const client = new RegistryClient(host, { credentials: async () => ({ username, password }) });
      await client.ping();
      await context.credentials.set(host, { username, password });
      clients.forget(host);
      return null;
    },

    async listRepositories({ registry, last, pageSize }) {
      const host = normalizeRegistry(registry);
      const page = await clients.get(host).catalogPage(pageSize ?? CATALOG_PAGE_SIZE, last ?? '');
      return { registry: host, repositories: page.repositories, next: page.next };
    },

    async listPlatforms({ ref }) {
      if (ref.startsWith('docker://')) return []; // an engine image is one platform
      const parsed = parseImageReference(ref);
      const top = await new RegistryStore(clients.get(parsed.registry), parsed).resolve();
      return top.document.kind === 'index' ? platformEntries(top.document.manifests).map((m) => m.platform) : [];
    },

    async saveImage({ ref, destination, format, platform, jobId }) {
      await checkSaveDestination(destination, format);
      const dest = path.resolve(destination);
      const controller = new AbortController();
      jobs.set(jobId, controller);
      // Progress travels as one row: the save's bytes written so far out of the image's total.
      const report = (bytesDone: number, bytesTotal: number, state: 'reading' | 'done') =>
        context.emit?.({ type: 'progress', jobId, layers: [{ layer: 0, bytesDone, bytesTotal, state }] });
      let written = 0;
      let last = 0;
      try {
        const saved = await saveReference(ref, dest, {
          format,
          platform,
          clients,
          env,
          signal: controller.signal,
          onProgress: (bytesDone, bytesTotal) => {
            written = bytesDone;
            const now = Date.now();
            if (now - last < PROGRESS_INTERVAL_MS) return;
            last = now;
            report(bytesDone, bytesTotal, 'reading');
          },
        });
        report(written, written, 'done');
        return { destination: dest, format: saved, bytes: written };
      } catch (error) {
        if (controller.signal.aborted) throw new StrataError('cancelled', `Saving ${ref} was cancelled; nothing was kept at ${dest}.`, { file: dest });
        throw error;
      } finally {
        jobs.delete(jobId);
      }
    },
  };
}

/** A registry as users type it (`https://ghcr.io/`, `index.docker.io`) in the form references use. */
export function normalizeRegistry(input: string): string {
  const host = input.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!REGISTRY_HOST.test(host)) throw new StrataError('usage', `${JSON.stringify(input)} is not a registry host name.`);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
