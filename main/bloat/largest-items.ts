// The biggest things in an image: files and directories of the final (merged) filesystem, and the
// files each layer wrote. Sizes come from traced content copies, so hard-linked content counts once.
import { BLOAT_LIMITS, type BloatDirectory, type BloatFile } from '../../shared/bloat';
import { visibleName, type ContentCopy } from './content-copies';

/** Keeps the `limit` largest of `items` (by size, then key), sorted, without sorting everything. */
function topBy<T>(items: Iterable<T>, limit: number, size: (item: T) => number, key: (item: T) => string): T[] {
  const order = (a: T, b: T) => size(b) - size(a) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const kept: T[] = [];
  let floor = -1;
  for (const item of items) {
    if (kept.length >= limit && size(item) < floor) continue;
    kept.push(item);
    if (kept.length >= limit * 4) {
      kept.sort(order).length = limit;
      floor = size(kept[limit - 1]);
    }
  }
  return kept.sort(order).slice(0, limit);
}

/** The copies still visible in the final filesystem. */
export function visibleCopies(copies: readonly ContentCopy[]): ContentCopy[] {
  return copies.filter((c) => c.loss === null);
}

function asFile(c: ContentCopy): BloatFile {
  const path = visibleName(c);
  return { path: path ?? c.entry.path, size: c.entry.size, type: c.entry.type, layer: c.layer, visible: path !== null };
}

/** The largest files of the final filesystem (hard-linked content listed once, by a visible name). */
export function largestFiles(visible: readonly ContentCopy[], limit: number = BLOAT_LIMITS.largestFiles): BloatFile[] {
  return topBy(visible, limit, (c) => c.entry.size, (c) => visibleName(c) ?? '').map(asFile);
}

/** Every directory of the final filesystem with the bytes and files below it ('/' included). */
export function directoryTotals(visible: readonly ContentCopy[]): Map<string, { size: number; files: number }> {
  // Files first go to their parent (siblings mostly come together, so the parent is rarely sliced
  // again); the much smaller set of parents then rolls up to every ancestor.
  const parents = new Map<string, { size: number; files: number }>();
  let previous = '';
  let current: { size: number; files: number } | undefined;
  for (const c of visible) {
    const path = visibleName(c);
    if (path === null) continue;
    const cut = path.lastIndexOf('/');
    if (!(current && cut === previous.length && path.startsWith(previous))) {
      previous = cut <= 0 ? '' : path.slice(0, cut);
      const dir = previous || '/';
      current = parents.get(dir);
      if (!current) parents.set(dir, (current = { size: 0, files: 0 }));
    }
    current.size += c.entry.size;
    current.files++;
  }
  const totals = new Map<string, { size: number; files: number }>();
  for (const [parent, t] of parents) {
    for (let dir = parent, cut = dir === '/' ? 0 : dir.length; cut >= 0; cut = cut === 0 ? -1 : dir.lastIndexOf('/', cut - 1)) {
      const at = cut === 0 ? '/' : dir.slice(0, cut);
      const sum = totals.get(at);
      if (sum) {
        sum.size += t.size;
        sum.files += t.files;
      } else totals.set(at, { size: t.size, files: t.files });
    }
  }
  return totals;
}

/** The largest directories of the final filesystem (the root excluded). */
export function largestDirectories(visible: readonly ContentCopy[], limit: number = BLOAT_LIMITS.largestDirectories): BloatDirectory[] {
  const dirs: BloatDirectory[] = [];
  for (const [path, t] of directoryTotals(visible)) if (path !== '/') dirs.push({ path, size: t.size, files: t.files });
  return topBy(dirs, limit, (d) => d.size, (d) => d.path);
}

/** The largest files each layer wrote, whether or not they survive. */
export function topAddedPerLayer(copies: readonly ContentCopy[], layers: number, limit: number = BLOAT_LIMITS.topAddedPerLayer): BloatFile[][] {
  const perLayer: ContentCopy[][] = Array.from({ length: layers }, () => []);
  for (const c of copies) perLayer[c.layer].push(c);
  return perLayer.map((list) => topBy(list, limit, (c) => c.entry.size, (c) => c.entry.path).map(asFile));
}
