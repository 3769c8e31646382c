// The Bloat tab: summary cards, added-vs-wasted bars per layer, the tables and the treemap.
import type { WorkspaceViewProps } from '../workspace/image-workspace';
import { ErrorBanner } from '../common/error-banner';
import { useLayerTree } from '../../state/use-layer-tree';
import { BloatSummary } from './bloat-summary';
import { BloatTables } from './bloat-tables';
import { BloatTreemap } from './bloat-treemap';
import { LayerBars } from './layer-bars';
import { useBloatReport } from './use-bloat-report';
import './bloat.css';

/** Where the image's bytes went. */
export function BloatView({ image, layer, onSelectLayer, onReveal }: WorkspaceViewProps) {
  const { report, error } = useBloatReport(image.imageId);
  const merged = useLayerTree(image.imageId, image.layers.length - 1, 'merged');
  if (error) return <ErrorBanner error={error} />;
  if (!report) return <p className="empty-note">Analysing where the bytes went…</p>;
  return (
    <div className="bloat-view">
      <BloatSummary report={report} />
      <h3 className="bloat-heading">Added per layer <span className="bloat-legend"><i className="bloat-bar-kept" /> still visible at the top <i className="bloat-bar-lost" /> wasted: overwritten or deleted by a later layer</span></h3>
      <LayerBars report={report} selected={layer} onSelect={onSelectLayer} />
      <BloatTables report={report} onReveal={onReveal} />
      <h3 className="bloat-heading">Final filesystem (treemap)</h3>
      {merged.model ? <BloatTreemap model={merged.model} layerCount={image.layers.length} /> : merged.error ? <ErrorBanner error={merged.error} /> : <p className="empty-note">Loading the filesystem…</p>}
    </div>
  );
}
