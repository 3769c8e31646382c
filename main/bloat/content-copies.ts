// Every stored copy of file content, and its fate: still visible at the top of the image, or lost to a
// later layer's overwrite, whiteout, opaque directory or file-over-directory. A copy is one regular (or
// sparse) file entry plus the hard links to it in the same layer; it is lost only when its last name is.
import type { ChangeAspect, LayerDiff, LayerEntry, LayerIndex } from '../../shared/model';
import type { WasteCause, WastedItem } from '../../shared/bloat';
import { StepBudget } from '../layers/step-budget';

/** A hard link to a copy, in the copy's layer. */
export interface LinkName {
  readonly path: string;
  /** Layer that removed this name, or -1 while it is visible. */
  lostIn: number;
  readonly copy: ContentCopy;
}

/** One stored copy of file content: a file entry and the hard links to it. */
export interface ContentCopy {
  readonly layer: number;
  readonly entry: LayerEntry;
  /** Layer that removed the file's own name, or -1 while it is visible. */
  lostIn: number;
  links: LinkName[] | null;
  /** The wasted item describing its loss, or null while any name is visible. */
  loss: WastedItem | null;
}

/** The first visible name of a copy (its own path, else a hard link's), or null when it is lost. */
export function visibleName(copy: ContentCopy): string | null {
  if (copy.lostIn < 0) return copy.entry.path;
  return copy.links?.find((l) => l.lostIn < 0)?.path ?? null;
}

/** Tells whether an entry holds content of its own. */
export function holdsContent(entry: LayerEntry): boolean {
  return entry.type === 'file' || entry.type === 'sparse';
}

const METADATA: ReadonlySet<ChangeAspect> = new Set(['mode', 'owner', 'mtime']);

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) out.push(path.slice(0, cut));
  out.push('/');
  return out;
}

/** Why layer `index` removed `path` (which it did not write itself), and the path responsible. */
function deletionCause(path: string, index: LayerIndex, whiteouts: ReadonlySet<string>, opaque: ReadonlySet<string>, written: () => ReadonlyMap<string, LayerEntry>): { cause: WasteCause; via: string } {
  const up = ancestors(path);
  // Same order as the diff applies them: opaque directories, then whiteouts, then entries.
  for (const dir of up) if (opaque.has(dir)) return { cause: 'opaque-dir', via: dir };
  if (whiteouts.has(path)) return { cause: 'deleted', via: path };
  for (const dir of up) if (whiteouts.has(dir)) return { cause: 'deleted', via: dir };
  // Only now (rarely) is a map of the layer's own entries needed.
  const own = written();
  for (const dir of up) {
    const e = own.get(dir);
    if (e && e.type !== 'dir') return { cause: 'replaced-dir', via: dir };
  }
  return { cause: 'deleted', via: index.whiteouts[0] ?? path };
}

/**
 * Every stored copy of an image's file content. Only the copies a later layer overwrites or deletes, and
 * those with hard links, are objects (`tracked`); every other file entry is a copy still visible under its
 * own name, so a million-entry image does not make a million objects.
 */
export interface TracedCopies {
  readonly indexes: readonly LayerIndex[];
  /** Per layer: entry position → its traced copy. */
  readonly tracked: readonly ReadonlyMap<number, ContentCopy>[];
}

/**
 * Calls `fn` for every copy (each file entry with content, base layer first), with its traced copy if any;
 * a stepped computation (see step-budget.ts).
 */
export function* forEachCopyInSteps(traced: TracedCopies, fn: (entry: LayerEntry, layer: number, copy: ContentCopy | undefined) => void): Generator<void, void> {
  const budget = new StepBudget();
  for (let layer = 0; layer < traced.indexes.length; layer++) {
    const tracked = traced.tracked[layer];
    const entries = traced.indexes[layer].entries;
    for (let i = 0; i < entries.length; i++) {
      if (budget.spend()) yield;
      const entry = entries[i];
      if (entry.type === 'file' || entry.type === 'sparse') fn(entry, layer, tracked.size > 0 ? tracked.get(i) : undefined);
    }
  }
  // The next walk starts with a budget of its own.
  yield;
}

/** Calls `fn` for every copy still visible at the top, with the name it is visible by; in steps. */
export function* forEachVisibleInSteps(traced: TracedCopies, fn: (path: string, entry: LayerEntry, layer: number) => void): Generator<void, void> {
  yield* forEachCopyInSteps(traced, (entry, layer, copy) => {
    if (!copy) fn(entry.path, entry, layer);
    else if (copy.loss === null) fn(visibleName(copy) ?? entry.path, entry, layer);
  });
}

