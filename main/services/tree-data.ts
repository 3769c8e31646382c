// Builds what the tree and details panes show from an analysed image: pure functions over its
// indexes and diffs.
import type { PathDetails, PathHistoryItem, RowStatus, TreeData } from '../../shared/api';
import { ENTRY_TYPE_CODES } from '../../shared/api';
import { plainEntry, type ChangeAspect, type EntryType, type LayerDiff, type LayerIndex, type MergedEntry } from '../../shared/model';
import { heldByLinks, traceContentCopies } from '../bloat/content-copies';
import { comparePaths, mergedFilesystem, mergedFilesystemInSteps } from '../layers/layer-diff';
import { trimCreatedBy, type AnalyzedImage } from './image-analysis';
import { runInTurns } from './run-in-turns';

interface Row {
  readonly path: string;
  readonly type: EntryType;
  readonly size: number;
  readonly status: RowStatus;
  readonly layer: number;
  readonly what?: readonly ChangeAspect[];
}

const mergedMemo = new WeakMap<AnalyzedImage, Map<number, readonly MergedEntry[]>>();

function memoOf(image: AnalyzedImage): Map<number, readonly MergedEntry[]> {
  let memo = mergedMemo.get(image);
  if (!memo) mergedMemo.set(image, (memo = new Map()));
  return memo;
}

function remember(memo: Map<number, readonly MergedEntry[]>, layer: number, merged: readonly MergedEntry[]): readonly MergedEntry[] {
  if (memo.size >= 3) memo.delete(memo.keys().next().value as number);
  memo.set(layer, merged);
  return merged;
}

/** The merged filesystem as of `layer`, memoised for the last few layers asked for. */
export function mergedAt(image: AnalyzedImage, layer: number): readonly MergedEntry[] {
  const memo = memoOf(image);
  return memo.get(layer) ?? remember(memo, layer, mergedFilesystem(image.indexes, layer));
}

/** Computes `mergedAt(image, layer)` into the memo a step per event-loop turn (before a whole-filesystem query). */
export async function prepareMergedAt(image: AnalyzedImage, layer: number): Promise<void> {
  const memo = memoOf(image);
  if (memo.has(layer)) return;
  remember(memo, layer, await runInTurns(mergedFilesystemInSteps(image.indexes, layer)));
}

/** The rows of one layer's tree: its changes only, or the whole filesystem as of that layer. */
export function buildTreeData(image: AnalyzedImage, layer: number, view: 'changes' | 'merged'): TreeData {
  const diff = image.diffs[layer];
  const rows: Row[] = [];
  if (view === 'merged') {
    const status = new Map<string, { status: RowStatus; what?: readonly ChangeAspect[] }>();
    for (const e of diff.created) status.set(e.path, { status: 'A' });
    for (const e of diff.changed) status.set(e.path, { status: 'M', what: e.what });
    const held = linkHeldSizes(image.indexes, image.diffs, layer);
    for (const e of mergedAt(image, layer)) {
      const s = status.get(e.path);
      rows.push({ path: e.path, type: e.type, size: held.get(e.path) ?? e.size, status: s?.status ?? 'U', layer: e.layer, what: s?.what });
    }
  } else {
    for (const e of diff.created) rows.push({ path: e.path, type: e.type, size: e.size, status: 'A', layer });
    for (const e of diff.changed) rows.push({ path: e.path, type: e.type, size: e.size, status: 'M', layer, what: e.what });
  }
  for (const e of diff.deleted) rows.push({ path: e.path, type: e.type, size: e.size, status: 'D', layer: e.layer });
  addMissingParents(rows, layer);
  rows.sort((a, b) => comparePaths(a.path, b.path));

  const what: Record<number, readonly ChangeAspect[]> = {};
  let types = '';
  let status = '';
  rows.forEach((r, i) => {
    types += ENTRY_TYPE_CODES[r.type];
    status += r.status;
    if (r.what) what[i] = r.what;
  });
  return {
    layer,
    view,
    paths: rows.map((r) => r.path),
    types,
    sizes: rows.map((r) => r.size),
    status,
    layers: rows.map((r) => r.layer),
    what,
  };
}

/**
 * Sizes for hard links that alone keep their content as of `layer` (the file they link to was deleted or
 * rewritten since), traced as the bloat figures trace them: one link per content carries its bytes, so
 * directory sums and the treemap count it once. Tar gives links size 0.
 */
export function linkHeldSizes(indexes: readonly LayerIndex[], diffs: readonly LayerDiff[], layer: number): Map<string, number> {
  return heldByLinks(traceContentCopies(indexes.slice(0, layer + 1), diffs.slice(0, layer + 1), []));
}

/** Adds an unchanged directory row for every ancestor the rows lack, so the tree is connected. */
function addMissingParents(rows: Row[], layer: number): void {
  const present = new Set(rows.map((r) => r.path));
  const count = rows.length;
  for (let i = 0; i < count; i++) {
    let p = rows[i].path;
    for (let cut = p.lastIndexOf('/'); cut > 0; cut = p.lastIndexOf('/')) {
      p = p.slice(0, cut);
      if (present.has(p)) break;
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
