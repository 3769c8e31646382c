// What the tree pane shows of a model: expanded directories, sort order, filters, search and the
// selected path. Expansion and selection are kept by path, so they survive switching layers.
import { useCallback, useMemo, useRef, useState } from 'react';
import { compileQuery, type QueryMode } from './tree-query';
import {
  ancestorPaths,
  expandablePaths,
  findRow,
  namesOf,
  searchTree,
  visibleRows,
  type SearchResult,
  type TreeModel,
  type TreeSort,
  type VisibleRows,
} from './tree-model';

/** Trees up to this many rows open fully expanded. */
const EXPAND_ALL_BELOW = 400;

/** The tree pane's view state and actions. */
export interface TreeViewState {
  readonly visible: VisibleRows;
  readonly sort: TreeSort;
  readonly onlyChanges: boolean;
  readonly query: string;
  readonly mode: QueryMode;
  /** Match count, or null without a query. */
  readonly matches: number | null;
  /** Per row: 2 when it matches the search, 1 on the way to a match; null without a query. */
  readonly marks: Uint8Array | null;
  readonly queryError: string | null;
  readonly selected: string | null;
  /** Row index of the selected path in the model, or -1. */
  readonly selectedRow: number;
  isExpanded(path: string): boolean;
  toggle(path: string): void;
  setExpanded(path: string, open: boolean): void;
  expandAll(): void;
  collapseAll(): void;
  setSort(sort: TreeSort): void;
  setOnlyChanges(on: boolean): void;
  setQuery(query: string): void;
  setMode(mode: QueryMode): void;
  /** Selects a path and expands its ancestors so it shows. */
  select(path: string | null): void;
}

const EMPTY: ReadonlySet<string> = new Set();

/** View state over `model` (null while the first tree loads). */
export function useTreeView(model: TreeModel | null): TreeViewState {
  const [expanded, setExpandedSet] = useState<ReadonlySet<string> | null>(null);
  const [sort, setSort] = useState<TreeSort>('name');
  const [onlyChanges, setOnlyChanges] = useState(false);
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<QueryMode>('text');
  const [selected, setSelected] = useState<string | null>(null);
  // Expansion while searching starts from the matches' ancestors and is dropped with the search.
  const [searchToggles, setSearchToggles] = useState<{ readonly result: SearchResult; readonly set: ReadonlySet<string> } | null>(null);

  const compiled = useMemo(() => (model ? compileQuery(query, mode, () => namesOf(model)) : null), [model, query, mode]);
  const search = useMemo(() => (model && compiled?.ok ? searchTree(model, compiled.accepts) : null), [model, compiled]);

  // The first model decides the initial expansion: everything for small trees, nothing for big ones.
  const baseExpanded = useMemo(() => {
    if (expanded) return expanded;
    if (model && model.size <= EXPAND_ALL_BELOW) return new Set(expandablePaths(model));
    return EMPTY;
  }, [expanded, model]);

  const effective = useMemo(
    () => (search ? (searchToggles?.result === search ? searchToggles.set : new Set(search.expand)) : baseExpanded),
    [search, searchToggles, baseExpanded],
  );

  const visible = useMemo(
    () =>
      model
        ? visibleRows(model, { expanded: effective, sort, onlyChanges, search })
        : { rows: new Int32Array(0), heads: new Int32Array(0), length: 0 },
    [model, effective, sort, onlyChanges, search],
  );

  // Actions read the latest state through a ref, so their identities stay stable and rows stay memoised.
  const latest = useRef({ model, search, effective, baseExpanded });
  latest.current = { model, search, effective, baseExpanded };

  const update = useCallback((change: (set: Set<string>) => void) => {
    const { search: s, effective: e, baseExpanded: b } = latest.current;
    const next = new Set(s ? e : b);
    change(next);
    if (s) setSearchToggles({ result: s, set: next });
    else setExpandedSet(next);
  }, []);

  const actions = useMemo(
    () => ({
      toggle: (path: string) => update((set) => (set.has(path) ? set.delete(path) : set.add(path))),
      setExpanded: (path: string, open: boolean) => update((set) => (open ? set.add(path) : set.delete(path))),
      expandAll: () => {
        const m = latest.current.model;
        if (m) update((set) => expandablePaths(m).forEach((p) => set.add(p)));
      },
      collapseAll: () => update((set) => set.clear()),
      select: (path: string | null) => {
        setSelected(path);
        const { model: m, effective: e } = latest.current;
        if (path === null || !m) return;
        const row = findRow(m, path);
        if (row < 0) return;
        const missing = ancestorPaths(m, row).filter((p) => !e.has(p));
        if (missing.length > 0) update((set) => missing.forEach((p) => set.add(p)));
      },
    }),
    [update],
  );

  const selectedRow = useMemo(() => (model && selected !== null ? findRow(model, selected) : -1), [model, selected]);

  return {
    visible,
    sort,
    onlyChanges,
    query,
    mode,
    matches: search ? search.matches : null,
    marks: search ? search.marks : null,
    queryError: compiled && !compiled.ok ? compiled.message : null,
    selected,
    selectedRow,
    isExpanded: (path) => effective.has(path),
    ...actions,
    setSort,
    setOnlyChanges,
    setQuery,
    setMode,
  };
}
