// The details of the selected path: its metadata as of the selected layer and its history across
// every layer, with the build step that touched it.
import type { ImageView, PathHistoryItem, RowStatus } from '../../../shared/api';
import { formatBytes, formatMode, trimBuildStep } from '../../../shared/format';
import type { LayerEntry } from '../../../shared/model';
import { usePathDetails } from '../../state/use-path-details';
import { ErrorBanner } from '../common/error-banner';

/** Props of the details pane. */
export interface DetailsPaneProps {
  readonly image: ImageView;
  readonly layer: number;
  readonly path: string | null;
  readonly onSelectLayer: (layer: number) => void;
}

const STATUS_TEXT: Readonly<Record<RowStatus, string>> = {
  A: 'created in this layer',
  M: 'changed in this layer',
  D: 'deleted in this layer',
  U: 'unchanged in this layer',
};
const KIND_STATUS: Readonly<Record<PathHistoryItem['kind'], RowStatus>> = { created: 'A', changed: 'M', deleted: 'D' };
const KIND_GLYPH: Readonly<Record<PathHistoryItem['kind'], string>> = { created: '+', changed: '~', deleted: '−' };

/** The right-hand pane. */
export function DetailsPane({ image, layer, path, onSelectLayer }: DetailsPaneProps) {
  const { details, error } = usePathDetails(image.imageId, layer, path);
  return (
    <aside className="details" aria-label="Details">
      <div className="pane-header">
        <span className="pane-title">Details</span>
      </div>
      {path === null ? (
        <p className="empty-note">Select a path to see its metadata and history.</p>
      ) : error ? (
        <ErrorBanner error={error} />
      ) : !details || details.path !== path ? (
        <p className="empty-note">Loading…</p>
      ) : (
        <div className="details-body">
          <div className="details-path mono">{details.path}</div>
          <div className={`details-status status-${details.status}`}>
            {STATUS_TEXT[details.status]}
            {details.what.length > 0 && <span className="details-what"> — {details.what.join(', ')}</span>}
          </div>
          {details.entry ? <EntryFields entry={details.entry} layer={details.layer} /> : <p className="muted">Not present as of this layer.</p>}
          <h3 className="details-heading">History</h3>
          <ol className="history">
            {details.history.map((h) => (
              <li
                key={`${h.layer}:${h.kind}`}
                className={`history-item status-${KIND_STATUS[h.kind]}${h.layer === layer ? ' is-current' : ''}`}
              >
                <button type="button" className="history-layer" onClick={() => onSelectLayer(h.layer)} title={`Select layer ${h.layer}`}>
                  <span className="mono">#{h.layer}</span>
                </button>
                <div className="history-main">
                  <div className="history-kind">
                    <span className="history-glyph" aria-hidden="true">{KIND_GLYPH[h.kind]}</span> {h.kind}
                    {h.what.length > 0 && <span className="muted"> ({h.what.join(', ')})</span>}
                    {h.kind !== 'deleted' && h.entry.type === 'file' && <span className="muted mono"> {formatBytes(h.entry.size)}</span>}
                  </div>
                  <div className="history-step mono" title={image.layers[h.layer]?.step.createdBy}>
                    {trimBuildStep(h.createdBy) || '(no build step recorded)'}
                  </div>
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
    </aside>
  );
}

function EntryFields({ entry, layer }: { readonly entry: LayerEntry; readonly layer: number }) {
  const rows: [string, string][] = [
    ['Type', entry.type],
    ['Size', entry.type === 'file' || entry.type === 'sparse' ? `${formatBytes(entry.size)} (${entry.size.toLocaleString()} bytes)` : '—'],
    ['Mode', `${formatMode(entry.mode)}  ${entry.mode.toString(8).padStart(4, '0')}`],
    ['Owner', `${entry.uid}:${entry.gid}`],
    ['Modified', entry.mtime ? new Date(entry.mtime * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC') : '—'],
    ['Written by', layer >= 0 ? `layer ${layer}` : '—'],
  ];
  if (entry.linkname) rows.push([entry.type === 'hardlink' ? 'Hard link to' : 'Link target', entry.linkname]);
  if (entry.digest) rows.push(['Digest', entry.digest]);
  return (
    <dl className="fields">
      {rows.map(([name, value]) => (
        <div key={name} className="field">
          <dt>{name}</dt>
          <dd className="mono">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
