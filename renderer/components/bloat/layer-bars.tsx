// Per-layer bar chart: what each layer added, split into what survives and what later layers wasted.
import type { BloatReport } from '../../../shared/bloat';
import { formatBytes } from '../../../shared/format';
import { layerColour } from '../../../shared/layer-colour';

/** One row per layer under a header row; clicking a row selects that layer. */
export function LayerBars({ report, selected, onSelect }: { readonly report: BloatReport; readonly selected: number; readonly onSelect: (layer: number) => void }) {
  const max = Math.max(1, ...report.layers.map((l) => l.contentBytes));
  return (
    <div className="bloat-bars" role="list" aria-label="Added and wasted bytes per layer">
      <div className="bloat-bar-head" aria-hidden="true">
        <span>Layer</span>
        <span>Added (bar length)</span>
        <span className="bloat-bar-figures">added / <span className="bloat-lost-text">wasted later</span></span>
        <span>Build step</span>
      </div>
      {report.layers.map((l) => (
        <button
          key={l.layer}
          type="button"
          role="listitem"
          className={`bloat-bar-row${l.layer === selected ? ' is-selected' : ''}`}
          onClick={() => onSelect(l.layer)}
          title={`${formatBytes(l.contentBytes)} added, ${formatBytes(l.wastedBytes)} of it wasted later; discards ${formatBytes(l.discardedBytes)} of lower layers\n${l.step}`}
        >
          <span className="bloat-bar-index mono" style={{ borderLeftColor: layerColour(l.layer) }}>{l.layer}</span>
          <span className="bloat-bar-track">
            <span className="bloat-bar-kept" style={{ width: `${((l.contentBytes - l.wastedBytes) / max) * 100}%` }} />
            <span className="bloat-bar-lost" style={{ width: `${(l.wastedBytes / max) * 100}%` }} />
          </span>
          <span className="bloat-bar-figures mono">
            {formatBytes(l.contentBytes)} / <span className="bloat-lost-text">{formatBytes(l.wastedBytes)}</span>
          </span>
          <span className="bloat-bar-step mono">{l.step}</span>
        </button>
      ))}
    </div>
  );
}
