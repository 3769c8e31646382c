// Content types of the renderer's built assets, shared by the app protocol and the local HTTP server.
import * as path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The content type of a built asset by its extension, or undefined for a kind the renderer never ships. */
export function assetContentType(file: string): string | undefined {
  return CONTENT_TYPES[path.extname(file).toLowerCase()];
}
