// Bloat reports on disk, keyed by the image's layers (diffIds), build steps and the engine version, so a
// reopened image answers from the cache instead of re-running the analysis. Atomic writes, verified reads.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BloatReport } from '../../shared/bloat';
import { ENGINE_VERSION, type ImageDescriptor, type LayerIndex } from '../../shared/model';
import { analyzeBloat } from './analyze-bloat';

/** Version of the report's shape and rules; part of every key. */
export const BLOAT_FORMAT = 1;

/** The cache key of an image's report, or null when a layer's content digest is unknown. */
export function bloatCacheKey(image: ImageDescriptor, indexes: readonly LayerIndex[]): string | null {
  if (indexes.some((index) => !/^sha256:[a-f0-9]{64}$/.test(index.diffId))) return null;
  const what = {
    format: BLOAT_FORMAT,
    engine: ENGINE_VERSION,
    image: [image.name, image.id, image.platform],
    layers: indexes.map((index, i) => [index.diffId, image.layers[i]?.size ?? 0, image.layers[i]?.step.createdBy ?? '']),
  };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

/** A directory of cached bloat reports; a corrupt or foreign file is a miss, never served. */
export class BloatCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /**
   * The report of an image: from the cache when there, else from `analyze` (default: `analyzeBloat` in one go;
   * the service runs it in steps) and stored.
   */
  async report(
    image: ImageDescriptor,
    indexes: readonly LayerIndex[],
    analyze: () => BloatReport | Promise<BloatReport> = () => analyzeBloat(image, indexes),
  ): Promise<{ report: BloatReport; fromCache: boolean }> {
    const key = bloatCacheKey(image, indexes);
    if (key) {
      const cached = await this.read(key);
      if (cached) return { report: cached, fromCache: true };
    }
    const report = await analyze();
    if (key) await this.write(key, report).catch(() => undefined);
    return { report, fromCache: false };
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.bloat.json`);
  }

  private async read(key: string): Promise<BloatReport | null> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file(key), 'utf8')) as { key?: string; report?: BloatReport };
      return parsed.key === key && parsed.report && typeof parsed.report.totals === 'object' ? parsed.report : null;
    } catch {
      return null;
    }
  }

  private async write(key: string, report: BloatReport): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.writeFile(tmp, JSON.stringify({ key, report }));
      await fs.rename(tmp, this.file(key));
    } catch (error) {
      await fs.rm(tmp, { force: true });
      throw error;
    }
  }
}
