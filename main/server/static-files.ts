// Serves the built renderer (dist/renderer) read-only, with a strict Content-Security-Policy.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import { assetContentType } from '../asset-types';

/** The policy every page is served with: only this server's own scripts, styles and API. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** The built renderer next to the running code: dist/renderer. */
export function defaultRendererDir(): string {
  // Compiled code runs from dist/main/server; tests run the sources from main/server.
  const root = path.resolve(__dirname, '..', '..');
  const dist = path.basename(root) === 'dist' ? root : path.join(root, 'dist');
  return path.join(dist, 'renderer');
}

/** Sends the file for a URL path from `rootDir`; `/` is index.html. Anything outside the root is a 404. */
export async function sendStatic(rootDir: string, urlPath: string, response: ServerResponse): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    decoded = '\0';
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(rootDir, relative);
  const inside = file.startsWith(path.resolve(rootDir) + path.sep);
  const info = inside && !decoded.includes('\0') ? await stat(file).catch(() => null) : null;
  if (!info?.isFile()) {
    response.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    response.end(relative === 'index.html' ? 'The renderer is not built: run `npx vite build --config renderer/vite.config.mts`.\n' : 'Not found.\n');
    return;
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': assetContentType(file) ?? 'application/octet-stream',
    'content-length': info.size,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'cache-control': path.extname(file) === '.html' ? 'no-store' : 'max-age=3600',
  });
  createReadStream(file).pipe(response);
}
