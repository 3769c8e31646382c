// Applies layers in order (OCI image-spec layer.md semantics) to compute what each layer created,
// changed and deleted against the union of the layers below it, and the merged filesystem as of
// any layer. Pure: takes indexes, returns data.
import type {
  ChangeAspect,
  ChangedEntry,
  DeletedEntry,
  LayerDiff,
  LayerEntry,
  LayerIndex,
  MergedEntry,
} from '../../shared/model';
import { runToEnd, StepBudget } from './step-budget';

/** A node of the merged filesystem under construction. */
interface FsNode {
  entry: LayerEntry;
  /** Layer that last wrote the entry. */
  layer: number;
  /** True when no layer wrote this directory itself (it only holds written children). */
  implicit: boolean;
  children: Map<string, FsNode> | null;
}

/** Splits `/a/b/c` into its parent `/a/b` and name `c`. */
function splitPath(path: string): [string, string] {
  const cut = path.lastIndexOf('/');
  return [cut <= 0 ? '/' : path.slice(0, cut), path.slice(cut + 1)];
}

function implicitDir(path: string): LayerEntry {
  return { path, type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, linkname: '', digest: '' };
}

/** What differs between a lower entry and the entry that replaces it. */
export function changeAspects(before: LayerEntry, after: LayerEntry): ChangeAspect[] {
  const what: ChangeAspect[] = [];
  if (before.type !== after.type) what.push('type');
  if (before.size !== after.size || before.digest !== after.digest) what.push('content');
  if (before.mode !== after.mode) what.push('mode');
  if (before.uid !== after.uid || before.gid !== after.gid) what.push('owner');
  if (before.mtime !== after.mtime) what.push('mtime');
  if (before.linkname !== after.linkname) what.push('link');
  return what;
}

/** The merged filesystem, replayed layer by layer. */
class MergedTree {
  private readonly nodes = new Map<string, FsNode>();
  private readonly root: FsNode = {
    entry: implicitDir('/'),
    layer: 0,
    implicit: true,
    children: new Map(),
  };

  constructor() {
    this.nodes.set('/', this.root);
  }

  get(path: string): FsNode | undefined {
    return this.nodes.get(path);
  }

  /** Removes the node at `path` and everything below it; returns the removed nodes, parents first. */
  remove(path: string): FsNode[] {
    const node = this.nodes.get(path);
    if (!node) return [];
    const removed: FsNode[] = [];
    if (path === '/') return this.removeChildren('/');
    const [parentPath, name] = splitPath(path);
    this.nodes.get(parentPath)?.children?.delete(name);
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as FsNode;
      removed.push(n);
      this.nodes.delete(n.entry.path);
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
    return removed;
  }

  /** Removes every child of the directory at `path` (an opaque whiteout); returns them. */
  removeChildren(path: string): FsNode[] {
    const node = this.nodes.get(path);
    if (!node?.children) return [];
    const removed: FsNode[] = [];
    for (const name of [...node.children.keys()]) removed.push(...this.remove(joinPath(path, name)));
    return removed;
  }

  /** Writes `entry` (by `layer`), creating implicit parent directories as needed. */
  put(entry: LayerEntry, layer: number): void {
    const existing = this.nodes.get(entry.path);
    if (existing) {
      existing.entry = entry;
      existing.layer = layer;
      existing.implicit = false;
      if (entry.type === 'dir') existing.children ??= new Map();
      else existing.children = null;
      return;
    }
    const [parentPath, name] = splitPath(entry.path);
    const parent = this.ensureDir(parentPath, layer);
    const node: FsNode = { entry, layer, implicit: false, children: entry.type === 'dir' ? new Map() : null };
    parent.children?.set(name, node);
    this.nodes.set(entry.path, node);
  }

  private ensureDir(path: string, layer: number): FsNode {
    const found = this.nodes.get(path);
    if (found) {
      found.children ??= new Map();
      return found;
    }
    const [parentPath, name] = splitPath(path);
    const parent = this.ensureDir(parentPath, layer);
    const node: FsNode = { entry: implicitDir(path), layer, implicit: true, children: new Map() };
    parent.children?.set(name, node);
    this.nodes.set(path, node);
    return node;
  }