/** The copies kept only by a hard link (their file's own name was deleted or rewritten): that link's path → bytes. */
export function heldByLinks(traced: TracedCopies): Map<string, number> {
  const held = new Map<string, number>();
  for (const layer of traced.tracked) {
    for (const copy of layer.values()) {
      const name = copy.loss === null && copy.lostIn >= 0 ? visibleName(copy) : null;
      if (name !== null) held.set(name, copy.entry.size);
    }
  }
  return held;
}

/** Replays the diffs over every copy of every layer to find which are lost, and where; in steps (see step-budget.ts). */
export function* traceContentCopiesInSteps(indexes: readonly LayerIndex[], diffs: readonly LayerDiff[], steps: readonly string[]): Generator<void, TracedCopies> {
  const budget = new StepBudget();
  // Only names a later layer overwrites or deletes (or a hard link points at) are ever looked up.
  const wanted: Set<string>[] = indexes.map(() => new Set());
  for (const diff of diffs) {
    for (const c of diff.changed) wanted[c.previousLayer]?.add(c.path);
    for (const d of diff.deleted) wanted[d.layer]?.add(d.path);
    yield;
  }
  const tracked: Map<number, ContentCopy>[] = indexes.map(() => new Map());
  // Per layer: path → the copy whose file it is, or the hard link it is (wanted paths only).
  const names: Map<string, ContentCopy | LinkName>[] = [];
  for (let layer = 0; layer < indexes.length; layer++) {
    const entries = indexes[layer].entries;
    const byPath = new Map<string, ContentCopy | LinkName>();
    names.push(byPath);
    const want = wanted[layer];
    for (const entry of entries) {
      if (budget.spend()) yield;
      if (entry.type === 'hardlink') want.add(entry.linkname);
    }
    if (want.size === 0) continue;
    for (let i = 0; i < entries.length; i++) {
      if (budget.spend()) yield;
      const entry = entries[i];
      if (!holdsContent(entry) || !want.has(entry.path)) continue;
      const copy: ContentCopy = { layer, entry, lostIn: -1, links: null, loss: null };
      tracked[layer].set(i, copy);
      byPath.set(entry.path, copy);
    }
    for (const entry of entries) {
      if (budget.spend()) yield;
      if (entry.type !== 'hardlink') continue;
      // A link to a link resolves to the copy (the map holds links already seen).
      const target = byPath.get(entry.linkname);
      if (!target) continue;
      const copy = 'entry' in target ? target : target.copy;
      const link: LinkName = { path: entry.path, lostIn: -1, copy };
      (copy.links ??= []).push(link);
      byPath.set(entry.path, link);
    }
  }

  const ref = (layer: number) => ({ layer, step: steps[layer] ?? '' });
  for (let layer = 0; layer < diffs.length; layer++) {
    const diff = diffs[layer];
    const index = indexes[layer];
    const whiteouts = new Set(index.whiteouts);
    const opaque = new Set(index.opaqueDirs);
    let ownEntries: Map<string, LayerEntry> | null = null;
    const written = () => (ownEntries ??= new Map(index.entries.map((e) => [e.path, e])));
    const lose = (writer: number, path: string, describe: () => Omit<WastedItem, 'path' | 'size' | 'digest' | 'written' | 'lost' | 'links'>) => {
      const name = names[writer]?.get(path);
      if (!name || name.lostIn >= 0) return;
      name.lostIn = layer;
      const copy = 'entry' in name ? name : name.copy;
      if (visibleName(copy) !== null) return;
      copy.loss = {
        path: copy.entry.path,
        size: copy.entry.size,
        digest: copy.entry.digest,
        written: ref(copy.layer),
        lost: ref(layer),
        links: copy.links?.map((l) => l.path) ?? [],
        ...describe(),
      };
    };
    for (const c of diff.changed) {
      if (budget.spend()) yield;
      lose(c.previousLayer, c.path, () => {
        const identical = holdsContent(c) && c.digest === c.previous.digest && c.size === c.previous.size;
        return {
          cause: 'overwritten',
          via: '',
          identical,
          metadataOnly: identical && c.what.some((a) => a === 'mode' || a === 'owner') && c.what.every((a) => METADATA.has(a)),
          what: c.what,
        };
      });
    }
    for (const d of diff.deleted) {
      if (budget.spend()) yield;
      lose(d.layer, d.path, () => ({ ...deletionCause(d.path, index, whiteouts, opaque, written), identical: false, metadataOnly: false, what: [] }));
    }
  }
  return { indexes, tracked };
}

/** The wasted items of traced copies, largest first (ties by path, then layer). */
export function wastedItems(traced: TracedCopies): WastedItem[] {
  const items: WastedItem[] = [];
  for (const layer of traced.tracked) for (const c of layer.values()) if (c.loss && c.loss.size > 0) items.push(c.loss);
  return items.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.written.layer - b.written.layer);
}
