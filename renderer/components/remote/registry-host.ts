// The registry a typed reference points at, the way docker splits it (`alpine` → docker.io,
// `ghcr.io/o/a` → ghcr.io, `localhost:5000/x` → localhost:5000), for the credentials prompt.

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