  /**
   * Every path except the root, in `comparePaths` order, in steps: a depth-first walk with each directory's
   * names sorted (code unit order, as comparePaths compares within a name), so there is no sort of the whole
   * filesystem to do in one go.
   */
  *entriesInSteps(): Generator<void, MergedEntry[]> {
    const out: MergedEntry[] = [];
    const budget = new StepBudget();
    const stack: FsNode[] = [];
    const pushChildren = (node: FsNode) => {
      if (!node.children || node.children.size === 0) return;
      const names = [...node.children.keys()].sort();
      for (let i = names.length - 1; i >= 0; i--) stack.push(node.children.get(names[i]) as FsNode);
    };
    pushChildren(this.root);
    while (stack.length > 0) {
      if (budget.spend()) yield;
      const node = stack.pop() as FsNode;
      out.push(withLayer(node.entry, node.layer));
      pushChildren(node);
    }
    return out;
  }
}

function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Orders paths the way a tree lists them: by component, so `/a/b` sorts before `/a-b`. */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca === 47) return -1;
    if (cb === 47) return 1;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * An entry tagged with its layer, built as a literal of one shape: several times cheaper than spreading the
 * entry (`{ ...entry, layer }`), which a million-entry image does a million times.
 */
function withLayer(e: LayerEntry, layer: number): MergedEntry {
  return { path: e.path, type: e.type, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkname: e.linkname, digest: e.digest, layer };
}

function deletedEntry(node: FsNode): DeletedEntry {
  return withLayer(node.entry, node.layer);
}

/** Applies one layer to the tree and returns what it did, yielding every `STEP_ENTRIES` entries. */
function* applyLayer(tree: MergedTree, index: LayerIndex, layer: number): Generator<void, LayerDiff> {
  // Whiteouts first: opaque directories, then `.wh.` names (both are applied before the layer's entries).
  const deletedNow = new Map<string, FsNode>();
  for (const dir of index.opaqueDirs) for (const n of tree.removeChildren(dir)) deletedNow.set(n.entry.path, n);
  for (const path of index.whiteouts) for (const n of tree.remove(path)) deletedNow.set(n.entry.path, n);

  const created: LayerEntry[] = [];
  const changed: ChangedEntry[] = [];
  const budget = new StepBudget();
  for (const entry of index.entries) {
    if (budget.spend()) yield;
    const below = tree.get(entry.path) ?? deletedNow.get(entry.path);
    // An implicit directory made earlier in this same layer (child listed before parent) is new here.
    if (below && !(below.implicit && below.layer === layer)) {
      deletedNow.delete(entry.path);
      if (below.entry.type === 'dir' && entry.type !== 'dir') {
        // A non-directory over a lower directory removes the directory's subtree (overlay semantics).
        for (const n of tree.remove(entry.path)) if (n !== below) deletedNow.set(n.entry.path, n);
      }
      const what = below.implicit ? [] : changeAspects(below.entry, entry);
      changed.push({ ...entry, what, previous: below.entry, previousLayer: below.layer });
    } else {
      created.push(entry);
    }
    tree.put(entry, layer);
  }
  const deleted = [...deletedNow.values()].map(deletedEntry).sort((a, b) => comparePaths(a.path, b.path));
  return { created, changed, deleted };
}

/**
 * `diffLayers` in steps: the generator yields after every few thousand entries (about 20 ms of work), so a
 * caller on a busy event loop can run it a step per turn; it returns the diffs.
 */
export function* diffLayersInSteps(indexes: readonly LayerIndex[]): Generator<void, LayerDiff[]> {
  const tree = new MergedTree();
  const diffs: LayerDiff[] = [];
  for (let layer = 0; layer < indexes.length; layer++) diffs.push(yield* applyLayer(tree, indexes[layer], layer));
  return diffs;
}

/** What every layer did to the union of the layers below it, base first. */
export function diffLayers(indexes: readonly LayerIndex[]): LayerDiff[] {
  return runToEnd(diffLayersInSteps(indexes));
}

/** `mergedFilesystem` in steps, like `diffLayersInSteps`. */
export function* mergedFilesystemInSteps(indexes: readonly LayerIndex[], layer: number): Generator<void, MergedEntry[]> {
  const tree = new MergedTree();
  for (let i = 0; i <= layer && i < indexes.length; i++) yield* applyLayer(tree, indexes[i], i);
  return yield* tree.entriesInSteps();
}

/** The merged filesystem as of `layer` (0 = base), sorted by path, each path tagged with its last writer. */
export function mergedFilesystem(indexes: readonly LayerIndex[], layer: number): MergedEntry[] {
  return runToEnd(mergedFilesystemInSteps(indexes, layer));
}
