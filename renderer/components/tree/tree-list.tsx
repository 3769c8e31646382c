// The virtualised tree: only the rows in view are in the DOM (fixed-height rows over a flat array of
// visible rows), with keyboard navigation as in a file explorer.
import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { formatBytes } from '../../../shared/format';
import type { RowStatus } from '../../../shared/api';
import { hasChildren, type TreeModel } from '../../state/tree-model';
import type { TreeViewState } from '../../state/use-tree-view';

/** Height of one row in CSS pixels (must match `.tree-row` in styles.css). */
export const ROW_HEIGHT = 22;
const OVERSCAN = 6;
/** Types whose size means content bytes (others show a size only when their subtree has some). */
const SIZED_TYPES = 'fs';

const STATUS_GLYPH: Readonly<Record<RowStatus, string>> = { A: '+', M: '~', D: '−', U: '' };
const STATUS_TEXT: Readonly<Record<RowStatus, string>> = { A: 'created', M: 'changed', D: 'deleted', U: 'unchanged' };
const TYPE_TEXT: Readonly<Record<string, string>> = {
  f: 'file',
  d: 'directory',
  h: 'hard link',
  l: 'symlink',
  c: 'character device',
  b: 'block device',
  p: 'FIFO',
  s: 'sparse file',
};

/** Props of the tree list. */
export interface TreeListProps {
  readonly model: TreeModel;
  readonly view: TreeViewState;
  readonly showLayer: boolean;
}

/** The scrolling list of tree rows. */
export function TreeList({ model, view, showLayer }: TreeListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const { visible, selectedRow } = view;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const position = selectedRow >= 0 ? visible.rows.indexOf(selectedRow) : -1;

  // Keep the selected row in view when the keyboard moves it.
  useEffect(() => {
    const element = scroller.current;
    if (!element || position < 0) return;
    const top = position * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  }, [position]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(visible.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  // Rows live in fixed slots (position modulo the pool size), rendered in slot order: scrolling then
  // rewrites the same DOM nodes in place instead of creating, removing or moving any.
  const pool = Math.ceil(height / ROW_HEIGHT) + 2 * OVERSCAN + 1;
  const items = [];
  for (let slot = 0; slot < pool; slot++) {
    const k = first + ((slot - (first % pool) + pool) % pool);
    if (k >= last) continue;
    const row = visible.rows[k];
    items.push(
      <TreeRow
        key={slot}
        model={model}
        row={row}
        head={visible.heads[k]}
        top={k * ROW_HEIGHT}
        selected={row === selectedRow}
        match={view.marks?.[row] === 2}
        expanded={view.isExpanded(model.data.paths[row])}
        showLayer={showLayer}
        onSelect={view.select}
        onToggle={view.toggle}
      />,
    );
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (visible.length === 0) return;
    const paths = model.data.paths;
    const at = position < 0 ? -1 : position;
    const goTo = (k: number) => view.select(paths[visible.rows[Math.max(0, Math.min(visible.length - 1, k))]]);
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const row = at >= 0 ? visible.rows[at] : -1;
    switch (event.key) {
      case 'ArrowDown':
        goTo(at + 1);
        break;
      case 'ArrowUp':
        goTo(at < 0 ? 0 : at - 1);
        break;
      case 'PageDown':
        goTo(at + page);
        break;
      case 'PageUp':
        goTo(at - page);
        break;
      case 'Home':
        goTo(0);
        break;
      case 'End':
        goTo(visible.length - 1);
        break;
      case 'ArrowRight':
        if (row < 0 || !hasChildren(model, row)) return;
        if (!view.isExpanded(paths[row])) view.setExpanded(paths[row], true);
        else goTo(at + 1);
        break;
      case 'ArrowLeft': {
        if (row < 0) return;
        if (hasChildren(model, row) && view.isExpanded(paths[row])) view.setExpanded(paths[row], false);
        else {
          const parent = model.parent[visible.heads[at]];
          if (parent >= 0 && parent >= model.first) view.select(paths[parent]);
        }
        break;
      }
      case 'Enter':
        if (row >= 0 && hasChildren(model, row)) view.toggle(paths[row]);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div
      ref={scroller}
      className="tree-scroller"
      role="tree"
      aria-label="Files"
      aria-activedescendant={selectedRow >= 0 && position >= 0 ? `tree-row-${selectedRow}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div className="tree-canvas" style={{ height: visible.length * ROW_HEIGHT }}>
        {items}
      </div>
    </div>
  );
}

interface TreeRowProps {
  readonly model: TreeModel;
  readonly row: number;
  readonly head: number;
  readonly top: number;
  readonly selected: boolean;
  readonly match: boolean;
  readonly expanded: boolean;
  readonly showLayer: boolean;
  readonly onSelect: (path: string) => void;
  readonly onToggle: (path: string) => void;
}

const TreeRow = memo(function TreeRow({ model, row, head, top, selected, match, expanded, showLayer, onSelect, onToggle }: TreeRowProps) {
  const { paths, types, status, layers, what } = model.data;
  const path = paths[row];
  const s = status[row] as RowStatus;
  const type = types[row];
  const parentPath = paths[head].slice(0, paths[head].lastIndexOf('/') + 1);
  const label = path.slice(parentPath.length);
  const open = hasChildren(model, row);
  const changes = what[row];
  return (
    <div
      id={`tree-row-${row}`}
      className={`tree-row status-${s}${selected ? ' is-selected' : ''}${match ? ' is-match' : ''}`}
      role="treeitem"
      aria-level={model.depth[head] + 1}
      aria-selected={selected}
      aria-expanded={open ? expanded : undefined}
      data-path={path}
      data-head={head === row ? undefined : paths[head]}
      data-status={s}
      style={{ top }}
      title={`${path}\n${STATUS_TEXT[s]} ${TYPE_TEXT[type] ?? type}${changes?.length ? ` (${changes.join(', ')})` : ''}`}
      onClick={() => onSelect(path)}
      onDoubleClick={() => open && onToggle(path)}
    >
      <span className="tree-status" aria-label={STATUS_TEXT[s]}>
        {STATUS_GLYPH[s]}
      </span>
      <span className="tree-name" style={{ paddingLeft: model.depth[head] * 16 }}>
        <span
          className={`tree-twisty${open ? '' : ' is-leaf'}`}
          onClick={(event) => {
            event.stopPropagation();
            if (open) onToggle(path);
          }}
          aria-hidden="true"
        >
          {open ? (expanded ? '▾' : '▸') : ''}
        </span>
        <span className={`tree-icon type-${type}`} aria-hidden="true">
          {type === 'd' || type === 'f' ? '' : type}
        </span>
        <span className="tree-label">{label}</span>
      </span>
      <span className="tree-what">{changes && changes.length > 0 ? changes.join(' · ') : ''}</span>
      {showLayer && <span className="tree-layer mono">{layers[row]}</span>}
      <span className="tree-size mono">{SIZED_TYPES.includes(type) || model.total[row] > 0 ? formatBytes(model.total[row]) : ''}</span>
    </div>
  );
});
