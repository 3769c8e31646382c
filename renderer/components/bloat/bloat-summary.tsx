// The summary cards: size, wasted, efficiency (dive-compatible), duplicates.
import type { BloatReport } from '../../../shared/bloat';
import { formatBytes } from '../../../shared/format';

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

/** Four cards with the headline figures. */
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
      <div className="bloat-card" data-testid="bloat-wasted">
        <span className="bloat-card-label">Wasted</span>
        <strong>{formatBytes(t.wastedBytes)}</strong>
        <span className="bloat-card-note">
          {pct(t.wastedFraction)} of content in {t.wastedItems} lost copies — a squash saves this · {formatBytes(t.metadataOnlyBytes)} metadata-only
        </span>
      </div>
      <div className="bloat-card">
        <span className="bloat-card-label">Efficiency (dive-compatible)</span>
        <strong>{pct(d.efficiency)}</strong>
        <span className="bloat-card-note">potential wasted {formatBytes(d.wastedBytes)} · user wasted {pct(d.userWastedPercent)}</span>
      </div>
      <div className="bloat-card">
        <span className="bloat-card-label">Duplicates</span>
        <strong>{formatBytes(t.duplicateBytes)}</strong>
        <span className="bloat-card-note">{t.duplicateGroups} groups of identical content</span>
      </div>
    </div>
  );
}
