// The registry a typed reference points at, the way docker splits it (`alpine` → docker.io,
// `ghcr.io/o/a` → ghcr.io, `localhost:5000/x` → localhost:5000), for the credentials prompt; whether
// the text names a registry only (to browse its catalog); and a file name to save an image under.
import type { SaveFormat } from '../../../shared/api';

/** The registry host of a reference (docker.io when the first component is not a host). */
export function registryHost(reference: string): string {
  const ref = reference.trim().replace(/^docker:\/\//, '');
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  const isHost = /[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first;
  if (!isHost || first === 'index.docker.io' || first === 'registry-1.docker.io') return 'docker.io';
  return first;
}

/** The reference without its tag or digest (`ghcr.io/o/a:v1` → `ghcr.io/o/a`), for listing tags. */
export function repositoryOf(reference: string): string {
  const ref = reference.trim().replace(/@.*$/, '');
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/**
 * The registry when the text names only a registry (`localhost:5000`, `127.0.0.1:5000/`, `ghcr.io`),
 * for browsing its catalog; null for anything that reads as a repository (`alpine`, `alpine:3.20`).
 */
export function registryOnly(text: string): string | null {
  const t = text.trim().replace(/^https?:\/\//, '');
  const m = /^([^/\s@]+)(\/?)$/.exec(t);
  if (!m) return null;
  const host = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(m[1]);
  if (!host) return null;
  const name = host[1];
  const looksLikeHost = name === 'localhost' || name.startsWith('[') || name.includes('.');
  return m[2] === '/' || looksLikeHost ? m[1] : null;
}

/** A file or folder name to save an image under: `ghcr.io/org/app:v1` → `app-v1` (`app-v1.tar` for archives). */
export function suggestedSaveName(reference: string, format: SaveFormat): string {
  const last = reference.replace(/^docker:\/\//, '').replace(/@sha256:([0-9a-f]{12}).*$/, '-$1').split('/').pop() ?? '';
  const name = last.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'image';
  return format === 'docker-archive' ? `${name}.tar` : name;
}
