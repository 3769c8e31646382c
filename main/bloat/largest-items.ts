// The biggest things in an image: files and directories of the final (merged) filesystem, and the
// files each layer wrote. Sizes come from traced content copies, so hard-linked content counts once.
import { BLOAT_LIMITS, type BloatDirectory, type BloatFile } from '../../shared/bloat';
import { visibleName, type ContentCopy } from './content-copies';

const bySizeThenPath = (a: { size: number; path: string }, b: { size: number; path: string }) =>
  b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Keeps the `limit` largest items of `items`, sorted, without sorting everything. */
function topBySize<T extends { size: number; path: string }>(items: Iterable<T>, limit: number): T[] {
  const kept: T[] = [];
  let floor = -1;
  for (const item of items) {
    if (kept.length >= limit && item.size < floor) continue;
    kept.push(item);
    if (kept.length >= limit * 4) {
      kept.sort(bySizeThenPath).length = limit;
      floor = kept[limit - 1].size;
    }
  }
  return kept.sort(bySizeThenPath).slice(0, limit);
}

/** The files of the final filesystem (each visible name of content; hard links listed once, by the file). */
export function visibleFiles(copies: readonly ContentCopy[]): BloatFile[] {
  const files: BloatFile[] = [];
  for (const c of copies) {
    const path = c.loss === null ? visibleName(c) : null;
    if (path !== null) files.push({ path, size: c.entry.size, type: c.entry.type, layer: c.layer, visible: true });
  }
  return files;
}

/** The largest files of the final filesystem. */
export function largestFiles(files: readonly BloatFile[], limit: number = BLOAT_LIMITS.largestFiles): BloatFile[] {
  return topBySize(files, limit);
}

/** Every directory of the final filesystem with the bytes and files below it ('/' included). */
export function directoryTotals(files: readonly BloatFile[]): Map<string, { size: number; files: number }> {
  const totals = new Map<string, { size: number; files: number }>();
  for (const f of files) {
    for (let cut = f.path.lastIndexOf('/'); cut >= 0; cut = cut === 0 ? -1 : f.path.lastIndexOf('/', cut - 1)) {
      const dir = cut === 0 ? '/' : f.path.slice(0, cut);
      const t = totals.get(dir);
      if (t) {
        t.size += f.size;
        t.files++;
      } else totals.set(dir, { size: f.size, files: 1 });
    }
  }
  return totals;
}

/** The largest directories of the final filesystem (the root excluded). */
export function largestDirectories(files: readonly BloatFile[], limit: number = BLOAT_LIMITS.largestDirectories): BloatDirectory[] {
  const dirs: BloatDirectory[] = [];
  for (const [path, t] of directoryTotals(files)) if (path !== '/') dirs.push({ path, size: t.size, files: t.files });
  return topBySize(dirs, limit);
}

/** The largest files each layer wrote, whether or not they survive. */
export function topAddedPerLayer(copies: readonly ContentCopy[], layers: number, limit: number = BLOAT_LIMITS.topAddedPerLayer): BloatFile[][] {
  const perLayer: BloatFile[][] = Array.from({ length: layers }, () => []);
  for (const c of copies) {
    perLayer[c.layer].push({ path: c.entry.path, size: c.entry.size, type: c.entry.type, layer: c.layer, visible: c.loss === null });
  }
  return perLayer.map((files) => topBySize(files, limit));
}
