// Every stored copy of file content, and its fate: still visible at the top of the image, or lost to a
// later layer's overwrite, whiteout, opaque directory or file-over-directory. A copy is one regular (or
// sparse) file entry plus the hard links to it in the same layer; it is lost only when its last name is.
import type { ChangeAspect, LayerDiff, LayerEntry, LayerIndex } from '../../shared/model';
import type { WasteCause, WastedItem } from '../../shared/bloat';

/** A name of a copy: the file entry itself or a hard link to it. */
export interface CopyName {
  readonly path: string;
  readonly hardLink: boolean;
  /** Layer that removed this name, or -1 while it is visible. */
  lostIn: number;
  readonly copy: ContentCopy;
}

/** One stored copy of file content. */
export interface ContentCopy {
  readonly layer: number;
  readonly entry: LayerEntry;
  readonly names: CopyName[];
  /** The wasted item describing its loss, or null while any name is visible. */
  loss: WastedItem | null;
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
function deletionCause(path: string, index: LayerIndex, whiteouts: ReadonlySet<string>, opaque: ReadonlySet<string>, written: ReadonlyMap<string, LayerEntry>): { cause: WasteCause; via: string } {
  const up = ancestors(path);
  // Same order as the diff applies them: opaque directories, then whiteouts, then entries.
  for (const dir of up) if (opaque.has(dir)) return { cause: 'opaque-dir', via: dir };
  if (whiteouts.has(path)) return { cause: 'deleted', via: path };
  for (const dir of up) if (whiteouts.has(dir)) return { cause: 'deleted', via: dir };
  for (const dir of up) {
    const e = written.get(dir);
    if (e && e.type !== 'dir') return { cause: 'replaced-dir', via: dir };
  }
  return { cause: 'deleted', via: index.whiteouts[0] ?? path };
}

/** Builds every copy of every layer and replays the diffs to find which are lost, and where. */
export function traceContentCopies(indexes: readonly LayerIndex[], diffs: readonly LayerDiff[], steps: readonly string[]): ContentCopy[] {
  const copies: ContentCopy[] = [];
  // Per layer: path → the name (of a copy) that the layer's entry at that path is.
  const names: Map<string, CopyName>[] = indexes.map((index, layer) => {
    const byPath = new Map<string, CopyName>();
    let links = false;
    for (const entry of index.entries) {
      if (entry.type === 'hardlink') links = true;
      if (!holdsContent(entry)) continue;
      const copy: ContentCopy = { layer, entry, names: [], loss: null };
      const name: CopyName = { path: entry.path, hardLink: false, lostIn: -1, copy };
      copy.names.push(name);
      copies.push(copy);
      byPath.set(entry.path, name);
    }
    if (!links) return byPath;
    for (const entry of index.entries) {
      if (entry.type !== 'hardlink') continue;
      // A link to a link resolves to the name with content (the map holds links already seen).
      const target = byPath.get(entry.linkname);
      if (!target) continue;
      const name: CopyName = { path: entry.path, hardLink: true, lostIn: -1, copy: target.copy };
      target.copy.names.push(name);
      byPath.set(entry.path, name);
    }
    return byPath;
  });

  const ref = (layer: number) => ({ layer, step: steps[layer] ?? '' });
  diffs.forEach((diff, layer) => {
    const index = indexes[layer];
    const whiteouts = new Set(index.whiteouts);
    const opaque = new Set(index.opaqueDirs);
    let written: Map<string, LayerEntry> | null = null;
    const lose = (writer: number, path: string, describe: () => Omit<WastedItem, 'path' | 'size' | 'digest' | 'written' | 'lost' | 'links'>) => {
      const name = names[writer]?.get(path);
      if (!name || name.lostIn >= 0) return;
      name.lostIn = layer;
      const { copy } = name;
      if (copy.names.some((n) => n.lostIn < 0)) return;
      copy.loss = {
        path: copy.entry.path,
        size: copy.entry.size,
        digest: copy.entry.digest,
        written: ref(copy.layer),
        lost: ref(layer),
        links: copy.names.filter((n) => n.hardLink).map((n) => n.path),
        ...describe(),
      };
    };
    for (const c of diff.changed) {
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
      lose(d.layer, d.path, () => {
        written ??= new Map(index.entries.map((e) => [e.path, e]));
        return { ...deletionCause(d.path, index, whiteouts, opaque, written), identical: false, metadataOnly: false, what: [] };
      });
    }
  });
  return copies;
}

/** The wasted items of traced copies, largest first (ties by path, then layer). */
export function wastedItems(copies: readonly ContentCopy[]): WastedItem[] {
  const items: WastedItem[] = [];
  for (const c of copies) if (c.loss && c.loss.size > 0) items.push(c.loss);
  return items.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.written.layer - b.written.layer);
}
