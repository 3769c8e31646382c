// "Open from Docker engine": the local engine's images (name, tag, size, created); a click opens one
// as `docker://NAME` (or its id when untagged); "Save…" writes one to a docker-save archive.
import { useCallback, useEffect, useState } from 'react';
import type { ApiError, DockerImageInfo, SourceSpec } from '../../../shared/api';
import { formatBytes, shortDigest } from '../../../shared/format';
import { api } from '../../api-client';
import { SaveImageForm } from './save-image-form';
import './remote.css';

/** Props: how to open the chosen image. */
export interface DockerEngineCardProps {
  readonly onOpen: (source: SourceSpec, label: string) => void;
}

/** The Docker engine section of the start screen. */
export function DockerEngineCard({ onOpen }: DockerEngineCardProps) {
  const [images, setImages] = useState<readonly DockerImageInfo[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState<string | null>(null);

  const refresh = useCallback(() => {
    setError(null);
    void api.listDockerImages({}).then((result) => {
      if (result.ok) setImages(result.value);
      else {
        setImages(null);
        setError(result.error);
      }
    });
  }, []);

  useEffect(refresh, [refresh]);

  const rows = (images ?? []).flatMap((image) =>
    (image.repoTags.length ? image.repoTags : [shortDigest(image.id)]).map((name) => ({ name, ref: image.repoTags.length ? name : image.id, image })),
  );

  return (
    <section className="start-card" aria-labelledby="engine-heading">
      <div className="remote-card-header">
        <h2 id="engine-heading">Open from Docker engine</h2>
        <button type="button" className="button button-small" onClick={refresh}>
          Refresh
        </button>
      </div>
      {error && <p className="muted">{error.message}</p>}
      {images && rows.length === 0 && <p className="muted">The engine has no images.</p>}
      {saving && <SaveImageForm key={saving} reference={saving} onOpen={onOpen} onClose={() => setSaving(null)} />}
      {rows.length > 0 && (
        <table className="remote-images">
          <thead>
            <tr>
              <th>Name</th>
              <th>Tag</th>
              <th className="num">Size</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rows.map(({ name, ref, image }) => {
              const colon = name.lastIndexOf(':');
              const tagged = image.repoTags.length > 0 && colon > name.lastIndexOf('/');
              return (
                <tr key={`${image.id}:${name}`} onClick={() => onOpen({ kind: 'reference', ref: `docker://${ref}` }, `docker://${name}`)}>
                  <td className="mono">
                    <button type="button" className="link-button mono" onClick={(e) => { e.stopPropagation(); onOpen({ kind: 'reference', ref: `docker://${ref}` }, `docker://${name}`); }}>
                      {tagged ? name.slice(0, colon) : name}
                    </button>
                  </td>
                  <td className="mono">{tagged ? name.slice(colon + 1) : '—'}</td>
                  <td className="num">{formatBytes(image.size)}</td>
                  <td className="nowrap" title={image.created}>{image.created ? new Date(image.created).toLocaleDateString() : ''}</td>
                  <td className="nowrap">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Save ${name}…`}
                      onClick={(e) => {
                        e.stopPropagation();
                        setSaving(`docker://${ref}`);
                      }}
                    >
                      Save…
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
