// The biggest things in an image: files and directories of the final (merged) filesystem, and the
// files each layer wrote. Sizes come from traced content copies, so hard-linked content counts once.
import { BLOAT_LIMITS, type BloatDirectory, type BloatFile } from '../../shared/bloat';
import { forEachCopy, forEachVisible, visibleName, type TracedCopies } from './content-copies';

/** Keeps the `limit` largest items offered (by size, then key); callers make an item only when `accepts` says so. */
class Largest<T> {
  private kept: { readonly size: number; readonly key: string; readonly item: T }[] = [];
  private floor = -1;

  constructor(private readonly limit: number) {}

  /** Whether an item of `size` could be among the largest. */
  accepts(size: number): boolean {
    return this.kept.length < this.limit || size >= this.floor;
  }

  add(size: number, key: string, item: T): void {
    this.kept.push({ size, key, item });
    if (this.kept.length >= this.limit * 4) {
      this.sort();
      this.kept.length = this.limit;
      this.floor = this.kept[this.limit - 1].size;
    }
  }

  /** The kept items, largest first. */
  items(): T[] {
    this.sort();
    return this.kept.slice(0, this.limit).map((k) => k.item);
  }

  private sort(): void {
    this.kept.sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** The largest files of the final filesystem (hard-linked content listed once, by a visible name). */
export function largestFiles(traced: TracedCopies, limit: number = BLOAT_LIMITS.largestFiles): BloatFile[] {
  const top = new Largest<BloatFile>(limit);
  forEachVisible(traced, (path, entry, layer) => {
    if (top.accepts(entry.size)) top.add(entry.size, path, { path, size: entry.size, type: entry.type, layer, visible: true });
  });
  return top.items();
}

/** Every directory of the final filesystem with the bytes and files below it ('/' included). */
export function directoryTotals(traced: TracedCopies): Map<string, { size: number; files: number }> {
  // Files first go to their parent (siblings mostly come together, so the parent is rarely sliced
  // again); the much smaller set of parents then rolls up to every ancestor.
  const parents = new Map<string, { size: number; files: number }>();
  let previous = '';
  let current: { size: number; files: number } | undefined;
  forEachVisible(traced, (path, entry) => {
    const cut = path.lastIndexOf('/');
    if (!(current && cut === previous.length && path.startsWith(previous))) {
      previous = cut <= 0 ? '' : path.slice(0, cut);
      const dir = previous || '/';
      current = parents.get(dir);
      if (!current) parents.set(dir, (current = { size: 0, files: 0 }));
    }
    current.size += entry.size;
    current.files++;
  });
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
export function largestDirectories(traced: TracedCopies, limit: number = BLOAT_LIMITS.largestDirectories): BloatDirectory[] {
  const top = new Largest<BloatDirectory>(limit);
  for (const [path, t] of directoryTotals(traced)) if (path !== '/' && top.accepts(t.size)) top.add(t.size, path, { path, size: t.size, files: t.files });
  return top.items();
}

/** The largest files each layer wrote, whether or not they survive. */
export function topAddedPerLayer(traced: TracedCopies, limit: number = BLOAT_LIMITS.topAddedPerLayer): BloatFile[][] {
  const perLayer = traced.indexes.map(() => new Largest<BloatFile>(limit));
  forEachCopy(traced, (entry, layer, copy) => {
    const top = perLayer[layer];
    if (!top.accepts(entry.size)) return;
    const name = copy ? visibleName(copy) : entry.path;
    top.add(entry.size, entry.path, { path: name ?? entry.path, size: entry.size, type: entry.type, layer, visible: name !== null });
  });
  return perLayer.map((top) => top.items());
}
