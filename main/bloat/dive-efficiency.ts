// dive 0.13's image efficiency, "potential wasted space" and "user wasted percent", replayed on our
// layer indexes so the numbers match dive's to the byte. Every rule below comes from dive's source
// (dive/filetree/{efficiency,file_tree,file_node,file_info}.go, dive/image/{analysis,docker/image_archive}.go);
// main/bloat/README.md explains them and where our own wasted-bytes figure differs.
//
// 1. dive builds one tree per layer from its tar entries. A path's missing parents become nodes with an
//    empty payload (size 0, not a directory). A whiteout `a/.wh.b` is a node named `.wh.b`; an opaque
//    marker (`.wh..wh..opq`, any name starting `.wh..wh.`) is dropped, but its directory node is made.
// 2. Only LEAVES (nodes without children in that layer's tree) are counted, in depth-first child-first
//    order with names sorted bytewise. A leaf's path has `.wh.` trimmed from its own name.
// 3. A leaf contributes its tar header size. A whiteout leaf contributes 0 when the path it deletes was
//    not a directory, or the summed sizes of every node below (and of) that directory in the stacked
//    tree of the layers beneath. That stacked tree is a copy of layer 0 with layers 0…i−1 stacked on it
//    (layer 0 twice): stacking writes every node's payload over what is there (intermediate nodes too,
//    so a directory whose parent-only node is restacked stops being a directory) and removes the path of
//    every whiteout; opaque markers are ignored.
// 4. When the deleted path is absent from that stacked tree, dive records the path with a minimum size
//    of −1 (when it was never seen before) and stops visiting the rest of that layer.
// 5. Per path: the summed sizes of every visit and the smallest one. Efficiency = Σ smallest / Σ sums
//    (1 when Σ sums is 0). Wasted bytes = Σ sums of paths visited 2+ times. Layer size = Σ header sizes
//    of the layer's entries; user size = Σ sizes of every layer but the first; user wasted percent =
//    wasted / user size (dive divides by zero for one-layer images; we report 0).
// 6. Only a path some layer writes over, deletes, whites out or makes opaque can be visited twice (our
//    diff lists every such path; the indexer keeps one entry per path per layer); every other leaf is
//    visited once, so only those paths are tallied by name and the rest are summed — on a 1M-entry
//    image that keeps 95% of paths out of the tally map.
import type { LayerDiff, LayerEntry, LayerIndex } from '../../shared/model';
import { BLOAT_LIMITS, type DiveFigures, type DiveInefficiency } from '../../shared/bloat';
import { StepBudget } from '../layers/step-budget';

const WHITEOUT = '.wh.';
const META_WHITEOUT = '/.wh..wh.';

