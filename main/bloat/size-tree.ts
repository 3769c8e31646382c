// The final filesystem's content as a size hierarchy for a treemap, pruned to a node budget: the largest
// directories are opened first; small siblings fold into one "smaller items" node.

/** A file holding part of the final filesystem's content: its visible path, size and writing layer. */
export interface SizedFile {
  readonly path: string;
  readonly size: number;
  readonly layer: number;
}

/** A node of the size hierarchy. */
export interface SizeTreeNode {
  readonly name: string;
  /** Absolute path ('' for a folded "smaller items" node). */
  readonly path: string;
  /** Bytes of the file, or of every file below the directory. */
  readonly size: number;
  /** The layer that last wrote the file; for a directory, the layer that wrote most of its bytes. */
  readonly layer: number;
  readonly children: readonly SizeTreeNode[] | null;
}

interface Building {
  name: string;
  path: string;
  size: number;
  layer: number;
  kids: Map<string, Building> | null;
  byLayer: Map<number, number> | null;
}

/** Builds the pruned hierarchy of the files holding an image's final content (see `finalFiles`). */
export function buildSizeTree(entries: readonly SizedFile[], maxNodes = 2500, maxChildren = 40): SizeTreeNode {
  const root: Building = { name: '/', path: '/', size: 0, layer: 0, kids: new Map(), byLayer: new Map() };
  for (const e of entries) {
    if (e.size <= 0) continue;
    const parts = e.path.split('/').filter(Boolean);
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      node.size += e.size;
      node.byLayer?.set(e.layer, (node.byLayer.get(e.layer) ?? 0) + e.size);
      const leaf = i === parts.length - 1;
      let next = node.kids?.get(parts[i]);
      if (!next) {
        const path = `${node.path === '/' ? '' : node.path}/${parts[i]}`;
        next = { name: parts[i], path, size: 0, layer: e.layer, kids: leaf ? null : new Map(), byLayer: leaf ? null : new Map() };
        (node.kids ??= new Map()).set(parts[i], next);
      }
      node = next;
    }
    node.size += e.size;
  }
  const dominant = (b: Building) => {
    if (!b.byLayer) return b.layer;
    let best = b.layer;
    let bytes = -1;
    for (const [layer, n] of b.byLayer) if (n > bytes) [best, bytes] = [layer, n];
    return best;
  };
  // Open directories largest first until the budget is spent.
  const open = new Set<Building>();
  const queue: Building[] = [root];
  let budget = maxNodes;
  while (queue.length > 0 && budget > 0) {
    let at = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i].size > queue[at].size) at = i;
    const dir = queue.splice(at, 1)[0];
    open.add(dir);
    const kids = [...(dir.kids?.values() ?? [])].sort((a, b) => b.size - a.size).slice(0, maxChildren);
    budget -= kids.length;
    for (const k of kids) if (k.kids) queue.push(k);
  }
  const finish = (b: Building): SizeTreeNode => {
    if (!b.kids || !open.has(b)) return { name: b.name, path: b.path, size: b.size, layer: dominant(b), children: null };
    const kids = [...b.kids.values()].sort((x, y) => y.size - x.size);
    const shown = kids.slice(0, maxChildren).map(finish);
    const rest = kids.slice(maxChildren);
    if (rest.length > 0) {
      const size = rest.reduce((s, k) => s + k.size, 0);
      shown.push({ name: `${rest.length} smaller items`, path: '', size, layer: dominant(rest[0]), children: null });
    }
    return { name: b.name, path: b.path, size: b.size, layer: dominant(b), children: shown };
  };
  return finish(root);
}
