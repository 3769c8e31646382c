// The engine service behind both transports: opens sources, runs analyses as cancellable jobs with
// progress events, and answers tree and details queries from the analysed images it holds.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  ApiError,
  ApiEvent,
  ApiInput,
  ApiMethod,
  ApiOutputs,
  ApiResult,
  ImageView,
  PathDetails,
  RecentSource,
  SourceSpec,
  TreeData,
} from '../../shared/api';
import { apiInputSchemas } from '../../shared/api';
import { isStrataError, StrataError } from '../../shared/errors';
import type { ImageStore } from '../stores/types';
import { analyzeBloatInSteps } from '../bloat/analyze-bloat';
import { BloatCache } from '../bloat/bloat-cache';
import { IndexCache } from '../cache/index-cache';
import { createMemoryCredentialStore } from '../credentials/memory-credential-store';
import { IndexPool } from '../layers/index-pool';
import { sharedRegistryClients } from '../stores/remote-store-factory';
import { analyzeImage, prefetchPlan, type AnalyzedImage } from './image-analysis';
import { openSourceSpec, safeUploadName } from './open-source';
import { createRemoteHandlers } from './remote-handlers';
import { runInTurns } from './run-in-turns';
import type { StrataService, StrataServiceOptions } from './strata-service-types';
import { buildTreeDataInSteps, pathDetails } from './tree-data';

const MAX_RECENT = 12;
const MAX_UPLOAD_BYTES = 64 * 1024 ** 3;

