// The tree pane's data model: pure functions over the columnar TreeData. Paths arrive sorted so that a
// directory's descendants follow it directly (preorder), which lets one linear pass find every row's
// parent and subtree end; the visible rows are then a flat array derived from an expanded set.
import type { TreeData } from '../../shared/api';

const DIR = 100; // 'd'
const UNCHANGED = 85; // 'U'
const DELETED = 68; // 'D'
const CHANGED = 77; // 'M'

/** A built tree: per-row parent, depth, subtree end and subtree size, in typed arrays. */
export interface TreeModel {
  readonly data: TreeData;
  readonly size: number;
  /** Index of the parent row, -1 for top-level rows (and for a `/` row, which is never shown). */
  readonly parent: Int32Array;
  readonly depth: Uint16Array;
  /** One past the last descendant: row i's subtree is `[i, end[i])`. */
  readonly end: Int32Array;
  /** Own size plus the sizes of the descendants that share the row's liveness (deleted or not). */
  readonly total: Float64Array;
  /** 1 when the row or one of its descendants was created, changed or deleted. */
  readonly changedBelow: Uint8Array;
  /** `data.status` and `data.types` as bytes (indexing a typed array beats charCodeAt in hot loops). */
  readonly statusCodes: Uint8Array;
  readonly typeCodes: Uint8Array;
  /** First row that is shown (1 when row 0 is the root directory `/`). */
  readonly first: number;
  readonly counts: { readonly created: number; readonly changed: number; readonly deleted: number };
}

/** Builds the model in one forward and one backward pass (paths sorted as `comparePaths` sorts them). */
export function buildTreeModel(data: TreeData): TreeModel {
  const { paths, sizes } = data;
  const n = paths.length;
  const ascii = new TextEncoder();
  const status = ascii.encode(data.status);
  const types = ascii.encode(data.types);
  const parent = new Int32Array(n);
  const depth = new Uint16Array(n);
  const end = new Int32Array(n);
  const total = new Float64Array(n);
  const changedBelow = new Uint8Array(n);
  const first = n > 0 && paths[0] === '/' ? 1 : 0;
  if (first) {
    end[0] = n;
    parent[0] = -1;
  }
  // The open ancestors of the current row, as a stack of row indexes and path lengths. Rows come in
  // preorder with every parent listed, so a row's parent is the open row whose path is exactly as long
  // as the row's directory part; deeper open rows are finished. No string is compared or built.
  const stack: number[] = [];
  const lengths: number[] = [];
  let top = 0;
  for (let i = first; i < n; i++) {
    const cut = paths[i].lastIndexOf('/');
    while (top > 0 && lengths[top - 1] > cut) end[stack[--top]] = i;
    parent[i] = top > 0 ? stack[top - 1] : -1;
    depth[i] = top;
    stack[top] = i;
    lengths[top++] = paths[i].length;
  }
  while (top > 0) end[stack[--top]] = n;

  let created = 0;
  let changed = 0;
  let deleted = 0;
  for (let i = n - 1; i >= first; i--) {
    const s = status[i];
    if (types[i] !== DIR) total[i] += sizes[i];
    if (s !== UNCHANGED) {
      changedBelow[i] = 1;
      if (s === DELETED) deleted++;
      else if (s === 65) created++;
      else changed++;
    }
    const p = parent[i];
    if (p >= 0) {
      if ((s === DELETED) === (status[p] === DELETED)) total[p] += total[i];
      if (changedBelow[i]) changedBelow[p] = 1;
    }
  }
  return {
    data,
    size: n,
    parent,
    depth,
    end,
    total,
    changedBelow,
    statusCodes: status,
    typeCodes: types,
    first,
    counts: { created, changed, deleted },
  };
}

/** Whether row i has child rows. */
export function hasChildren(model: TreeModel, i: number): boolean {
  return model.end[i] > i + 1;
}

