// "Save image…": writes a registry or Docker engine image to disk as an OCI layout folder or a
// docker-save archive, as a cancellable job with a progress bar. The destination comes from the native
// save dialog in Electron, or is typed as a path on the server machine in a browser (`strata serve`).
// For a multi-platform index the form offers a platform picker (one platform is saved, as `strata save
// --platform` does); the platforms come from the open image, or are asked of the registry.
import { useEffect, useState } from 'react';
import type { ApiError, SaveFormat, SavedImage, SourceSpec } from '../../../shared/api';
import { formatBytes } from '../../../shared/format';
import { api, chooseSavePath, onApiEvent, transport } from '../../api-client';
import { ErrorBanner } from '../common/error-banner';
import { suggestedSaveName } from './registry-host';
import './remote.css';

/** Props: the reference to save (`ghcr.io/o/a:tag` or `docker://NAME`), how to open the result, and how to close. */
export interface SaveImageFormProps {
  readonly reference: string;
  /** The platforms of the reference when already known (`linux/amd64`…); else the form asks the registry. */
  readonly platforms?: readonly string[];
  /** The platform picked first (the one open in the app); else the engine's default (the server's platform). */
  readonly platform?: string;
  readonly onOpen: (source: SourceSpec, label: string) => void;
  readonly onClose: () => void;
}

type Phase =
  | { readonly phase: 'idle' }
  | { readonly phase: 'saving'; readonly jobId: string; readonly done: number; readonly total: number }
  | { readonly phase: 'saved'; readonly saved: SavedImage };

const FORMAT_LABELS: Readonly<Record<SaveFormat, string>> = {
  oci: 'OCI layout (a new folder)',
  'docker-archive': 'docker-save archive (.tar)',
};

/** The save form, shown under the reference it saves. */
export function SaveImageForm({ reference, platforms, platform: initialPlatform, onOpen, onClose }: SaveImageFormProps) {
  const engine = reference.startsWith('docker://');
  const [listed, setListed] = useState<readonly string[]>(platforms ?? []);
  const choosePlatform = !engine && listed.length > 1;
  const [platform, setPlatform] = useState(initialPlatform ?? '');
  const [format, setFormat] = useState<SaveFormat>(engine ? 'docker-archive' : 'oci');
  const [destination, setDestination] = useState('');
  const [state, setState] = useState<Phase>({ phase: 'idle' });
  const [error, setError] = useState<ApiError | null>(null);
  const jobId = state.phase === 'saving' ? state.jobId : null;

  useEffect(() => {
    if (!jobId) return undefined;
    return onApiEvent((event) => {
      if (event.type !== 'progress' || event.jobId !== jobId || event.layers.length === 0) return;
      const { bytesDone, bytesTotal } = event.layers[0];
      setState((s) => (s.phase === 'saving' && s.jobId === jobId ? { ...s, done: bytesDone, total: bytesTotal } : s));
    });
  }, [jobId]);

  useEffect(() => {
    if (platforms || engine) return undefined;
    let live = true;
    // Without an answer (a login missing, an old registry) the form saves the default platform.
    void api.listPlatforms({ ref: reference }).then((result) => {
      if (live && result.ok) setListed(result.value);
    });
    return () => {
      live = false;
    };
  }, [reference, platforms, engine]);

  async function choose(): Promise<void> {
    const chosen = await chooseSavePath({ suggestedName: suggestedSaveName(reference, format), format });
    if (!chosen) return;
    if (chosen.ok) {
      if (chosen.value) setDestination(chosen.value);
    } else setError(chosen.error);
  }

  async function save(): Promise<void> {
    const id = crypto.randomUUID().replace(/-/g, '');
    setError(null);
    setState({ phase: 'saving', jobId: id, done: 0, total: 0 });
    const result = await api.saveImage({
      ref: reference,
      destination: destination.trim(),
      format,
      ...(choosePlatform && listed.includes(platform) ? { platform } : {}),
      jobId: id,
    });
    if (result.ok) setState({ phase: 'saved', saved: result.value });
    else {
      setState({ phase: 'idle' });
      if (result.error.code !== 'cancelled') setError(result.error);
    }
  }

  const saving = state.phase === 'saving';
  const ratio = saving && state.total > 0 ? Math.min(1, state.done / state.total) : 0;
  return (
    <form
      className="remote-save"
      aria-label={`Save ${reference}`}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <div className="remote-card-header">
        <p>
          Save <span className="mono">{reference}</span>
        </p>
        <button type="button" className="icon-button" aria-label="Close the save form" onClick={onClose} disabled={saving}>
          ×
        </button>
      </div>
      <fieldset className="remote-save-formats" disabled={saving}>
        <legend className="muted">Format</legend>
        {(Object.keys(FORMAT_LABELS) as SaveFormat[]).map((f) => (
          <label key={f} className={engine && f === 'oci' ? 'muted' : undefined}>
            <input type="radio" name="save-format" value={f} checked={format === f} disabled={engine && f === 'oci'} onChange={() => setFormat(f)} />
            {FORMAT_LABELS[f]}
          </label>
        ))}
        {engine && <span className="muted">The Docker engine exports docker-save archives only.</span>}
      </fieldset>
      {choosePlatform && (
        <label className="remote-save-platform">
          <span className="muted">Platform</span>
          <select className="select mono" value={listed.includes(platform) ? platform : ''} disabled={saving} onChange={(event) => setPlatform(event.target.value)}>
            <option value="">default (the server’s platform)</option>
            {listed.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      )}
      <label htmlFor="save-destination-input">
        {transport === 'electron'
          ? 'Destination'
          : `Destination: an absolute path on the server machine (${format === 'oci' ? 'a new or empty folder' : 'a new .tar file'})`}
      </label>
      <div className="open-path-row">
        <input
          id="save-destination-input"
          className="input mono"
          type="text"
          spellCheck={false}
          autoComplete="off"
          readOnly={transport === 'electron'}
          placeholder={transport === 'electron' ? 'Choose where to save…' : `/home/me/${suggestedSaveName(reference, format)}`}
          value={destination}
          onChange={(event) => setDestination(event.target.value)}
        />
        {transport === 'electron' && (
          <button type="button" className="button" disabled={saving} onClick={() => void choose()}>
            Choose…
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={saving || destination.trim() === ''}>
          Save
        </button>
      </div>
      {state.phase === 'saving' && (
        <div className="remote-save-progress" data-state="reading">
          <span className="progress-bar" role="progressbar" aria-label="Saving" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)}>
            <span className="progress-fill" style={{ width: `${ratio * 100}%` }} />
          </span>
          <span className="progress-bytes mono">
            {formatBytes(state.done)}
            {state.total > 0 ? ` / ${formatBytes(state.total)}` : ''}
          </span>
          <button type="button" className="button button-small" onClick={() => void api.cancelJob({ jobId: state.jobId })}>
            Cancel
          </button>
        </div>
      )}
      {state.phase === 'saved' && (
        <div className="remote-save-done" role="status">
          <span>
            Saved {formatBytes(state.saved.bytes)} as {state.saved.format === 'oci' ? 'an OCI layout' : 'a docker-save archive'} to{' '}
            <span className="mono">{state.saved.destination}</span>
          </span>
          <button type="button" className="button button-small" onClick={() => onOpen({ kind: 'path', path: state.saved.destination }, state.saved.destination)}>
            Open the saved image
          </button>
        </div>
      )}
      {error && <ErrorBanner error={error} onDismiss={() => setError(null)} />}
    </form>
  );
}
