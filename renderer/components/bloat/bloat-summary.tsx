// The summary cards: size, our wasted bytes, dive's potential wasted space and efficiency, duplicates.
import type { BloatReport } from '../../../shared/bloat';
import { countOf, formatBytes, formatCount } from '../../../shared/format';

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

/** Five cards with the headline figures; ours and dive's are labelled apart. */
export function BloatSummary({ report }: { readonly report: BloatReport }) {
  const t = report.totals;
  const d = report.dive;
  return (
    <div className="bloat-cards">
      <div className="bloat-card">
        <span className="bloat-card-label">Size</span>
        <strong>{formatBytes(t.tarBytes)}</strong>
        <span className="bloat-card-note">{formatBytes(t.compressedBytes)} compressed · {formatBytes(t.visibleBytes)} in {t.files} files at the top</span>
      </div>
      <div className="bloat-card is-ours" data-testid="bloat-wasted">
        <span className="bloat-card-label">Wasted: lost copies</span>
        <strong>{formatBytes(t.wastedBytes)}</strong>
        <span className="bloat-card-note">
          {t.wastedItems} copies overwritten or deleted later ({pct(t.wastedFraction)} of content): what a squash saves · {formatBytes(t.metadataOnlyBytes)} metadata-only
        </span>
      </div>
      <div className="bloat-card is-dive" data-testid="bloat-dive-wasted">
        <span className="bloat-card-label">Potential wasted space (dive-compatible)</span>
        <strong>{formatBytes(d.wastedBytes)}</strong>
        <span className="bloat-card-note">
          {formatCount(d.wastedBytes)} B: all copies of paths in 2+ layers, survivor included · user wasted {pct(d.userWastedPercent)}
        </span>
      </div>
      <div className="bloat-card is-dive">
        <span className="bloat-card-label">Efficiency (dive-compatible)</span>
        <strong>{pct(d.efficiency)}</strong>
        <span className="bloat-card-note">dive’s image efficiency score</span>
      </div>
      <div className="bloat-card">
        <span className="bloat-card-label">Duplicates</span>
        <strong>{formatBytes(t.duplicateBytes)}</strong>
        <span className="bloat-card-note">{countOf(t.duplicateGroups, 'group')} of identical content stored more than once</span>
      </div>
    </div>
  );
}