/** The last path component of row i. */
export function nameOf(model: TreeModel, i: number): string {
  const p = model.data.paths[i];
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Index of the row with this exact path, or -1. */
export function findRow(model: TreeModel, path: string): number {
  return model.data.paths.indexOf(path);
}

/** Paths of every row that has children (for "expand all"). */
export function expandablePaths(model: TreeModel): string[] {
  const out: string[] = [];
  for (let i = model.first; i < model.size; i++) if (model.end[i] > i + 1) out.push(model.data.paths[i]);
  return out;
}

/** Paths of the ancestors of row i, nearest last (to reveal it). */
export function ancestorPaths(model: TreeModel, i: number): string[] {
  const out: string[] = [];
  for (let p = model.parent[i]; p >= 0; p = model.parent[p]) out.unshift(model.data.paths[p]);
  return out;
}

/** How sibling rows are ordered. */
export type TreeSort = 'name' | 'size';

const sizeOrder = new WeakMap<TreeModel, Map<number, Int32Array>>();

/** The children of row `parentRow` (-1: the top level) in the given order. */
export function childrenOf(model: TreeModel, parentRow: number, sort: TreeSort): Int32Array {
  if (sort === 'size') {
    let memo = sizeOrder.get(model);
    if (!memo) sizeOrder.set(model, (memo = new Map()));
    const hit = memo.get(parentRow);
    if (hit) return hit;
    const sorted = childrenOf(model, parentRow, 'name').slice();
    sorted.sort((a, b) => model.total[b] - model.total[a]);
    memo.set(parentRow, sorted);
    return sorted;
  }
  const start = parentRow < 0 ? model.first : parentRow + 1;
  const stop = parentRow < 0 ? model.size : model.end[parentRow];
  let count = 0;
  for (let j = start; j < stop; j = model.end[j]) count++;
  const out = new Int32Array(count);
  count = 0;
  for (let j = start; j < stop; j = model.end[j]) out[count++] = j;
  return out;
}

/** Search matches: 2 for a matching row, 1 for an ancestor of one, 0 otherwise. */
export interface SearchResult {
  readonly marks: Uint8Array;
  readonly matches: number;
  /** Paths to expand so that every match shows. */
  readonly expand: readonly string[];
}

const nameLists = new WeakMap<TreeModel, readonly string[]>();

/** The last path component of every row, built once per model. */
export function namesOf(model: TreeModel): readonly string[] {
  let names = nameLists.get(model);
  if (!names) {
    names = model.data.paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
    nameLists.set(model, names);
  }
  return names;
}

/** Marks the rows a predicate accepts (given the path, where its last component starts, and the row). */
export function searchTree(model: TreeModel, accepts: (path: string, nameStart: number, row: number) => boolean): SearchResult {
  const { paths } = model.data;
  const marks = new Uint8Array(model.size);
  const opened = new Uint8Array(model.size);
  const expand: string[] = [];
  let matches = 0;
  for (let i = model.first; i < model.size; i++) {
    const p = paths[i];
    if (!accepts(p, p.lastIndexOf('/') + 1, i)) continue;
    marks[i] = 2;
    matches++;
    for (let a = model.parent[i]; a >= 0 && !opened[a]; a = model.parent[a]) {
      opened[a] = 1;
      if (!marks[a]) marks[a] = 1;
      expand.push(paths[a]);
    }
  }
  return { marks, matches, expand };
}

/** What the visible rows depend on besides the model. */
export interface ViewOptions {
  readonly expanded: ReadonlySet<string>;
  readonly sort: TreeSort;
  /** Hide rows whose subtree holds no change (useful in the merged view). */
  readonly onlyChanges: boolean;
  /** Keep only matches, their ancestors and everything below a matching directory. */
  readonly search: SearchResult | null;
}

/** The rows on screen: `rows[k]` is the row shown at position k; `heads[k]` starts its folded label. */
export interface VisibleRows {
  readonly rows: Int32Array;
  readonly heads: Int32Array;
  readonly length: number;
}

/** A directory folds into its only child when that hides nothing: it is unchanged, or both were created (or deleted). */
function foldable(parentStatus: number, childStatus: number): boolean {
  return parentStatus === UNCHANGED || (parentStatus === childStatus && parentStatus !== CHANGED);
}

/**
 * Flattens the expanded tree into visible rows. A directory whose only child is a directory folds into
 * one row with it (`usr/lib/x86_64-linux-gnu`), as VS Code's explorer does, when that hides no status.
 */
export function visibleRows(model: TreeModel, options: ViewOptions): VisibleRows {
  const { data, end, changedBelow, statusCodes: status, typeCodes: types } = model;
  const { paths } = data;
  const { expanded, sort, onlyChanges, search } = options;
  const marks = search?.marks;
  const rows = new Int32Array(model.size);
  const heads = new Int32Array(model.size);
  let length = 0;

  const passes = (j: number, inside: boolean) =>
    (!onlyChanges || changedBelow[j] === 1) && (marks === undefined || inside || marks[j] !== 0);

  const walk = (parentRow: number, inside: boolean) => {
    const children = childrenOf(model, parentRow, sort);
    for (let c = 0; c < children.length; c++) {
      const head = children[c];
      let tail = head;
      let tailInside = inside || marks?.[head] === 2;
      if (!passes(head, inside)) continue;
      while (
        tail + 1 < model.size &&
        foldable(status[tail], status[tail + 1]) &&
        types[tail] === DIR &&
        end[tail + 1] === end[tail] &&
        types[tail + 1] === DIR &&
        passes(tail + 1, tailInside)
      ) {
        tail++;
        tailInside = tailInside || marks?.[tail] === 2;
      }
      rows[length] = tail;
      heads[length] = head;
      length++;
      if (end[tail] > tail + 1 && expanded.has(paths[tail])) walk(tail, tailInside);
    }
  };
  walk(model.first === 1 ? 0 : -1, false);
  return { rows: rows.subarray(0, length), heads: heads.subarray(0, length), length };
}
