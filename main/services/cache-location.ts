// Where Strata keeps its cache when the caller does not say.
import * as os from 'node:os';
import * as path from 'node:path';

/** `$STRATA_CACHE_DIR`, else `$XDG_CACHE_HOME/strata`, else `~/.cache/strata`. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.STRATA_CACHE_DIR) return path.resolve(env.STRATA_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'strata');
  return path.join(os.homedir(), '.cache', 'strata');
}

/** The bundled sample image, built by `npm run sample` (part of `npm run build`). */
export function defaultSamplePath(): string {
  // Compiled code runs from dist/main/services; tests run the sources from main/services.
  const root = path.resolve(__dirname, '..', '..');
  const dist = path.basename(root) === 'dist' ? root : path.join(root, 'dist');
  return path.join(dist, 'sample', 'strata-sample.tar');
}
