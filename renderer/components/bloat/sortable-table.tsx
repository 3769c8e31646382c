// A small sortable table: click a header to sort by it (again to reverse); click a row to act on it.
import { useMemo, useState, type ReactNode } from 'react';

/** One column: its header, how to render a cell, and the value it sorts by. */
export interface Column<T> {
  readonly id: string;
  readonly label: string;
  readonly numeric?: boolean;
  readonly sortValue: (row: T) => number | string;
  readonly render: (row: T) => ReactNode;
}

/** Props of the table. */
export interface SortableTableProps<T> {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly initialSort: string;
  readonly rowKey: (row: T, index: number) => string;
  readonly onRowClick: (row: T) => void;
  readonly rowTitle?: string;
  readonly label: string;
}

/** The table; sorting is stable and descending first for numbers. */
export function SortableTable<T>({ rows, columns, initialSort, rowKey, onRowClick, rowTitle, label }: SortableTableProps<T>) {
  const [sort, setSort] = useState<{ id: string; desc: boolean }>({ id: initialSort, desc: columns.find((c) => c.id === initialSort)?.numeric ?? false });
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.id === sort.id) ?? columns[0];
    const out = rows.map((row, i) => ({ row, i, v: column.sortValue(row) }));
    out.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) * (sort.desc ? -1 : 1) || a.i - b.i);
    return out.map((x) => x.row);
  }, [rows, columns, sort]);
  return (
    <table className="bloat-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.id} className={c.numeric ? 'num' : undefined} aria-sort={sort.id === c.id ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
              <button type="button" className="bloat-sort" onClick={() => setSort((s) => ({ id: c.id, desc: s.id === c.id ? !s.desc : c.numeric === true }))}>
                {c.label}
                {sort.id === c.id ? (sort.desc ? ' ↓' : ' ↑') : ''}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row, i) => (
          <tr key={rowKey(row, i)} tabIndex={0} title={rowTitle} onClick={() => onRowClick(row)} onKeyDown={(e) => e.key === 'Enter' && onRowClick(row)}>
            {columns.map((c) => (
              <td key={c.id} className={c.numeric ? 'num' : undefined}>
                {c.render(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
