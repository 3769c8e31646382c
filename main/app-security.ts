// The desktop shell's security decisions as data and pure functions (no electron import): the app
// protocol and its origin, the Content-Security-Policy, which URLs a request may read, and which
// frame may call the API. main.ts, window.ts and ipc/ apply them.
import * as path from 'node:path';
import { assetContentType } from './asset-types';

/** The custom scheme the UI is served from (never `file://`). */
export const APP_SCHEME = 'strata-app';

/** The one host of the app protocol. */
export const APP_HOST = 'app';

/** The origin of the UI's pages, as the renderer reports it in `location.origin`. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The page policy: scripts, styles and fonts only from the app's own files, no inline or eval'd code,
 * no network (the UI reaches the engine over IPC only), no frames, forms, plugins or workers.
 */
export const APP_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response of the app protocol. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': APP_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A file the app protocol may serve, with its content type. */
export interface AppAsset {
  readonly file: string;
  readonly contentType: string;
}

/**
 * Maps an app-protocol URL to a file inside `rootDir` (the built renderer); `/` is index.html.
 * Null for another scheme or host, a path that leaves the root (`..`, encoded slashes or
 * dots), NUL bytes, backslashes, or a type the UI never loads.
 */
export function resolveAppAsset(rootDir: string, requestUrl: string): AppAsset | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return null;
  const contentType = assetContentType(file);
  return contentType ? { file, contentType } : null;
}

/** Tells whether a URL is a page of the app protocol: exactly its scheme and host, no port or user info. */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/** The frame an IPC call came from, as Electron's `event.senderFrame` describes it. */
export interface IpcSenderFrame {
  /** The frame's current URL; undefined when the frame is gone. */
  readonly url: string | undefined;
  /** True for the top-level frame of the app's own window (not an iframe, not another webContents). */
  readonly isAppMainFrame: boolean;
}

/** Why a sender is refused, or null when it is the app's own main frame on the app origin. */
export function senderRefusal(sender: IpcSenderFrame): string | null {
  if (!sender.url) return 'The calling frame is gone.';
  if (!sender.isAppMainFrame) return 'Only the main frame of the Strata window may call the API.';
  if (!isAppUrl(sender.url)) return `Calls from pages outside ${APP_ORIGIN} are refused.`;
  return null;
}