/** One layer's dive tree, flattened: its written nodes with their payloads, which of them are parents, its bare parents. */
interface LayerTree {
  /** Written nodes: the layer's entries (the indexer keeps one per path, as dive's AddPath keeps the last payload). */
  readonly entries: readonly LayerEntry[];
  /** Written nodes too: the layer's whiteouts as dive's `.wh.NAME` nodes (size 0, not directories). */
  readonly whiteouts: readonly string[];
  /** Every node that has a child in this layer; a written node not among them is a leaf. */
  readonly parents: ReadonlySet<string>;
  /** Nodes without payload: parents this layer's paths need that it does not write, and opaque markers' directories. */
  readonly bare: readonly string[];
  /** Bare nodes that are leaves (an opaque marker's otherwise empty directory). */
  readonly bareLeaves: readonly string[];
}
/** A node of the stacked tree; removed nodes are marked dead and dropped from the map. */
interface StackNode {
  readonly path: string;
  size: number;
  isDir: boolean;
  alive: boolean;
  children: StackNode[] | null;
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

function isWhiteoutPath(raw: string): boolean {
  return raw.startsWith(WHITEOUT, raw.lastIndexOf('/') + 1);
}

/** The path dive reports for a node: `.wh.` trimmed from the node's own name. */
function trimmedPath(raw: string): string {
  const cut = raw.lastIndexOf('/') + 1;
  return raw.startsWith(WHITEOUT, cut) ? raw.slice(0, cut) + raw.slice(cut + WHITEOUT.length) : raw;
}

/** dive's tree of one layer (the root excluded), built the way its AddPath builds it; in steps. */
function* layerTreeInSteps(index: LayerIndex, budget: StepBudget): Generator<void, LayerTree> {
  const whiteouts: string[] = [];
  for (const w of new Set(index.whiteouts)) {
    const cut = w.lastIndexOf('/') + 1;
    const raw = `${w.slice(0, cut)}${WHITEOUT}${w.slice(cut)}`;
    if (!raw.includes(META_WHITEOUT)) whiteouts.push(raw);
  }
  // An opaque marker is dropped, but its directory becomes a node. Every node's parent has a child.
  // Siblings mostly come together, so a parent equal to the previous one is not sliced again.
  const opaque = index.opaqueDirs.filter((d) => d !== '/');
  const parents = new Set<string>();
  let previous = '';
  const addParentOf = (raw: string) => {
    const cut = raw.lastIndexOf('/');
    if (cut === previous.length && raw.startsWith(previous)) return;
    previous = cut <= 0 ? '/' : raw.slice(0, cut);
    parents.add(previous);
  };
  // The indexer already leaves out `.wh..wh.` names, and the root is not a node.
  for (const e of index.entries) {
    if (budget.spend()) yield;
    if (e.path !== '/') addParentOf(e.path);
  }
  for (const raw of whiteouts) addParentOf(raw);
  for (const d of opaque) parents.add(parentOf(d));
  for (const dir of [...parents]) for (let d = parentOf(dir); d !== '/' && !parents.has(d); d = parentOf(d)) parents.add(d);
  parents.delete('/');
  const writtenParents = new Set<string>();
  for (const e of index.entries) {
    if (budget.spend()) yield;
    if (parents.has(e.path)) writtenParents.add(e.path);
  }
  for (const raw of whiteouts) if (parents.has(raw)) writtenParents.add(raw);
  const written = opaque.length > 0 ? new Set([...index.entries.map((e) => e.path), ...whiteouts]) : null;
  const bare = [...parents].filter((d) => !writtenParents.has(d));
  const bareLeaves: string[] = [];
  for (const d of opaque) {
    if (written?.has(d) || parents.has(d)) continue;
    bare.push(d);
    bareLeaves.push(d);
  }
  return { entries: index.entries, whiteouts, parents, bare, bareLeaves };
}

/** The paths that can be visited in more than one layer (see rule 6): changed, deleted, whited out, opaque. */
function revisitablePaths(indexes: readonly LayerIndex[], diffs: readonly LayerDiff[]): Set<string> {
  const paths = new Set<string>();
  for (const diff of diffs) {
    for (const c of diff.changed) paths.add(c.path);
    for (const d of diff.deleted) paths.add(d.path);
  }
  for (const index of indexes) {
    for (const w of index.whiteouts) paths.add(w);
    for (const d of index.opaqueDirs) paths.add(d);
  }
  return paths;
}

/**
 * dive's visiting order (depth-first, children before parents, names bytewise) as a comparator of raw
 * paths: a descendant sorts before its ancestor; siblings' subtrees sort by name.
 */
export function diveVisitOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === a.length && i === b.length) return 0;
  if (i === a.length) return b.charCodeAt(i) === 47 ? 1 : -1;
  if (i === b.length) return a.charCodeAt(i) === 47 ? -1 : 1;
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  if (ca === 47) return -1;
  if (cb === 47) return 1;
  // Bytewise UTF-8 order is code point order; UTF-16 units differ from it only for surrogates.
  if (ca >= 0xd800 && cb >= 0xd800) return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
  return ca - cb;
}

/** dive's tree of the layers below one layer: a copy of layer 0 with layers 0…i−1 stacked on it. */
class StackedTree {
  private readonly nodes = new Map<string, StackNode>();
  /** Only nodes at or below these paths are kept: the paths whiteouts can ask about. */
  private readonly roots: ReadonlySet<string>;
  /** The parent directory of the last path asked about, and whether it is at or below a root. */
  private lastParent = '\0';
  private lastParentRelevant = false;

  constructor(targets: Iterable<string>) {
    this.roots = new Set(targets);
  }

