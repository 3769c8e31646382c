// The start screen: open a path, the bundled sample, a recent source, drop files, or choose a folder (in
// a browser an OCI layout folder, uploaded as an archive).
import { useEffect, useRef, useState } from 'react';
import type { RecentSource, SourceSpec } from '../../../shared/api';
import { api, transport } from '../../api-client';
import { filesOfChosenFolder, type GivenFolder } from '../../state/folder-files';
import { DockerEngineCard } from '../remote/docker-engine-card';
import { RegistryOpenCard } from '../remote/registry-open-card';

/** What the start screen can ask the session to do. */
export interface StartScreenProps {
  readonly onOpen: (source: SourceSpec, label: string) => void;
  readonly onFiles: (files: readonly File[]) => void;
  readonly onFolder: (folder: GivenFolder) => void;
}

/** The first screen of a window, and where closing an image returns to. */
export function StartScreen({ onOpen, onFiles, onFolder }: StartScreenProps) {
  return (
    <main className="start">
      <header className="start-header">
        <h1 className="start-title">Strata</h1>
        <p className="start-tagline">Explore container image layers: what each build step created, changed and deleted.</p>
      </header>
      <div className="start-grid">
        <section className="start-card" aria-labelledby="open-heading">
          <h2 id="open-heading">Open</h2>
          <OpenPathForm onOpen={onOpen} />
          <div className="start-actions">
            <button type="button" className="button" onClick={() => onOpen({ kind: 'sample' }, 'Sample image')}>
              Open the sample image
            </button>
          </div>
          <DropZone onFiles={onFiles} onFolder={onFolder} />
        </section>
        <RecentList onOpen={onOpen} />
        <RegistryOpenCard onOpen={onOpen} />
        <DockerEngineCard onOpen={onOpen} />
      </div>
    </main>
  );
}

function OpenPathForm({ onOpen }: { readonly onOpen: StartScreenProps['onOpen'] }) {
  const [path, setPath] = useState('');
  return (
    <form
      className="open-path"
      onSubmit={(event) => {
        event.preventDefault();
        const trimmed = path.trim();
        if (trimmed) onOpen({ kind: 'path', path: trimmed }, trimmed);
      }}
    >
      <label htmlFor="open-path-input">
        Image archive, OCI layout or registry v1 folder{transport === 'browser' ? ' on the server machine' : ''}
      </label>
      <div className="open-path-row">
        <input
          id="open-path-input"
          className="input mono"
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="/path/to/image.tar"
          value={path}
          onChange={(event) => setPath(event.target.value)}
        />
        <button type="submit" className="button button-primary" disabled={path.trim() === ''}>
          Open
        </button>
      </div>
    </form>
  );
}

function DropZone({ onFiles, onFolder }: Pick<StartScreenProps, 'onFiles' | 'onFolder'>) {
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  return (
    <div className="drop-zone">
      <div className="drop-zone-text">
        Drop an image archive or an OCI layout folder here to open it, or several layer tarballs to stack them (base first).
      </div>
      <div className="drop-zone-buttons">
        <button type="button" className="button" onClick={() => input.current?.click()}>
          Choose files…
        </button>
        <button type="button" className="button" onClick={() => folderInput.current?.click()}>
          Choose folder…
        </button>
      </div>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        onChange={(event) => {
          onFiles([...(event.target.files ?? [])]);
          event.target.value = '';
        }}
      />
      <input
        ref={folderInput}
        type="file"
        aria-label="Image folder"
        hidden
        {...{ webkitdirectory: '' }}
        onChange={(event) => {
          const folder = filesOfChosenFolder([...(event.target.files ?? [])]);
          event.target.value = '';
          if (folder) onFolder(folder);
        }}
      />
    </div>
  );
}

function RecentList({ onOpen }: { readonly onOpen: StartScreenProps['onOpen'] }) {
  const [recent, setRecent] = useState<readonly RecentSource[]>([]);
  useEffect(() => {
    let live = true;
    void api.listRecent({}).then((result) => {
      if (live && result.ok) setRecent(result.value);
    });
    return () => {
      live = false;
    };
  }, []);
  return (
    <section className="start-card" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Recent</h2>
      {recent.length === 0 ? (
        <p className="muted">Nothing opened yet.</p>
      ) : (
        <ul className="recent-list">
          {recent.map((r) => (
            <li key={`${r.openedAt}:${r.label}`}>
              <button type="button" className="recent-item" onClick={() => onOpen(r.source, r.label)} title={r.label}>
                <span className="recent-label mono">{r.label}</span>
                <span className="recent-meta">
                  {r.source.kind} · {new Date(r.openedAt).toLocaleString()}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
