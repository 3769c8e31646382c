// Long work made visible: uploads (browser drops), then one progress bar per layer, with Cancel.
import { formatBytes } from '../../../shared/format';
import type { LayerProgress } from '../../../shared/model';

/** Props of the progress panel. */
export interface ProgressPanelProps {
  readonly label: string;
  readonly progress: readonly LayerProgress[];
  readonly uploads: readonly { readonly name: string; readonly state: 'queued' | 'sending' | 'sent' }[];
  readonly onCancel: () => void;
}

const STATE_TEXT: Readonly<Record<LayerProgress['state'], string>> = {
  queued: 'queued',
  reading: 'reading',
  cached: 'from cache',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Shows what is being opened and how far each layer is. */
export function ProgressPanel({ label, progress, uploads, onCancel }: ProgressPanelProps) {
  const pending = uploads.some((u) => u.state !== 'sent');
  return (
    <main className="progress-screen">
      <section className="start-card progress-card" aria-live="polite" aria-busy="true">
        <h2>
          Opening <span className="mono">{label}</span>
        </h2>
        {uploads.length > 0 && (
          <ul className="progress-list" aria-label="Uploads">
            {uploads.map((u, i) => (
              <li key={`${u.name}:${i}`} className="progress-item">
                <span className="progress-name mono">{u.name}</span>
                <span className={`progress-state state-${u.state}`}>{u.state === 'sent' ? 'uploaded' : u.state === 'sending' ? 'uploading…' : 'waiting'}</span>
              </li>
            ))}
          </ul>
        )}
        {progress.length === 0 ? (
          <p className="muted">{pending ? 'Uploading to the Strata server…' : 'Reading the image…'}</p>
        ) : (
          <ul className="progress-list" aria-label="Layers">
            {progress.map((p) => {
              const ratio = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : p.state === 'done' || p.state === 'cached' ? 1 : 0;
              return (
                <li key={p.layer} className="progress-item" data-state={p.state}>
                  <span className="progress-name mono">Layer {p.layer}</span>
                  <span className="progress-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)}>
                    <span className="progress-fill" style={{ width: `${ratio * 100}%` }} />
                  </span>
                  <span className="progress-bytes mono">
                    {formatBytes(p.bytesDone)} / {formatBytes(p.bytesTotal)}
                  </span>
                  <span className={`progress-state state-${p.state}`}>{STATE_TEXT[p.state]}</span>
                </li>
              );
            })}
          </ul>
        )}
        <div className="start-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </section>
    </main>
  );
}
