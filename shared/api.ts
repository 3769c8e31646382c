// The one contract between the renderer and the engine, for both transports:
// Electron IPC (main/ipc) and the local web server (main/server). Inputs are validated with these
// schemas at the boundary; outputs are plain data; errors travel as values (`ApiResult`).
import { z } from 'zod';
import type { BloatReport } from './bloat';
import type {
  ChangeAspect,
  EntryType,
  HistoryStep,
  ImageChoice,
  LayerEntry,
  LayerProgress,
  LayerSummary,
  SourceKind,
} from './model';

const text = z.string().min(1).max(4096);
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const layerNumber = z.number().int().min(0).max(100_000);

/** Formats an image can be saved in: an OCI layout folder or a `docker save` archive. */
export const saveFormatSchema = z.enum(['oci', 'docker-archive']);
/** Formats an image can be saved in. */
export type SaveFormat = z.infer<typeof saveFormatSchema>;

/** What the renderer asks the Electron shell's native save dialog for. */
export const savePathRequestSchema = z.object({
  /** A file or folder name to suggest (no path separators). */
  suggestedName: z.string().min(1).max(255).regex(/^(?!\.{1,2}$)[^/\\\0]+$/),
  format: saveFormatSchema,
});
/** What the renderer asks the Electron shell's native save dialog for. */
export type SavePathRequest = z.infer<typeof savePathRequestSchema>;

/** What the user asks to open. */
export const sourceSpecSchema = z.discriminatedUnion('kind', [
  /** A local archive or directory; the engine sniffs which kind. */
  z.object({ kind: z.literal('path'), path: text }),
  /** Loose layer tarballs, base first. */
  z.object({ kind: z.literal('layer-files'), paths: z.array(text).min(1).max(512) }),
  /** Files the browser uploaded to the server (drag-and-drop in `strata serve`), by upload id. */
  z.object({ kind: z.literal('uploads'), uploads: z.array(id).min(1).max(512) }),
  /** The bundled sample image. */
  z.object({ kind: z.literal('sample') }),
  /** A registry reference (`alpine:3.20`) or a Docker engine image (`docker://alpine:3.20`). */
  z.object({ kind: z.literal('reference'), ref: text }),
]);
/** What the user asks to open. */
export type SourceSpec = z.infer<typeof sourceSpecSchema>;

/** Input schemas of every API method. */
export const apiInputSchemas = {
  openSource: z.object({ source: sourceSpecSchema }),
  analyzeImage: z.object({
    sourceId: id,
    image: z.string().max(512).optional(),
    platform: z.string().max(64).optional(),
    jobId: id,
  }),
  cancelJob: z.object({ jobId: id }),
  getLayerTree: z.object({ imageId: id, layer: layerNumber, view: z.enum(['changes', 'merged']) }),
  getPathDetails: z.object({ imageId: id, layer: layerNumber, path: z.string().min(1).max(65_536) }),
  listRecent: z.object({}),
  closeSource: z.object({ sourceId: id }),
  getBloat: z.object({ imageId: id }),
  /** The local Docker engine's images. */
  listDockerImages: z.object({}),
  /** Tags of a repository (`alpine`, `ghcr.io/org/app`; a tag or digest in it is ignored). */
  listTags: z.object({ repository: text }),
  /** Stores a registry login (kept encrypted by the app); checked against the registry first. */
  saveCredentials: z.object({
    registry: z.string().min(1).max(255),
    username: z.string().min(1).max(1024),
    password: z.string().min(1).max(16_384),
  }),
  /** One page of a registry's repositories (`/v2/_catalog`), after `last` (exclusive). */
  listRepositories: z.object({
    registry: z.string().min(1).max(255),
    last: z.string().max(512).optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
  }),
  /** The platforms of a registry reference that names a multi-platform index (`linux/amd64`…); none for one image. */
  listPlatforms: z.object({ ref: text }),
  /** Saves a registry (`ghcr.io/o/a:tag`) or Docker engine (`docker://NAME`) image to a new path, as a job. */
  saveImage: z.object({
    ref: text,
    destination: text,
    format: saveFormatSchema,
    platform: z.string().max(64).optional(),
    jobId: id,
  }),
} as const;

/** The methods of the API. */
export type ApiMethod = keyof typeof apiInputSchemas;

/** A source the engine has opened: the images it holds. */
export interface SourceInfo {
  readonly sourceId: string;
  readonly kind: SourceKind;
  readonly location: string;
  readonly images: readonly ImageChoice[];
}

