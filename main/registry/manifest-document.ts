// Reads the manifest formats registries serve (OCI index/manifest, Docker schema2 manifest and list,
// schema1 signed/unsigned) into one small shape.
import { createHash } from 'node:crypto';
import { StrataError } from '../../shared/errors';
import {
  MAX_METADATA_BYTES,
  MEDIA_TYPES,
  parseIndex,
  parseManifest,
  platformString,
  type ContentDescriptor,
} from '../stores/image-config';

const SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
const SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+json';

/** The Accept header for manifest requests: every format we read, newest first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
  SCHEMA1_SIGNED,
  SCHEMA1,
].join(', ');

/** Manifests larger than this are refused (4 MiB, the distribution spec's recommended limit). */
export const MAX_MANIFEST_BYTES = MAX_METADATA_BYTES;

/** A content descriptor with the fields we use. */
export interface BlobDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  /** Bytes, or -1 when the format does not say (schema1). */
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A platform-specific entry of an index. */
export interface IndexEntry extends BlobDescriptor {
  /** `os/arch[/variant]`, or '' for entries without a platform (attestations, artifacts). */
  readonly platform: string;
}

/** A manifest read into one of three shapes. */
export type ManifestDocument =
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifests: readonly IndexEntry[] }
  | { readonly kind: 'image'; readonly mediaType: string; readonly config: BlobDescriptor; readonly layers: readonly BlobDescriptor[] }
  | {
      readonly kind: 'schema1';
      readonly mediaType: string;
      /** Layers base first (schema1 lists them newest first). */
      readonly layers: readonly BlobDescriptor[];
      /** The v1Compatibility JSON objects, base first, one per layer. */
      readonly history: readonly Record<string, unknown>[];
      readonly platform: string;
    };

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

/** Computes `algo:hex` of bytes with the digest's algorithm. */
export function digestOf(bytes: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Tells whether a string is a digest this client can verify. */
export function isSupportedDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/**
 * The digest a registry gives a manifest: of its bytes, except signed schema1 manifests, whose
 * digest covers the payload with the JWS signatures removed.
 */
export function manifestDigest(bytes: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return digestOf(schema1Payload(bytes) ?? bytes, algorithm);
}

function schema1Payload(bytes: Buffer): Buffer | null {
  if (!bytes.includes('"signatures"')) return null;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { schemaVersion?: number; signatures?: { protected?: string }[] };
    const prot = doc.schemaVersion === 1 ? doc.signatures?.[0]?.protected : undefined;
    if (!prot) return null;
    const header = JSON.parse(Buffer.from(prot, 'base64url').toString('utf8')) as { formatLength?: number; formatTail?: string };
    if (typeof header.formatLength !== 'number' || typeof header.formatTail !== 'string') return null;
    return Buffer.concat([bytes.subarray(0, header.formatLength), Buffer.from(header.formatTail, 'base64url')]);
  } catch {
    return null;
  }
}

/** Parses manifest bytes (any format in MANIFEST_ACCEPT); `where` names the manifest in errors. */
export function parseManifestDocument(bytes: Buffer, contentType: string, where: string): ManifestDocument {
  const malformed = (why: string) => new StrataError('malformed', `${where}: the manifest is malformed (${why}).`, { file: where });
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw malformed('not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw malformed('not a JSON object');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType.split(';')[0].trim();
  if (doc.schemaVersion === 1) return schema1Document(doc, declared || SCHEMA1, malformed);
  if (doc.schemaVersion !== 2) throw malformed(`schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  if (Array.isArray(doc.manifests)) {
    const index = parseIndex(bytes, where, 'the index');
    return {
      kind: 'index',
      mediaType: declared || MEDIA_TYPES.ociIndex,
      manifests: index.manifests.map((m, i) => ({ ...blob(m, `manifests[${i}]`, malformed), platform: platformString(m.platform) })),
    };
  }
  if (doc.config && Array.isArray(doc.layers)) {
    const manifest = parseManifest(bytes, where, 'the manifest');
    return {
      kind: 'image',
      mediaType: declared || MEDIA_TYPES.ociManifest,
      config: blob(manifest.config, 'config', malformed),
      layers: manifest.layers.map((l, i) => blob(l, `layers[${i}]`, malformed)),
    };
  }
  throw malformed('neither an index nor an image manifest');
}

function blob(d: ContentDescriptor, field: string, malformed: (why: string) => Error): BlobDescriptor {
  if (!isSupportedDigest(d.digest)) throw malformed(`${field} has no valid digest`);
  return { mediaType: d.mediaType ?? '', digest: d.digest, size: d.size, annotations: d.annotations ?? {} };
}

function schema1Document(
  doc: Record<string, unknown>,
  mediaType: string,
  malformed: (why: string) => Error,
): ManifestDocument {
  const fsLayers = doc.fsLayers;
  const history = doc.history;
  if (!Array.isArray(fsLayers) || !Array.isArray(history) || fsLayers.length !== history.length || fsLayers.length === 0) {
    throw malformed('schema1 fsLayers and history must be non-empty and of equal length');
  }
  const layers: BlobDescriptor[] = [];
  const steps: Record<string, unknown>[] = [];
  for (let i = fsLayers.length - 1; i >= 0; i--) {
    const sum = (fsLayers[i] as { blobSum?: unknown }).blobSum;
    if (typeof sum !== 'string' || !isSupportedDigest(sum)) throw malformed(`fsLayers[${i}] has no valid blobSum`);
    let compat: Record<string, unknown>;
    try {
      compat = JSON.parse(String((history[i] as { v1Compatibility?: unknown }).v1Compatibility)) as Record<string, unknown>;
    } catch {
      throw malformed(`history[${i}].v1Compatibility is not JSON`);
    }
    layers.push({ mediaType: MEDIA_TYPES.dockerLayerGzip, digest: sum, size: -1, annotations: {} });
    steps.push(compat);
  }
  const arch = typeof doc.architecture === 'string' ? doc.architecture : '';
  return { kind: 'schema1', mediaType, layers, history: steps, platform: arch ? `linux/${arch}` : '' };
}

/** Index entries that describe runnable images (attestations and platform-less artifacts left out). */
export function platformEntries(manifests: readonly IndexEntry[]): IndexEntry[] {
  return manifests.filter(
    (m) => m.platform && m.platform !== 'unknown/unknown' && m.annotations['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
}