/** Turns any thrown value into the error value the UI shows. */
export function toApiError(error: unknown): ApiError {
  if (isStrataError(error)) return { code: error.code, message: error.message, file: error.file, entry: error.entry };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Unexpected error: ${message}` };
}

/** Creates the service; one per window (Electron) or per server. */
export function createStrataService(options: StrataServiceOptions): StrataService {
  const uploadsDir = path.join(options.cacheDir, 'uploads');
  const recentFile = path.join(options.cacheDir, 'recent.json');
  const pool = new IndexPool();
  const cache = new IndexCache(path.join(options.cacheDir, 'layers'));
  const bloatCache = new BloatCache(path.join(options.cacheDir, 'bloat'));
  const credentials = options.credentials ?? createMemoryCredentialStore();
  const stores = new Map<string, { store: ImageStore; spec: SourceSpec }>();
  const images = new Map<string, AnalyzedImage>();
  const jobs = new Map<string, AbortController>();
  const listeners = new Set<(event: ApiEvent) => void>();

  const emit = (event: ApiEvent) => {
    for (const listener of listeners) listener(event);
  };
  // One client per registry for every call, so a token fetched to list tags serves the open that follows.
  const clients = sharedRegistryClients({ credentials: (r) => credentials.get(r), env: options.env });
  const remote = createRemoteHandlers({ credentials, env: options.env, jobs, emit, clients });

  async function readRecent(): Promise<RecentSource[]> {
    try {
      const parsed = JSON.parse(await readFile(recentFile, 'utf8')) as RecentSource[];
      return Array.isArray(parsed) ? parsed.slice(0, MAX_RECENT) : [];
    } catch {
      return [];
    }
  }

  async function remember(spec: SourceSpec, label: string): Promise<void> {
    if (spec.kind === 'uploads') return;
    const key = JSON.stringify(spec);
    const list = (await readRecent()).filter((r) => JSON.stringify(r.source) !== key);
    list.unshift({ label, source: spec, openedAt: new Date().toISOString() });
    await mkdir(options.cacheDir, { recursive: true });
    const tmp = `${recentFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(list.slice(0, MAX_RECENT)));
    await rename(tmp, recentFile);
  }

  function imageOf(imageId: string): AnalyzedImage {
    const image = images.get(imageId);
    if (!image) throw new StrataError('not-found', 'That image is no longer open; open it again.');
    return image;
  }

  function checkLayer(image: AnalyzedImage, layer: number): void {
    if (layer >= image.indexes.length) {
      throw new StrataError('usage', `Layer ${layer} does not exist: the image has ${image.indexes.length} layers (0–${image.indexes.length - 1}).`);
    }
  }

  const handlers: { readonly [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutputs[M]> } = {
    async openSource({ source }) {
      const store = await openSourceSpec(source, {
        samplePath: options.samplePath,
        uploadsDir,
        credentials: (registry) => credentials.get(registry),
        env: options.env,
        clients,
      });
      const sourceId = randomUUID();
      stores.set(sourceId, { store, spec: source });
      const list = await store.list();
      await remember(source, store.location);
      return { sourceId, kind: store.kind, location: store.location, images: list };
    },

    async analyzeImage({ sourceId, image, platform, jobId }) {
      const opened = stores.get(sourceId);
      if (!opened) throw new StrataError('not-found', 'That source is no longer open; open it again.');
      const controller = new AbortController();
      jobs.set(jobId, controller);
      try {
        const img = await opened.store.openImage({ image, platform, prefetch: prefetchPlan({ pool, cache }) });
        let last = 0;
        const analyzed = await analyzeImage(img, opened.store, { pool, cache }, {
          signal: controller.signal,
          onProgress: (layers) => {
            const now = Date.now();
            const settled = layers.every((l) => l.state !== 'queued' && l.state !== 'reading');
            if (now - last < 100 && !settled) return;
            last = now;
            emit({ type: 'progress', jobId, layers });
          },
        });
        const imageId = randomUUID();
        images.set(imageId, analyzed);
        return imageView(imageId, analyzed);
      } finally {
        jobs.delete(jobId);
      }
    },

    async cancelJob({ jobId }) {
      jobs.get(jobId)?.abort();
      return null;
    },

    async getLayerTree({ imageId, layer, view }): Promise<TreeData> {
      const image = imageOf(imageId);
      checkLayer(image, layer);
      return runInTurns(buildTreeDataInSteps(image, layer, view));
    },

    async getPathDetails({ imageId, layer, path: p }): Promise<PathDetails> {
      const image = imageOf(imageId);
      checkLayer(image, layer);
      return pathDetails(image, layer, p);
    },

    async getBloat({ imageId }) {
      const image = imageOf(imageId);
      // About 1.6 s for a 1M-entry image: run a step per event-loop turn, so IPC and HTTP calls are answered meanwhile.
      const analyze = () => runInTurns(analyzeBloatInSteps(image.descriptor, image.indexes, image.diffs));
      return (await bloatCache.report(image.descriptor, image.indexes, analyze)).report;
    },

    listDockerImages: remote.listDockerImages,
    listTags: remote.listTags,
    saveCredentials: remote.saveCredentials,
    listRepositories: remote.listRepositories,
    listPlatforms: remote.listPlatforms,
    saveImage: remote.saveImage,

    async listRecent() {
      return readRecent();
    },

    async closeSource({ sourceId }) {
      const opened = stores.get(sourceId);
      stores.delete(sourceId);
      await opened?.store.close();
      return null;
    },
  };

  async function call<M extends ApiMethod>(method: M, input: unknown): Promise<ApiResult<ApiOutputs[M]>> {
    const parsed = apiInputSchemas[method].safeParse(input);
    if (!parsed.success) {
      return { ok: false, error: { code: 'usage', message: `Invalid input for ${method}: ${parsed.error.issues[0]?.message ?? 'rejected'}.` } };
    }
    try {
      const handler = handlers[method] as (i: unknown) => Promise<ApiOutputs[M]>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  }

  const api = Object.fromEntries(
    (Object.keys(handlers) as ApiMethod[]).map((method) => [method, (input: unknown) => call(method, input)]),
  ) as unknown as Omit<StrataService, 'onEvent' | 'createUpload' | 'dispose'>;

  return {
    ...api,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async createUpload(fileName: string, body: Readable): Promise<string> {
      const id = randomUUID();
      const dir = path.join(uploadsDir, id);
      await mkdir(dir, { recursive: true });
      let received = 0;
      body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_UPLOAD_BYTES) body.destroy(new StrataError('too-large', `${fileName}: upload exceeds ${MAX_UPLOAD_BYTES} bytes.`));
      });
      try {
        await pipeline(body, createWriteStream(path.join(dir, safeUploadName(fileName))));
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      return id;
    },
    async dispose() {
      for (const job of jobs.values()) job.abort();
      await Promise.allSettled([...stores.values()].map((s) => s.store.close()));
      stores.clear();
      images.clear();
      await pool.close();
    },
  };
}

function imageView(imageId: string, image: AnalyzedImage): ImageView {
  const d = image.descriptor;
  return {
    imageId,
    sourceKind: image.sourceKind,
    location: image.location,
    name: d.name,
    id: d.id,
    platform: d.platform,
    layers: image.layers,
    emptyStepsAfter: d.emptyStepsAfter,
    runtimeConfig: d.runtimeConfig,
    compressedSize: image.layers.reduce((sum, l) => sum + l.size, 0),
    uncompressedSize: image.layers.reduce((sum, l) => sum + l.uncompressedSize, 0),
  };
}
