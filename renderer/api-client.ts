// The only module that touches the transport: the Electron preload's `window.strataApi` when present,
// else HTTP to `strata serve` (token from the page URL). Everything else calls `api`.
import type {
  ApiEvent,
  ApiInput,
  ApiMethod,
  ApiOutputs,
  ApiResult,
  SavePathRequest,
  SourceSpec,
  StrataApi,
  StrataBridge,
} from '../shared/api';
import { folderRoot, type GivenFolder } from './state/folder-files';

declare global {
  interface Window {
    readonly strataApi?: StrataBridge;
  }
}

const bridge: StrataBridge | undefined = window.strataApi;
const params = new URLSearchParams(window.location.search);
const token = params.get('token') ?? '';

/** Which transport this window uses. */
export const transport: 'electron' | 'browser' = bridge ? 'electron' : 'browser';

async function httpCall(method: string, input: unknown): Promise<ApiResult<unknown>> {
  try {
    const response = await fetch(`./api/${encodeURIComponent(method)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-strata-token': token },
      body: JSON.stringify(input),
    });
    if (response.headers.get('content-type')?.startsWith('application/json')) {
      return (await response.json()) as ApiResult<unknown>;
    }
    return { ok: false, error: { code: 'network', message: `The server answered ${response.status} ${response.statusText}.` } };
  } catch (error) {
    return { ok: false, error: { code: 'network', message: `The Strata server cannot be reached: ${(error as Error).message}` } };
  }
}

/** Calls one API method by name; errors come back as values. */
function callApi<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResult<ApiOutputs[M]>> {
  if (bridge) return bridge.call(method, input);
  return httpCall(method, input) as Promise<ApiResult<ApiOutputs[M]>>;
}

/** The typed API: `api.openSource({ source })` and so on, for every method of the contract. */
export const api = new Proxy({} as StrataApi, {
  get: (_target, method: string) => (input: unknown) => callApi(method as ApiMethod, input as never),
});

/** Subscribes to engine events (progress); returns the unsubscribe function. */
export function onApiEvent(listener: (event: ApiEvent) => void): () => void {
  if (bridge) return bridge.onEvent(listener);
  const source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
  const onMessage = (message: MessageEvent<string>) => listener(JSON.parse(message.data) as ApiEvent);
  source.addEventListener('message', onMessage);
  return () => source.close();
}

/**
 * Asks where to save an image with the Electron shell's native save dialog: the chosen path, '' when
 * the user cancels; null in a browser, where the page asks for a path on the server machine instead.
 */
export function chooseSavePath(request: SavePathRequest): Promise<ApiResult<string>> | null {
  return bridge ? bridge.chooseSavePath(request) : null;
}

/** Progress of turning dropped files into a source: one callback per file as it is sent. */
export type FileProgress = (fileIndex: number, state: 'sending' | 'sent') => void;

/**
 * Turns dropped files into a source: their local paths in Electron, or server uploads in a browser.
 * One file opens as an archive (or layout folder); several are loose layer tarballs in the given order.
 */
export async function sourceForFiles(files: readonly File[], onProgress?: FileProgress): Promise<ApiResult<SourceSpec>> {
  if (bridge) {
    const paths = files.map((f) => bridge.pathForFile(f));
    const missing = files.find((_, i) => !paths[i]);
    if (missing) return { ok: false, error: { code: 'not-found', message: `${missing.name} has no local path.`, file: missing.name } };
    return { ok: true, value: paths.length === 1 ? { kind: 'path', path: paths[0] } : { kind: 'layer-files', paths } };
  }
  const uploads: string[] = [];
  for (const [i, file] of files.entries()) {
    onProgress?.(i, 'sending');
    const result = await upload(file);
    if (!result.ok) return result;
    uploads.push(result.value);
    onProgress?.(i, 'sent');
  }
  return { ok: true, value: { kind: 'uploads', uploads } };
}

async function upload(file: File): Promise<ApiResult<string>> {
  try {
    const response = await fetch(`./api/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-strata-token': token },
      body: file,
    });
    const result = (await response.json()) as ApiResult<{ uploadId: string }>;
    if (!result.ok) return { ok: false, error: { ...result.error, file: result.error.file ?? file.name } };
    return { ok: true, value: result.value.uploadId };
  } catch (error) {
    return { ok: false, error: { code: 'network', message: `Uploading ${file.name} failed: ${(error as Error).message}`, file: file.name } };
  }
}

/** In Electron, the local path of a folder chosen in the page (from one of its files' paths); null in a browser. */
export function localFolderPath(folder: GivenFolder): string | null {
  const first = folder.files[0];
  if (!bridge || !first || !(first.file instanceof File)) return null;
  const local = bridge.pathForFile(first.file);
  return local ? folderRoot(local, first.path) : null;
}

/** The source named on the server's command line (`strata serve SOURCE`), if any. */
export function initialSource(): SourceSpec | null {
  const raw = params.get('source');
  if (!raw) return null;
  try {
    return JSON.parse(raw) as SourceSpec;
  } catch {
    return null;
  }
}
