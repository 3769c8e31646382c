// Parses image references the way docker does (distribution/reference's normalised names).
import { StrataError } from '../../shared/errors';

/** A parsed, normalised image reference: `docker.io/library/alpine:3.20`. */
export interface ImageReference {
  /** Registry as the user names it (`docker.io`, `ghcr.io`, `localhost:5000`). */
  readonly registry: string;
  /** Repository path inside the registry (`library/alpine`). */
  readonly repository: string;
  /** Tag, or '' when the reference pins a digest only. */
  readonly tag: string;
  /** `algo:hex`, or ''. */
  readonly digest: string;
}

const DEFAULT_REGISTRY = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

/** Parses `name[:tag][@digest]` with docker's defaults (docker.io, `library/`, `latest`). */
export function parseImageReference(input: string): ImageReference {
  const bad = (why: string) =>
    new StrataError('usage', `${JSON.stringify(input)} is not a valid image reference: ${why}.`);
  const ref = input.trim();
  if (ref.length === 0 || ref.length > 512) throw bad('it is empty or too long');
  let rest = ref;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest is malformed');
    if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) throw bad('a sha256 digest has 64 hex digits');
  }
  let tag = '';
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad('the tag is malformed');
  }
  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      registry = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(registry)) throw bad('the registry host is malformed');
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) path = `library/${path}`;
  if (path.length === 0 || path.length > 255) throw bad('the repository name is empty or too long');
  if (!path.split('/').every((c) => COMPONENT.test(c))) {
    throw bad('repository names use lowercase letters, digits and separators (. _ __ -)');
  }
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: path, tag, digest };
}

/** The host (and port) that serves the registry's API: docker.io is served by registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? 'registry-1.docker.io' : registry;
}

/** Formats a reference back to its full, normalised form. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Formats the shortest form a docker user would type (`alpine:3.20`, `ghcr.io/o/a@sha256:…`). */
export function familiarName(ref: ImageReference): string {
  let name = ref.registry === DEFAULT_REGISTRY ? ref.repository.replace(/^library\//, '') : `${ref.registry}/${ref.repository}`;
  if (ref.tag) name += `:${ref.tag}`;
  if (ref.digest) name += `@${ref.digest}`;
  return name;
}

/** Tells whether a registry host names this machine (served over plain HTTP when TLS is not offered). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