  /** Tells whether `path` is at or below one of the roots (siblings reuse their parent's answer). */
  relevant(path: string): boolean {
    if (this.roots.has(path)) return true;
    const cut = path.lastIndexOf('/');
    if (cut !== this.lastParent.length || !path.startsWith(this.lastParent)) {
      this.lastParent = cut <= 0 ? '/' : path.slice(0, cut);
      this.lastParentRelevant = false;
      for (let d = this.lastParent; ; d = parentOf(d)) {
        if (this.roots.has(d)) this.lastParentRelevant = true;
        if (d === '/' || this.lastParentRelevant) break;
      }
    }
    return this.lastParentRelevant;
  }
  private readonly root: StackNode = { path: '/', size: 0, isDir: true, alive: true, children: [] };

  get(path: string): StackNode | undefined {
    return this.nodes.get(path);
  }

  /** AddPath: writes the payload at `raw` (keeping children), making missing parents payload-less. */
  put(raw: string, size: number, isDir: boolean): void {
    if (!this.relevant(raw)) return;
    let node = this.nodes.get(raw);
    if (!node) {
      const parentPath = parentOf(raw);
      const parent = this.relevant(parentPath) ? (this.nodes.get(parentPath) ?? this.makeBare(parentPath)) : this.root;
      node = { path: raw, size: 0, isDir: false, alive: true, children: null };
      (parent.children ??= []).push(node);
      this.nodes.set(raw, node);
    }
    node.size = size;
    node.isDir = isDir;
  }

  private makeBare(raw: string): StackNode {
    this.put(raw, 0, false);
    return this.nodes.get(raw) as StackNode;
  }

  /** RemovePath: drops `path` and everything below it (a missing path is ignored, as dive logs it). */
  remove(path: string): void {
    const node = this.nodes.get(path);
    if (!node) return;
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as StackNode;
      if (!n.alive) continue;
      n.alive = false;
      this.nodes.delete(n.path);
      if (n.children) for (const c of n.children) stack.push(c);
    }
  }

  /** Sum of the payload sizes of `node` and every live node below it. */
  subtreeSize(node: StackNode): number {
    let sum = 0;
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as StackNode;
      if (!n.alive) continue;
      sum += n.size;
      if (n.children) for (const c of n.children) stack.push(c);
    }
    return sum;
  }

  /** dive's FileTree.Stack: every node of `upper` in visiting order; whiteouts remove, others write. In steps. */
  *stackInSteps(upper: LayerTree, budget: StepBudget): Generator<void, void> {
    const targets = new Set(upper.whiteouts.map(trimmedPath));
    // Order only matters among whiteouts and the nodes at or below their targets; the rest go as they come.
    const ordered: { raw: string; size: number; isDir: boolean }[] = upper.whiteouts.map((raw) => ({ raw, size: 0, isDir: false }));
    for (const e of upper.entries) {
      if (budget.spend()) yield;
      // Writing a path this tree does not keep is a no-op in any order.
      if (e.path === '/' || !this.relevant(e.path)) continue;
      if (targets.size > 0 && underAny(e.path, targets)) ordered.push({ raw: e.path, size: e.size, isDir: e.type === 'dir' });
      else this.put(e.path, e.size, e.type === 'dir');
    }
    for (const raw of upper.bare) {
      if (targets.size > 0 && underAny(raw, targets)) ordered.push({ raw, size: 0, isDir: false });
      else this.put(raw, 0, false);
    }
    ordered.sort((a, b) => diveVisitOrder(a.raw, b.raw));
    for (const step of ordered) {
      if (isWhiteoutPath(step.raw)) this.remove(trimmedPath(step.raw));
      else this.put(step.raw, step.size, step.isDir);
    }
  }
}

function underAny(path: string, targets: ReadonlySet<string>): boolean {
  for (let p = path; p !== '/'; p = parentOf(p)) if (targets.has(p)) return true;
  return false;
}

/**
 * Computes dive 0.13's efficiency figures for an image's layers (base first), given their diffs and each
 * layer's size (the summed sizes of its entries). A stepped computation (see step-budget.ts).
 */