/** An analysed image: the ancestry chain with counts, ready to browse. */
export interface ImageView {
  readonly imageId: string;
  readonly sourceKind: SourceKind;
  readonly location: string;
  readonly name: string;
  readonly id: string;
  readonly platform: string;
  readonly layers: readonly LayerSummary[];
  readonly emptyStepsAfter: readonly HistoryStep[];
  /** The config's `config` section as JSON text, or ''. */
  readonly runtimeConfig: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

/** Status letters of tree rows: created, changed (modified), deleted, unchanged. */
export type RowStatus = 'A' | 'M' | 'D' | 'U';

/** One-letter codes of entry types in `TreeData.types`. */
export const ENTRY_TYPE_CODES: Readonly<Record<EntryType, string>> = {
  file: 'f',
  dir: 'd',
  hardlink: 'h',
  symlink: 'l',
  char: 'c',
  block: 'b',
  fifo: 'p',
  sparse: 's',
};

/**
 * The rows of one layer's tree, column-wise (compact for 500k-entry layers). Row i is
 * `paths[i]`, `types[i]`, `sizes[i]`, `status[i]`, `layers[i]`. Paths are absolute and sorted;
 * every parent directory of a listed path is listed too (synthesised as an unchanged `d` if needed).
 */
export interface TreeData {
  readonly layer: number;
  readonly view: 'changes' | 'merged';
  readonly paths: readonly string[];
  /** One `ENTRY_TYPE_CODES` letter per row. */
  readonly types: string;
  /** Content size per row (0 for directories; the UI sums subtrees). */
  readonly sizes: readonly number[];
  /** One `RowStatus` letter per row. */
  readonly status: string;
  /** Index of the layer that last wrote each row (for deleted rows: the layer whose copy was deleted). */
  readonly layers: readonly number[];
  /** What changed, for changed rows, keyed by row index. */
  readonly what: Readonly<Record<number, readonly ChangeAspect[]>>;
}

/** One event in a path's history across layers. */
export interface PathHistoryItem {
  readonly layer: number;
  readonly kind: 'created' | 'changed' | 'deleted';
  readonly entry: LayerEntry;
  readonly what: readonly ChangeAspect[];
  readonly createdBy: string;
}

/** Everything the details pane shows for one path at one layer. */
export interface PathDetails {
  readonly path: string;
  /** The entry as of the layer (for a path deleted in this layer: the deleted copy). */
  readonly entry: LayerEntry | null;
  readonly status: RowStatus;
  readonly what: readonly ChangeAspect[];
  /** Layer that last wrote the entry. */
  readonly layer: number;
  readonly history: readonly PathHistoryItem[];
}

/** A source opened earlier, for the start screen. */
export interface RecentSource {
  readonly label: string;
  readonly source: SourceSpec;
  readonly openedAt: string;
}

/** Output types of every API method. */
export interface ApiOutputs {
  openSource: SourceInfo;
  analyzeImage: ImageView;
  cancelJob: null;
  getLayerTree: TreeData;
  getPathDetails: PathDetails;
  listRecent: readonly RecentSource[];
  closeSource: null;
  getBloat: BloatReport;
  listDockerImages: readonly DockerImageInfo[];
  listTags: RepositoryTags;
  saveCredentials: null;
  listRepositories: RepositoryPage;
  listPlatforms: readonly string[];
  saveImage: SavedImage;
}

/** One page of a registry's catalog, for browsing a private registry. */
export interface RepositoryPage {
  /** The registry as references name it (`localhost:5000`). */
  readonly registry: string;
  readonly repositories: readonly string[];
  /** The `last` to ask for the next page, or null when this page is the last. */
  readonly next: string | null;
}

/** An image written to disk by `saveImage`. */
export interface SavedImage {
  readonly destination: string;
  readonly format: SaveFormat;
  /** Bytes written. */
  readonly bytes: number;
}

/** One image of the local Docker engine, as the "Open from Docker engine" list shows it. */
export interface DockerImageInfo {
  /** Image id (`sha256:…`). */
  readonly id: string;
  /** `repo:tag` names (none for dangling images). */
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  /** Bytes, as the engine reports them. */
  readonly size: number;
  /** RFC 3339. */
  readonly created: string;
}

/** A repository's tags, for the "Open from registry" dialog. */
export interface RepositoryTags {
  /** The repository as the user would type it (`alpine`, `ghcr.io/org/app`). */
  readonly repository: string;
  readonly tags: readonly string[];
}

/** Input type of an API method. */
export type ApiInput<M extends ApiMethod> = z.infer<(typeof apiInputSchemas)[M]>;

/** An error as the UI receives it: one sentence, plus the file and entry it concerns. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly entry?: string;
}

/** The result of every call: a value or an error, never a thrown exception across the boundary. */
export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

/**
 * Events main pushes to the UI: analysis progress, and (Electron only) a source the user chose from a
 * native menu, the command line of a second launch or an OS file association, for the UI to open.
 */
export type ApiEvent =
  | { readonly type: 'progress'; readonly jobId: string; readonly layers: readonly LayerProgress[] }
  | { readonly type: 'open-source'; readonly source: SourceSpec };

/** The typed surface both transports implement (the renderer's `api-client.ts` wraps one of them). */
export type StrataApi = {
  readonly [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiResult<ApiOutputs[M]>>;
};

/**
 * What the Electron preload exposes to the renderer as `window.strataApi` (via contextBridge); the
 * renderer's `api-client.ts` uses it when present and falls back to HTTP (`strata serve`) otherwise.
 */
export interface StrataBridge {
  /** Calls one API method; never rejects for engine errors (they come back as `{ ok: false }`). */
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResult<ApiOutputs[M]>>;
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** The local path of a dropped file or folder (Electron's `webUtils.getPathForFile`), '' if none. */
  pathForFile(file: Blob): string;
  /** Asks the user where to save an image with the native save dialog; '' when they cancel. */
  chooseSavePath(request: SavePathRequest): Promise<ApiResult<string>>;
}

/** Name of the single IPC channel for calls, and of the one for events. */
export const IPC_CALL_CHANNEL = 'strata:call';
/** Name of the IPC channel main uses to push `ApiEvent`s. */
export const IPC_EVENT_CHANNEL = 'strata:event';
/** Name of the IPC channel of the native save dialog (`StrataBridge.chooseSavePath`). */
export const IPC_SAVE_PATH_CHANNEL = 'strata:choose-save-path';
