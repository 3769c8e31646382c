// The biggest things in an image: files and directories of the final (merged) filesystem, and the
// files each layer wrote. Sizes come from traced content copies, so hard-linked content counts once.
import { BLOAT_LIMITS, type BloatDirectory, type BloatFile } from '../../shared/bloat';
import { forEachCopyInSteps, forEachVisibleInSteps, visibleName, type TracedCopies } from './content-copies';

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

/** What the final filesystem holds: its bytes and files, the largest files and the largest directories. */
export interface VisibleSummary {
  readonly bytes: number;
  readonly files: number;
  readonly largestFiles: BloatFile[];
  readonly largestDirectories: BloatDirectory[];
}

/**
 * Sums the final filesystem in one pass over the visible copies (hard-linked content once, by a visible
 * name): the largest files, and every file's bytes added to its parent, then rolled up to the root.
 * A stepped computation (see step-budget.ts).
 */
export function* summarizeVisibleInSteps(traced: TracedCopies): Generator<void, VisibleSummary> {
  const files = new Largest<BloatFile>(BLOAT_LIMITS.largestFiles);
  let bytes = 0;
  let count = 0;
  // Siblings mostly come together, so a file's parent is rarely sliced again.
  const parents = new Map<string, { size: number; files: number }>();
  let previous = '';
  let current: { size: number; files: number } | undefined;
  yield* forEachVisibleInSteps(traced, (path, entry, layer) => {
    bytes += entry.size;
    count++;
    if (files.accepts(entry.size)) files.add(entry.size, path, { path, size: entry.size, type: entry.type, layer, visible: true });
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
  yield;
  const dirs = new Largest<BloatDirectory>(BLOAT_LIMITS.largestDirectories);
  for (const [path, t] of totals) if (path !== '/' && dirs.accepts(t.size)) dirs.add(t.size, path, { path, size: t.size, files: t.files });
  return { bytes, files: count, largestFiles: files.items(), largestDirectories: dirs.items() };
}

/** What one layer wrote: its bytes and files of content, and its largest files whether or not they survive. */
export interface LayerAdditions {
  readonly contentBytes: number;
  readonly files: number;
  readonly topAdded: BloatFile[];
}

/** Sums what each layer wrote, in one pass over every copy; in steps. */
export function* layerAdditionsInSteps(traced: TracedCopies): Generator<void, LayerAdditions[]> {
  const perLayer = traced.indexes.map(() => ({ bytes: 0, files: 0, top: new Largest<BloatFile>(BLOAT_LIMITS.topAddedPerLayer) }));
  yield* forEachCopyInSteps(traced, (entry, layer, copy) => {
    const sums = perLayer[layer];
    sums.bytes += entry.size;
    sums.files++;
    if (!sums.top.accepts(entry.size)) return;
    const name = copy ? visibleName(copy) : entry.path;
    sums.top.add(entry.size, entry.path, { path: name ?? entry.path, size: entry.size, type: entry.type, layer, visible: name !== null });
  });
  return perLayer.map((sums) => ({ contentBytes: sums.bytes, files: sums.files, topAdded: sums.top.items() }));
}