export function* diveFiguresInSteps(indexes: readonly LayerIndex[], diffs: readonly LayerDiff[], layerSizes: readonly number[]): Generator<void, DiveFigures> {
  const budget = new StepBudget();
  const revisitable = revisitablePaths(indexes, diffs);
  yield;
  const trees: LayerTree[] = [];
  for (const index of indexes) trees.push(yield* layerTreeInSteps(index, budget));
  // Leaves visited once: their size is both their smallest and their summed size.
  let visitedOnce = 0;
  // Per revisitable path: index into the tallies (summed sizes, smallest size, visits).
  const slots = new Map<string, number>();
  const cumulative: number[] = [];
  const minimum: number[] = [];
  const visits: number[] = [];
  const slotOf = (path: string): number => {
    let slot = slots.get(path);
    if (slot === undefined) {
      slot = cumulative.length;
      slots.set(path, slot);
      cumulative.push(0);
      minimum.push(-1);
      visits.push(0);
    }
    return slot;
  };
  // The stacked tree of layers 0…i−1 over a copy of layer 0, built only when a whiteout needs it.
  let stacked: StackedTree | null = null;
  let stackedUpTo = -1;
  function* stackedBelow(layer: number): Generator<void, StackedTree> {
    if (!stacked) {
      const targets: string[] = [];
      for (const index of indexes) targets.push(...index.whiteouts);
      stacked = new StackedTree(targets);
      const base = trees[0];
      for (const raw of base.bare) stacked.put(raw, 0, false);
      for (const e of base.entries) {
        if (budget.spend()) yield;
        if (e.path !== '/') stacked.put(e.path, e.size, e.type === 'dir');
      }
      for (const raw of base.whiteouts) stacked.put(raw, 0, false);
    }
    while (stackedUpTo < layer - 1) yield* stacked.stackInSteps(trees[++stackedUpTo], budget);
    return stacked;
  }

  for (let layer = 0; layer < trees.length; layer++) {
    const tree = trees[layer];
    const visit = (path: string, size: number) => {
      if (!revisitable.has(path)) {
        visitedOnce += size;
        return;
      }
      const slot = slotOf(path);
      cumulative[slot] += size;
      if (minimum[slot] < 0 || size < minimum[slot]) minimum[slot] = size;
      visits[slot]++;
    };
    const whiteouts = tree.whiteouts.filter((raw) => !tree.parents.has(raw));
    const below = whiteouts.length > 0 ? yield* stackedBelow(layer) : null;
    yield;
    let stopAt: string | null = null;
    for (const raw of whiteouts) {
      if (!below?.get(trimmedPath(raw)) && (stopAt === null || diveVisitOrder(raw, stopAt) < 0)) stopAt = raw;
    }
    const counted = (raw: string) => stopAt === null || diveVisitOrder(raw, stopAt) < 0;
    for (const e of tree.entries) {
      if (budget.spend()) yield;
      if (e.path !== '/' && !tree.parents.has(e.path) && counted(e.path)) visit(e.path, e.size);
    }
    for (const raw of whiteouts) {
      if (!counted(raw)) continue;
      const target = below?.get(trimmedPath(raw));
      visit(trimmedPath(raw), target?.isDir ? (below as StackedTree).subtreeSize(target) : 0);
    }
    for (const raw of tree.bareLeaves) if (counted(raw)) visit(raw, 0);
    // The failing whiteout's path is recorded (min −1) before dive gives up on the layer.
    if (stopAt !== null) slotOf(trimmedPath(stopAt));
  }

  let smallest = visitedOnce;
  let discovered = visitedOnce;
  let wastedBytes = 0;
  const inefficient: DiveInefficiency[] = [];
  for (const [path, slot] of slots) {
    if (budget.spend()) yield;
    smallest += minimum[slot];
    discovered += cumulative[slot];
    if (visits[slot] >= 2) {
      wastedBytes += cumulative[slot];
      inefficient.push({ path, count: visits[slot], cumulativeSize: cumulative[slot] });
    }
  }
  yield;
  inefficient.sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (layerSizes[0] ?? 0);
  return {
    efficiency: discovered === 0 ? 1 : smallest / discovered,
    wastedBytes,
    userWastedPercent: userSizeBytes === 0 ? 0 : wastedBytes / userSizeBytes,
    sizeBytes,
    userSizeBytes,
    inefficiencyCount: inefficient.length,
    inefficiencies: inefficient.slice(0, BLOAT_LIMITS.diveInefficiencies),
  };
}
