// Builds what the tree and details panes show from an analysed image: pure functions over its
// indexes and diffs.
import type { PathDetails, PathHistoryItem, RowStatus, TreeData } from '../../shared/api';
import { ENTRY_TYPE_CODES } from '../../shared/api';
import { plainEntry, type ChangeAspect, type EntryType, type LayerDiff, type LayerIndex, type MergedEntry } from '../../shared/model';
import { heldByLinks, traceContentCopiesInSteps } from '../bloat/content-copies';
import { comparePaths, mergedFilesystemInSteps } from '../layers/layer-diff';
import { StepBudget } from '../layers/step-budget';
import { trimCreatedBy, type AnalyzedImage } from './image-analysis';

interface Row {
  readonly path: string;
  readonly type: EntryType;
  readonly size: number;
  readonly status: RowStatus;
  readonly layer: number;
  readonly what?: readonly ChangeAspect[];
}

/** The whole filesystem as of a layer, and the sizes its hard links carry (see `linkHeldSizesInSteps`). */
interface MergedView {
  readonly entries: readonly MergedEntry[];
  readonly held: ReadonlyMap<string, number>;
}

const mergedMemo = new WeakMap<AnalyzedImage, Map<number, MergedView>>();

/** The merged view of `layer`, memoised for the last few layers asked for; computed in steps when not known. */
function* mergedViewInSteps(image: AnalyzedImage, layer: number): Generator<void, MergedView> {
  let memo = mergedMemo.get(image);
  if (!memo) mergedMemo.set(image, (memo = new Map()));
  const known = memo.get(layer);
  if (known) return known;
  const entries = yield* mergedFilesystemInSteps(image.indexes, layer);
  const view: MergedView = { entries, held: yield* linkHeldSizesInSteps(image.indexes, image.diffs, layer) };
  if (memo.size >= 3) memo.delete(memo.keys().next().value as number);
  memo.set(layer, view);
  return view;
}

/**
 * The rows of one layer's tree: its changes only, or the whole filesystem as of that layer. A stepped
 * computation (see step-budget.ts): a 1M-entry filesystem takes seconds.
 */
export function* buildTreeDataInSteps(image: AnalyzedImage, layer: number, view: 'changes' | 'merged'): Generator<void, TreeData> {
  const diff = image.diffs[layer];
  const budget = new StepBudget();
  const deleted: Row[] = diff.deleted.map((e) => ({ path: e.path, type: e.type, size: e.size, status: 'D', layer: e.layer }));
  const out = new TreeColumns();
  if (view === 'merged') {
    const status = new Map<string, { status: RowStatus; what?: readonly ChangeAspect[] }>();
    for (const e of diff.created) status.set(e.path, { status: 'A' });
    for (const e of diff.changed) status.set(e.path, { status: 'M', what: e.what });
    const { entries, held } = yield* mergedViewInSteps(image, layer);
    // The merged filesystem is in path order already, and holds every parent of its paths: only the deleted
    // rows (and any parent of theirs it lacks) are sorted, then merged in as the entries go to the columns.
    addMissingParents(deleted, layer, (path) => hasPath(entries, path));
    deleted.sort(byPath);
    yield;
    let next = 0;
    for (const e of entries) {
      if (budget.spend()) yield;
      while (next < deleted.length && comparePaths(deleted[next].path, e.path) < 0) out.add(deleted[next++]);
      // Only what this layer wrote can be created or changed here: the rest needs no lookup.
      const s = e.layer === layer ? status.get(e.path) : undefined;
      const size = held.size > 0 ? (held.get(e.path) ?? e.size) : e.size;
      out.add({ path: e.path, type: e.type, size, status: s?.status ?? 'U', layer: e.layer, what: s?.what });
    }
    while (next < deleted.length) out.add(deleted[next++]);
  } else {
    const rows: Row[] = [];
    for (const e of diff.created) rows.push({ path: e.path, type: e.type, size: e.size, status: 'A', layer });
    for (const e of diff.changed) rows.push({ path: e.path, type: e.type, size: e.size, status: 'M', layer, what: e.what });
    rows.push(...deleted);
    addMissingParents(rows, layer, () => false);
    yield;
    rows.sort(byPath);
    yield;
    for (const r of rows) {
      if (budget.spend()) yield;
      out.add(r);
    }
  }
  return { layer, view, ...out.columns() };
}

