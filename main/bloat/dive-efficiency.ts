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
import type { LayerIndex } from '../../shared/model';
import { BLOAT_LIMITS, type DiveFigures, type DiveInefficiency } from '../../shared/bloat';

const WHITEOUT = '.wh.';
const META_WHITEOUT = '.wh..wh.';

/** A node of one of dive's trees, keyed by its raw path (whiteout names keep their `.wh.` prefix). */
interface DiveNode {
  size: number;
  isDir: boolean;
  children: Set<string> | null;
}

type DiveTree = Map<string, DiveNode>;

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isWhiteoutPath(raw: string): boolean {
  return nameOf(raw).startsWith(WHITEOUT);
}

/** The path dive reports for a node: `.wh.` trimmed from the node's own name. */
function trimmedPath(raw: string): string {
  const cut = raw.lastIndexOf('/');
  const name = raw.slice(cut + 1);
  return name.startsWith(WHITEOUT) ? raw.slice(0, cut + 1) + name.slice(WHITEOUT.length) : raw;
}

/** Finds or makes the node at `raw`, making missing parents as payload-less nodes (dive's AddPath). */
function ensureNode(tree: DiveTree, raw: string): DiveNode {
  const found = tree.get(raw);
  if (found) return found;
  const node: DiveNode = { size: 0, isDir: false, children: null };
  tree.set(raw, node);
  const parent = parentOf(raw);
  if (parent !== '/') {
    const p = ensureNode(tree, parent);
    (p.children ??= new Set()).add(raw);
  } else {
    const root = tree.get('/') as DiveNode;
    (root.children ??= new Set()).add(raw);
  }
  return node;
}

function newTree(): DiveTree {
  return new Map([['/', { size: 0, isDir: true, children: new Set<string>() }]]);
}

/** dive's tree of one layer. */
function layerTree(index: LayerIndex): DiveTree {
  const tree = newTree();
  const add = (raw: string, size: number, isDir: boolean) => {
    if (raw === '/' || raw.split('/').some((c) => c.startsWith(META_WHITEOUT))) return;
    const node = ensureNode(tree, raw);
    node.size = size;
    node.isDir = isDir;
  };
  for (const e of index.entries) add(e.path, e.size, e.type === 'dir');
  for (const w of index.whiteouts) add(`${parentOf(w) === '/' ? '' : parentOf(w)}/${WHITEOUT}${nameOf(w)}`, 0, false);
  for (const d of index.opaqueDirs) if (d !== '/') ensureNode(tree, d);
  return tree;
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

function removeSubtree(tree: DiveTree, raw: string): void {
  const node = tree.get(raw);
  if (!node) return;
  tree.get(parentOf(raw))?.children?.delete(raw);
  const stack = [raw];
  while (stack.length > 0) {
    const p = stack.pop() as string;
    const n = tree.get(p);
    tree.delete(p);
    if (n?.children) for (const c of n.children) stack.push(c);
  }
}

/** dive's FileTree.Stack: `upper` grafted onto `base` in visiting order. */
function stackOnto(base: DiveTree, upper: DiveTree): void {
  const paths = [...upper.keys()].filter((p) => p !== '/');
  // Order only matters when a whiteout and a written path of the same layer meet.
  if (paths.some(isWhiteoutPath)) paths.sort(diveVisitOrder);
  for (const raw of paths) {
    if (isWhiteoutPath(raw)) {
      removeSubtree(base, trimmedPath(raw));
      continue;
    }
    const from = upper.get(raw) as DiveNode;
    const node = ensureNode(base, raw);
    node.size = from.size;
    node.isDir = from.isDir;
  }
}

function copyTree(tree: DiveTree): DiveTree {
  const out: DiveTree = new Map();
  for (const [p, n] of tree) out.set(p, { size: n.size, isDir: n.isDir, children: n.children ? new Set(n.children) : null });
  return out;
}

function subtreeSize(tree: DiveTree, raw: string): number {
  let sum = 0;
  const stack = [raw];
  while (stack.length > 0) {
    const n = tree.get(stack.pop() as string);
    if (!n) continue;
    sum += n.size;
    if (n.children) for (const c of n.children) stack.push(c);
  }
  return sum;
}

interface PathTally {
  cumulative: number;
  min: number;
  count: number;
}

/** Computes dive 0.13's efficiency figures for an image's layers (base first). */
export function diveFigures(indexes: readonly LayerIndex[]): DiveFigures {
  const trees = indexes.map(layerTree);
  const tallies = new Map<string, PathTally>();
  const tallyOf = (path: string): PathTally => {
    let t = tallies.get(path);
    if (!t) tallies.set(path, (t = { cumulative: 0, min: -1, count: 0 }));
    return t;
  };
  // The stacked tree of layers 0…i−1 over a copy of layer 0, advanced lazily.
  let stacked: DiveTree | null = null;
  let stackedUpTo = -1;
  const stackedBelow = (layer: number): DiveTree => {
    if (!stacked) stacked = copyTree(trees[0]);
    while (stackedUpTo < layer - 1) stackOnto(stacked, trees[++stackedUpTo]);
    return stacked;
  };

  trees.forEach((tree, layer) => {
    const leaves: string[] = [];
    for (const [raw, node] of tree) if (raw !== '/' && !node.children?.size) leaves.push(raw);
    const whiteouts = leaves.filter(isWhiteoutPath);
    const below = whiteouts.length > 0 ? stackedBelow(layer) : null;
    let stopAt: string | null = null;
    for (const raw of whiteouts) {
      if (!below?.has(trimmedPath(raw)) && (stopAt === null || diveVisitOrder(raw, stopAt) < 0)) stopAt = raw;
    }
    for (const raw of leaves) {
      if (stopAt !== null && diveVisitOrder(raw, stopAt) >= 0) continue;
      let size: number;
      if (isWhiteoutPath(raw)) {
        const target = trimmedPath(raw);
        size = below?.get(target)?.isDir ? subtreeSize(below, target) : 0;
      } else {
        size = (tree.get(raw) as DiveNode).size;
      }
      const t = tallyOf(trimmedPath(raw));
      t.cumulative += size;
      if (t.min < 0 || size < t.min) t.min = size;
      t.count++;
    }
    // The failing whiteout's path is recorded (min −1) before dive gives up on the layer.
    if (stopAt !== null) tallyOf(trimmedPath(stopAt));
  });

  let minimum = 0;
  let discovered = 0;
  let wastedBytes = 0;
  const inefficient: DiveInefficiency[] = [];
  for (const [path, t] of tallies) {
    minimum += t.min;
    discovered += t.cumulative;
    if (t.count >= 2) {
      wastedBytes += t.cumulative;
      inefficient.push({ path, count: t.count, cumulativeSize: t.cumulative });
    }
  }
  inefficient.sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const layerSizes = indexes.map((index) => index.entries.reduce((sum, e) => sum + e.size, 0));
  const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (layerSizes[0] ?? 0);
  return {
    efficiency: discovered === 0 ? 1 : minimum / discovered,
    wastedBytes,
    userWastedPercent: userSizeBytes === 0 ? 0 : wastedBytes / userSizeBytes,
    sizeBytes,
    userSizeBytes,
    inefficiencyCount: inefficient.length,
    inefficiencies: inefficient.slice(0, BLOAT_LIMITS.diveInefficiencies),
  };
}
