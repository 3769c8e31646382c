// What the desktop app opens and where it keeps files, decided from its command line and environment
// (pure: no electron import). `strata-app PATH…`, `electron . -- PATH…` and `npm start -- PATH…` all
// name a source the way the CLI does; with none, the app opens the bundled sample.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceSpec } from '../shared/api';
import { defaultCacheDir } from './services/cache-location';
import { sourceSpecFromArgs } from './services/open-source';
import { APP_ORIGIN } from './app-security';

/** How the app was started. */
export interface LaunchContext {
  /** Electron's `process.defaultApp`: true when run as `electron APP_PATH …`, so argv names the app first. */
  readonly defaultApp: boolean;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
}

/**
 * The user's arguments in an Electron argv: drops the executable, switches (`--inspect=0`,
 * `--user-data-dir=…`, macOS `-psn_…`) and, for a default app, the app path; everything after `--`
 * is taken as given. `file://` URLs (Linux desktop files launch with `%U`) become paths.
 */
export function launchArguments(argv: readonly string[], context: Pick<LaunchContext, 'defaultApp'>): string[] {
  const positional: string[] = [];
  let rest = false;
  for (const arg of argv.slice(1)) {
    if (rest) positional.push(arg);
    else if (arg === '--') rest = true;
    else if (!arg.startsWith('-')) positional.push(arg);
  }
  return (context.defaultApp ? positional.slice(1) : positional).map(fileUrlToPath);
}

function fileUrlToPath(arg: string): string {
  if (!/^file:\/\//i.test(arg)) return arg;
  try {
    return fileURLToPath(arg);
  } catch {
    return arg;
  }
}

/** The source named on a command line (one path, several layer tarballs, or a reference), or null. */
export function launchSource(argv: readonly string[], context: LaunchContext): SourceSpec | null {
  const args = launchArguments(argv, context);
  return args.length === 0 ? null : sourceSpecFromArgs(args, context.cwd);
}

/** The source the first window opens: the command line's, else the bundled sample. */
export function initialSource(argv: readonly string[], context: LaunchContext): SourceSpec {
  return launchSource(argv, context) ?? { kind: 'sample' };
}

/** The URL of the UI's page; the renderer opens `source` on load (the same `?source=` `strata serve` uses). */
export function appPageUrl(source: SourceSpec | null): string {
  const query = source ? `?source=${encodeURIComponent(JSON.stringify(source))}` : '';
  return `${APP_ORIGIN}/index.html${query}`;
}

/**
 * The engine's cache root: `$STRATA_CACHE_DIR` or the XDG cache (shared with the `strata` CLI) on
 * Linux or when XDG_CACHE_HOME is set; elsewhere `<userData>/layer-cache` (not `Cache`: Chromium's HTTP cache lives there).
 */
export function appCacheDir(env: Readonly<Record<string, string | undefined>>, platform: string, userDataDir: string): string {
  if (env.STRATA_CACHE_DIR || env.XDG_CACHE_HOME || platform === 'linux') return defaultCacheDir(env);
  return path.join(userDataDir, 'layer-cache');
}

/**
 * The on-disk copy of a file electron-builder unpacked next to the asar archive (`asarUnpack`), so
 * worker threads and native readers see a plain file; other paths are returned as they are.
 */
export function unpackedPath(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
