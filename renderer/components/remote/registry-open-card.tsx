// "Open from registry": a reference field with recent references, the repository's tags with a
// search box, a registry's repositories (its catalog, page by page) when the field holds just a host,
// "Save image…", and a credentials prompt when the registry answers 401. Multi-platform images then
// show the image chooser (the platform picker) before analysis.
import { useEffect, useMemo, useState } from 'react';
import type { ApiError, RepositoryPage, SourceSpec } from '../../../shared/api';
import { api } from '../../api-client';
import { ErrorBanner } from '../common/error-banner';
import { registryHost, registryOnly, repositoryOf } from './registry-host';
import { SaveImageForm } from './save-image-form';
import './remote.css';

/** Props: how to open the chosen reference. */
export interface RegistryOpenCardProps {
  readonly onOpen: (source: SourceSpec, label: string) => void;
}

const MAX_SHOWN_TAGS = 200;
const CATALOG_PAGE_SIZE = 100;

/** What to do once the user has signed in. */
type AfterLogin = 'tags' | 'open' | 'catalog' | 'save';

/** The repositories of a registry loaded so far, and the cursor of the next page. */
interface Catalog {
  readonly registry: string;
  readonly repositories: readonly string[];
  readonly next: string | null;
}

/** The registry section of the start screen. */
export function RegistryOpenCard({ onOpen }: RegistryOpenCardProps) {
  const [reference, setReference] = useState('');
  const [recent, setRecent] = useState<readonly string[]>([]);
  const [tags, setTags] = useState<{ readonly repository: string; readonly tags: readonly string[] } | null>(null);
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [login, setLogin] = useState<{ readonly registry: string; readonly then: AfterLogin } | null>(null);
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [saving, setSaving] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void api.listRecent({}).then((result) => {
      if (!live || !result.ok) return;
      const refs = result.value.flatMap((r) => (r.source.kind === 'reference' && !r.source.ref.startsWith('docker://') ? [r.source.ref] : []));
      setRecent([...new Set(refs)]);
    });
    return () => {
      live = false;
    };
  }, []);

  const trimmed = reference.trim();
  const hostOnly = registryOnly(trimmed);

  async function loadTags(repository = repositoryOf(trimmed)): Promise<boolean> {
    setBusy(true);
    setError(null);
    const result = await api.listTags({ repository });
    setBusy(false);
    if (result.ok) {
      setTags(result.value);
      setFilter('');
      return true;
    }
    if (result.error.code === 'auth') setLogin({ registry: registryHost(repository), then: 'tags' });
    else setError(result.error);
    return false;
  }

  /** Loads the first catalog page of a registry, or the next page of the one shown. */
  async function loadCatalog(registry: string, more: boolean): Promise<void> {
    setBusy(true);
    setError(null);
    const last = more && catalog?.next ? catalog.next : undefined;
    const result = await api.listRepositories({ registry, pageSize: CATALOG_PAGE_SIZE, ...(last ? { last } : {}) });
    setBusy(false);
    if (result.ok) {
      const page: RepositoryPage = result.value;
      setCatalog((c) => ({
        registry: page.registry,
        repositories: more && c?.registry === page.registry ? [...c.repositories, ...page.repositories] : page.repositories,
        next: page.next,
      }));
      if (!more) setFilter('');
      return;
    }
    if (result.error.code === 'auth') setLogin({ registry, then: 'catalog' });
    else setError(result.error);
  }

  /** Probes with the tag list so that a 401 asks for credentials here, before the long work starts. */
  async function signedIn(then: AfterLogin): Promise<boolean> {
    setBusy(true);
    setError(null);
    const probe = await api.listTags({ repository: repositoryOf(trimmed) });
    setBusy(false);
    if (!probe.ok && probe.error.code === 'auth') {
      setLogin({ registry: registryHost(trimmed), then });
      return false;
    }
    return true;
  }

  async function open(): Promise<void> {
    if (!trimmed) return;
    if (hostOnly) {
      await loadCatalog(hostOnly, false);
      return;
    }
    if (await signedIn('open')) onOpen({ kind: 'reference', ref: trimmed }, trimmed);
  }

  async function save(): Promise<void> {
    if (trimmed && !hostOnly && (await signedIn('save'))) setSaving(trimmed);
  }

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const list = tags?.tags.filter((t) => t.toLowerCase().includes(needle)) ?? [];
    return { list: list.slice(0, MAX_SHOWN_TAGS), more: Math.max(0, list.length - MAX_SHOWN_TAGS) };
  }, [tags, filter]);

  const shownRepositories = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const list = catalog?.repositories.filter((r) => r.toLowerCase().includes(needle)) ?? [];
    return { list: list.slice(0, MAX_SHOWN_TAGS), more: Math.max(0, list.length - MAX_SHOWN_TAGS) };
  }, [catalog, filter]);

  return (
    <section className="start-card" aria-labelledby="registry-heading">
      <h2 id="registry-heading">Open from registry</h2>
      <form
        className="open-path"
        onSubmit={(event) => {
          event.preventDefault();
          void open();
        }}
      >
        <label htmlFor="registry-ref-input">
          Image reference (alpine:3.20, ghcr.io/org/app@sha256:…, localhost:5000/team/api:dev), or a registry host to browse its repositories
        </label>
        <div className="open-path-row">
          <input
            id="registry-ref-input"
            className="input mono"
            type="text"
            list="registry-recent-refs"
            spellCheck={false}
            autoComplete="off"
            placeholder="alpine:3.20"
            value={reference}
            onChange={(event) => {
              setReference(event.target.value);
              setTags(null);
              setSaving(null);
            }}
          />
          <datalist id="registry-recent-refs">
            {recent.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
          {hostOnly ? (
            <button type="submit" className="button button-primary" disabled={busy}>
              Browse
            </button>
          ) : (
            <>
              <button type="button" className="button" disabled={!trimmed || busy} onClick={() => void loadTags()}>
                Tags
              </button>
              <button type="submit" className="button button-primary" disabled={!trimmed || busy}>
                Open
              </button>
            </>
          )}
        </div>
        {!hostOnly && trimmed && (
          <div className="start-actions remote-ref-actions">
            <button type="button" className="button button-small" disabled={busy || saving === trimmed} onClick={() => void save()}>
              Save image…
            </button>
          </div>
        )}
      </form>
      {error && <ErrorBanner error={error} onDismiss={() => setError(null)} />}
      {login && (
        <CredentialsForm
          registry={login.registry}
          onCancel={() => setLogin(null)}
          onSaved={() => {
            const { then, registry } = login;
            setLogin(null);
            if (then === 'tags') void loadTags();
            else if (then === 'catalog') void loadCatalog(registry, false);
            else if (then === 'save') setSaving(trimmed);
            else onOpen({ kind: 'reference', ref: trimmed }, trimmed);
          }}
        />
      )}
      {saving && <SaveImageForm key={saving} reference={saving} onOpen={onOpen} onClose={() => setSaving(null)} />}
      {catalog && !tags && hostOnly === catalog.registry && (
        <div className="remote-catalog">
          <input
            className="input"
            type="search"
            aria-label={`Search the repositories of ${catalog.registry}`}
            placeholder={`Search ${catalog.repositories.length}${catalog.next ? '+' : ''} repositories of ${catalog.registry}`}
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
          {shownRepositories.list.length === 0 ? (
            <p className="muted">{catalog.repositories.length === 0 ? 'The registry lists no repositories.' : 'No repository matches.'}</p>
          ) : (
            <ul className="remote-tag-list" aria-label={`Repositories of ${catalog.registry}`}>
              {shownRepositories.list.map((repository) => (
                <li key={repository}>
                  <button
                    type="button"
                    className="recent-item mono"
                    onClick={() => {
                      const name = `${catalog.registry}/${repository}`;
                      setReference(name);
                      void loadTags(name);
                    }}
                  >
                    {repository}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="remote-catalog-footer">
            <span className="muted">
              {shownRepositories.more > 0 ? `${shownRepositories.more} more match; refine the search. ` : ''}
              {catalog.next ? `Showing the first ${catalog.repositories.length}; the search covers those loaded.` : `All ${catalog.repositories.length} loaded.`}
            </span>
            {catalog.next && (
              <button type="button" className="button button-small" disabled={busy} onClick={() => void loadCatalog(catalog.registry, true)}>
                Load more
              </button>
            )}
          </div>
        </div>
      )}
      {tags && (
        <div className="remote-tags">
          <input
            className="input"
            type="search"
            aria-label={`Search the tags of ${tags.repository}`}
            placeholder={`Search ${tags.tags.length} tags of ${tags.repository}`}
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
          {shown.list.length === 0 ? (
            <p className="muted">No tag matches.</p>
          ) : (
            <ul className="remote-tag-list">
              {shown.list.map((tag) => (
                <li key={tag}>
                  <button type="button" className="recent-item mono" onClick={() => setReference(`${tags.repository}:${tag}`)}>
                    {tag}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {shown.more > 0 && <p className="muted">{shown.more} more; refine the search.</p>}
        </div>
      )}
    </section>
  );
}

/** Asks for a registry login after a 401; the engine checks it against the registry, then keeps it encrypted. */
function CredentialsForm({ registry, onSaved, onCancel }: { readonly registry: string; readonly onSaved: () => void; readonly onCancel: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <form
      className="remote-login"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        void api.saveCredentials({ registry, username, password }).then((result) => {
          setBusy(false);
          if (result.ok) onSaved();
          else setError(result.error);
        });
      }}
    >
      <p>
        <span className="mono">{registry}</span> needs a login.
      </p>
      <input className="input" type="text" autoComplete="username" aria-label="Username" placeholder="Username" value={username} onChange={(e) => setUsername(e.target.value)} />
      <input className="input" type="password" autoComplete="current-password" aria-label="Password or token" placeholder="Password or access token" value={password} onChange={(e) => setPassword(e.target.value)} />
      {error && <ErrorBanner error={error} />}
      <div className="start-actions">
        <button type="submit" className="button button-primary" disabled={busy || !username || !password}>
          Sign in
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
