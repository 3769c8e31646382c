// Turns a tar member name into a normalised absolute path, a whiteout, an opaque marker, or a refusal.

/** What a tar member name means for the layer's filesystem. */
export type EntryPathKind =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'whiteout'; readonly path: string }
  | { readonly kind: 'opaque'; readonly dir: string }
  | { readonly kind: 'aufs-meta' }
  | { readonly kind: 'unsafe'; readonly reason: string };

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** A component that is empty, `.` or `..` (also an empty name). */
const NEEDS_CLEANING = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** Normalises `./a`, `/a`, `a`, `a/`, `a//b` to `/a`, `/a/b` (`.` → `/`); null when a `..` or NUL makes it unsafe. */
export function normalizeEntryPath(name: string): string | null {
  if (name.includes('\0')) return null;
  // Fast path: the common `./usr/bin/x` or `usr/bin/x` shape with nothing to clean.
  let start = 0;
  if (name.startsWith('./')) start = 2;
  else if (name.startsWith('/')) start = 1;
  let body = start ? name.slice(start) : name;
  if (body.endsWith('/')) body = body.replace(/\/+$/, '');
  if (!NEEDS_CLEANING.test(body)) return '/' + body;
  const parts: string[] = [];
  for (const part of body.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return '/' + parts.join('/');
}

/** Classifies a tar member name: a plain path, a whiteout (`.wh.NAME`), an opaque marker, aufs metadata, or unsafe. */
export function classifyEntryPath(name: string): EntryPathKind {
  if (name.includes('\0')) return { kind: 'unsafe', reason: 'contains a NUL byte' };
  const path = normalizeEntryPath(name);
  if (path === null) return { kind: 'unsafe', reason: 'has a ".." component' };
  if (!path.includes('/' + WHITEOUT)) return { kind: 'path', path };
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const parent = slash === 0 ? '/' : path.slice(0, slash);
  if (base === OPAQUE) return { kind: 'opaque', dir: parent };
  // aufs keeps its own bookkeeping under `.wh..wh.*` names (`.wh..wh.plnk/…`): not part of the filesystem.
  if (path.includes('/' + WHITEOUT + WHITEOUT)) return { kind: 'aufs-meta' };
  if (!base.startsWith(WHITEOUT)) return { kind: 'path', path };
  const target = base.slice(WHITEOUT.length);
  if (target === '' || target === '.' || target === '..') return { kind: 'unsafe', reason: 'whiteout names no file' };
  return { kind: 'whiteout', path: parent === '/' ? '/' + target : parent + '/' + target };
}
