// Dropped layer tarballs, in drop order, before analysis: reorder by drag or buttons, remove, analyse.
import { useState } from 'react';
import { formatBytes } from '../../../shared/format';

/** Props of the staging list. */
export interface LayerFilesChainProps {
  readonly files: readonly File[];
  readonly onChange: (files: readonly File[]) => void;
  readonly onAnalyse: () => void;
}

function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

/** The chain of dropped layers, base first. */
export function LayerFilesChain({ files, onChange, onAnalyse }: LayerFilesChainProps) {
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  return (
    <main className="staging">
      <section className="start-card staging-card" aria-labelledby="staging-heading">
        <h2 id="staging-heading">Layer tarballs</h2>
        <p className="muted">
          Base layer first. Drag rows or use the arrows to fix the order, then analyse. Drop more files to add them.
        </p>
        <ol className="staging-list" aria-label="Layer order">
          {files.map((file, i) => (
            <li
              key={`${file.name}:${file.size}:${file.lastModified}:${i}`}
              className={`staging-item${dragging === i ? ' is-dragging' : ''}${over === i && dragging !== i ? ' is-over' : ''}`}
              draggable
              data-file={file.name}
              onDragStart={(event) => {
                setDragging(i);
                event.dataTransfer.effectAllowed = 'move';
                event.dataTransfer.setData('text/plain', String(i));
              }}
              onDragOver={(event) => {
                if (dragging === null) return;
                event.preventDefault();
                setOver(i);
              }}
              onDrop={(event) => {
                if (dragging === null) return;
                event.preventDefault();
                onChange(moved(files, dragging, i));
                setDragging(null);
                setOver(null);
              }}
              onDragEnd={() => {
                setDragging(null);
                setOver(null);
              }}
            >
              <span className="staging-grip" aria-hidden="true">⠿</span>
              <span className="staging-index mono">{i}</span>
              <span className="staging-name mono" title={file.name}>
                {file.name}
                {i === 0 && <span className="staging-role">base</span>}
                {i === files.length - 1 && i > 0 && <span className="staging-role">top</span>}
              </span>
              <span className="staging-size mono">{formatBytes(file.size)}</span>
              <span className="staging-buttons">
                <button type="button" className="icon-button" aria-label={`Move ${file.name} up`} disabled={i === 0} onClick={() => onChange(moved(files, i, i - 1))}>
                  ↑
                </button>
                <button type="button" className="icon-button" aria-label={`Move ${file.name} down`} disabled={i === files.length - 1} onClick={() => onChange(moved(files, i, i + 1))}>
                  ↓
                </button>
                <button type="button" className="icon-button" aria-label={`Remove ${file.name}`} onClick={() => onChange(files.filter((_, j) => j !== i))}>
                  ×
                </button>
              </span>
            </li>
          ))}
        </ol>
        <div className="start-actions">
          <button type="button" className="button button-primary" onClick={onAnalyse}>
            Analyse {files.length} layers
          </button>
          <button type="button" className="button" onClick={() => onChange([])}>
            Cancel
          </button>
        </div>
      </section>
    </main>
  );
}
