// The four tables of the Bloat view; clicking a row reveals its path in the tree at the right layer.
import { useState } from 'react';
import type { BloatDirectory, BloatFile, BloatLayerRef, BloatReport, DuplicateGroup, WastedItem } from '../../../shared/bloat';
import { formatBytes } from '../../../shared/format';
import { layerColour, layerTextColour } from '../../../shared/layer-colour';
import { wasteLabel } from '../../../shared/waste-label';
import { SortableTable, type Column } from './sortable-table';

/** Asks the workspace to show `path` in the tree of `layer`. */
export type RevealPath = (path: string, layer: number) => void;

const bytes = (n: number) => <span className="mono">{formatBytes(n)}</span>;
const pathCell = (p: string) => <span className="mono bloat-path">{p}</span>;

/** A layer as a table cell: its colour chip and number, then the build step that made it. */
const layerRef = (ref: BloatLayerRef) => (
  <span className="bloat-layer-ref">
    <span className="bloat-layer-chip mono" style={{ background: layerColour(ref.layer), color: layerTextColour(ref.layer) }}>{ref.layer}</span>
    <span className="mono bloat-step" title={ref.step}>{ref.step || '(no build step recorded)'}</span>
  </span>
);

const wastedColumns: readonly Column<WastedItem>[] = [
  { id: 'size', label: 'Size', numeric: true, sortValue: (w) => w.size, render: (w) => bytes(w.size) },
  { id: 'path', label: 'Path', sortValue: (w) => w.path, render: (w) => pathCell(w.path) },
  { id: 'why', label: 'Why it is wasted', sortValue: wasteLabel, render: (w) => <span className={w.metadataOnly ? 'bloat-tag-meta' : undefined}>{wasteLabel(w)}</span> },
  { id: 'written', label: 'Written by layer', sortValue: (w) => w.written.layer, render: (w) => layerRef(w.written) },
  { id: 'lost', label: 'Lost in layer', sortValue: (w) => w.lost.layer, render: (w) => layerRef(w.lost) },
];
const duplicateColumns: readonly Column<DuplicateGroup>[] = [
  { id: 'saves', label: 'Saves', numeric: true, sortValue: (g) => g.savableBytes, render: (g) => bytes(g.savableBytes) },
  { id: 'copies', label: 'Copies', numeric: true, sortValue: (g) => g.copies, render: (g) => g.copies },
  { id: 'size', label: 'Size', numeric: true, sortValue: (g) => g.size, render: (g) => bytes(g.size) },
  { id: 'where', label: 'Where (layer)', sortValue: (g) => g.occurrences[0]?.path ?? '', render: (g) => <span className="mono bloat-path">{g.occurrences.map((o) => `${o.path} (${o.layer}${o.visible ? '' : ', lost'})`).join('  ·  ')}</span> },
];
const fileColumns: readonly Column<BloatFile>[] = [
  { id: 'size', label: 'Size', numeric: true, sortValue: (f) => f.size, render: (f) => bytes(f.size) },
  { id: 'path', label: 'Path', sortValue: (f) => f.path, render: (f) => pathCell(f.path) },
  { id: 'layer', label: 'Layer', numeric: true, sortValue: (f) => f.layer, render: (f) => f.layer },
];
const dirColumns: readonly Column<BloatDirectory>[] = [
  { id: 'size', label: 'Size', numeric: true, sortValue: (d) => d.size, render: (d) => bytes(d.size) },
  { id: 'path', label: 'Path', sortValue: (d) => d.path, render: (d) => pathCell(d.path) },
  { id: 'files', label: 'Files', numeric: true, sortValue: (d) => d.files, render: (d) => d.files },
];

type TableId = 'wasted' | 'duplicates' | 'files' | 'dirs';

/** Tabs over the wasted, duplicate, largest-file and largest-directory tables. */
export function BloatTables({ report, onReveal }: { readonly report: BloatReport; readonly onReveal: RevealPath }) {
  const [table, setTable] = useState<TableId>('wasted');
  const top = report.layers.length - 1;
  const t = report.totals;
  const tabs: readonly [TableId, string][] = [
    ['wasted', `Wasted copies (${t.wastedItems})`],
    ['duplicates', `Duplicates (${t.duplicateGroups})`],
    ['files', 'Largest files'],
    ['dirs', 'Largest directories'],
  ];
  const hint = 'Click to show it in the tree';
  return (
    <section className="bloat-tables" aria-label="Bloat tables">
      <div className="bloat-subtabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={table === id} className={`bloat-subtab${table === id ? ' is-active' : ''}`} onClick={() => setTable(id)}>
            {label}
          </button>
        ))}
      </div>
      {table === 'wasted' && (report.wasted.length === 0 ? <p className="empty-note">No copy is overwritten or deleted by a later layer.</p> : (
        <SortableTable label="Wasted copies" rows={report.wasted} columns={wastedColumns} initialSort="size" rowTitle={hint}
          rowKey={(w) => `${w.written.layer}:${w.path}`} onRowClick={(w) => onReveal(w.path, w.written.layer)} />
      ))}
      {table === 'duplicates' && (report.duplicates.length === 0 ? <p className="empty-note">No content is stored twice.</p> : (
        <SortableTable label="Duplicates" rows={report.duplicates} columns={duplicateColumns} initialSort="saves" rowTitle={hint}
          rowKey={(g) => g.digest} onRowClick={(g) => {
            const o = g.occurrences.find((x) => x.visible) ?? g.occurrences[0];
            onReveal(o.path, o.visible ? top : o.layer);
          }} />
      ))}
      {table === 'files' && (
        <SortableTable label="Largest files" rows={report.largestFiles} columns={fileColumns} initialSort="size" rowTitle={hint}
          rowKey={(f) => f.path} onRowClick={(f) => onReveal(f.path, top)} />
      )}
      {table === 'dirs' && (
        <SortableTable label="Largest directories" rows={report.largestDirectories} columns={dirColumns} initialSort="size" rowTitle={hint}
          rowKey={(d) => d.path} onRowClick={(d) => onReveal(d.path, top)} />
      )}
    </section>
  );
}