/** The columns of TreeData, filled a row at a time in display order. */
class TreeColumns {
  private readonly paths: string[] = [];
  private readonly sizes: number[] = [];
  private readonly layers: number[] = [];
  private types = '';
  private status = '';
  private readonly what: Record<number, readonly ChangeAspect[]> = {};

  add(r: Row): void {
    if (r.what) this.what[this.paths.length] = r.what;
    this.paths.push(r.path);
    this.sizes.push(r.size);
    this.layers.push(r.layer);
    this.types += ENTRY_TYPE_CODES[r.type];
    this.status += r.status;
  }

  columns(): Omit<TreeData, 'layer' | 'view'> {
    return { paths: this.paths, types: this.types, sizes: this.sizes, status: this.status, layers: this.layers, what: this.what };
  }
}

/**
 * Sizes for hard links that alone keep their content as of `layer` (the file they link to was deleted or
 * rewritten since), traced as the bloat figures trace them: one link per content carries its bytes, so
 * directory sums and the treemap count it once. Tar gives links size 0. In steps.
 */
export function* linkHeldSizesInSteps(indexes: readonly LayerIndex[], diffs: readonly LayerDiff[], layer: number): Generator<void, Map<string, number>> {
  return heldByLinks(yield* traceContentCopiesInSteps(indexes.slice(0, layer + 1), diffs.slice(0, layer + 1), []));
}

const byPath = (a: Row, b: Row) => comparePaths(a.path, b.path);

/** Tells whether items sorted by path hold `path` (binary search). */
function hasPath(sorted: readonly { readonly path: string }[], path: string): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePaths(sorted[mid].path, path);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Adds an unchanged directory row for every ancestor the rows lack (and `exists` does not know), so the tree is connected. */
function addMissingParents(rows: Row[], layer: number, exists: (path: string) => boolean): void {
  const present = new Set(rows.map((r) => r.path));
  const count = rows.length;
  for (let i = 0; i < count; i++) {
    let p = rows[i].path;
    for (let cut = p.lastIndexOf('/'); cut > 0; cut = p.lastIndexOf('/')) {
      p = p.slice(0, cut);
      if (present.has(p) || exists(p)) break;
      present.add(p);
      rows.push({ path: p, type: 'dir', size: 0, status: 'U', layer });
    }
  }
}

/** The details pane for `path` as of `layer`, with the path's history across all layers. */
export function pathDetails(image: AnalyzedImage, layer: number, path: string): PathDetails {
  const history: PathHistoryItem[] = [];
  image.diffs.forEach((diff, i) => {
    const createdBy = trimCreatedBy(image.descriptor.layers[i].step);
    const created = diff.created.find((e) => e.path === path);
    if (created) history.push({ layer: i, kind: 'created', entry: created, what: [], createdBy });
    const changed = diff.changed.find((e) => e.path === path);
    if (changed) history.push({ layer: i, kind: 'changed', entry: plainEntry(changed), what: changed.what, createdBy });
    const deleted = diff.deleted.find((e) => e.path === path);
    if (deleted) history.push({ layer: i, kind: 'deleted', entry: plainEntry(deleted), what: [], createdBy });
  });
  const upTo = history.filter((h) => h.layer <= layer);
  const last = upTo[upTo.length - 1];
  const here = last?.layer === layer ? last : undefined;
  const status: RowStatus = here ? ({ created: 'A', changed: 'M', deleted: 'D' } as const)[here.kind] : 'U';
  const live = last && (last.kind !== 'deleted' || last.layer === layer) ? last : undefined;
  const writer = live?.kind === 'deleted' ? (image.diffs[live.layer].deleted.find((e) => e.path === path)?.layer ?? live.layer) : live?.layer;
  return {
    path,
    entry: live?.entry ?? null,
    status,
    what: here?.what ?? [],
    layer: writer ?? -1,
    history,
  };
}
