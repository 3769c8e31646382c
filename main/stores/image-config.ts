// The parts OCI layouts and `docker save` archives share (go-containerregistry's `partial` idea):
// parsing index / manifest / config JSON of both OCI and Docker media types with size caps, and
// turning a config plus its layer blobs into an ImageDescriptor with history aligned to layers.
import { z } from 'zod';
import { StrataError } from '../../shared/errors';
import type { HistoryStep, ImageDescriptor, LayerDescriptor } from '../../shared/model';

/** Largest index, manifest, config or other metadata file read (bigger ones are rejected). */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;

/** Media types of indexes, manifests and layers, OCI and Docker. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);

const descriptorSchema = z.looseObject({
  mediaType: z.string().max(256).optional(),
  digest: z.string().max(200),
  size: z.number().int().min(0),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .looseObject({ os: z.string().max(64), architecture: z.string().max(64), variant: z.string().max(64).optional() })
    .optional(),
});
/** An OCI content descriptor (as index.json and manifests hold them). */
export type ContentDescriptor = z.infer<typeof descriptorSchema>;

const indexSchema = z.looseObject({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema).max(10_000),
});
/** An OCI image index or Docker manifest list. */
export type ImageIndex = z.infer<typeof indexSchema>;

const manifestSchema = z.looseObject({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(10_000),
});
/** An OCI image manifest or Docker schema-2 manifest. */
export type ImageManifest = z.infer<typeof manifestSchema>;

const historySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

const configSchema = z.looseObject({
  created: z.string().optional(),
  os: z.string().optional(),
  architecture: z.string().optional(),
  variant: z.string().optional(),
  config: z.unknown().optional(),
  rootfs: z.looseObject({ type: z.string().optional(), diff_ids: z.array(z.string().max(200)).max(10_000).optional() }).optional(),
  history: z.array(historySchema).max(100_000).optional(),
});
/** An image config (OCI or Docker), the fields Strata reads. */
export type ImageConfig = z.infer<typeof configSchema>;

const dockerSaveSchema = z
  .array(
    z.looseObject({
      Config: z.string().max(4096),
      RepoTags: z.array(z.string().max(4096)).max(10_000).nullable().optional(),
      Layers: z.array(z.string().max(4096)).max(10_000),
    }),
  )
  .max(10_000);
/** The `manifest.json` of a `docker save` archive: one entry per image. */
export type DockerSaveManifest = z.infer<typeof dockerSaveSchema>;

/** Parses JSON bytes against a schema; a size over the cap, bad JSON or a wrong shape names `file` and `entry`. */
function parseWith<T>(schema: z.ZodType<T>, bytes: Buffer, file: string, entry: string, what: string): T {
  if (bytes.length > MAX_METADATA_BYTES) {
    throw new StrataError('too-large', `${file}: ${entry} is ${bytes.length} bytes, over the ${MAX_METADATA_BYTES}-byte limit for ${what}.`, {
      file,
      entry,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new StrataError('malformed', `${file}: ${entry} is not valid JSON (${(error as Error).message}).`, { file, entry });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new StrataError('malformed', `${file}: ${entry} is not a valid ${what}${at}: ${issue.message}.`, { file, entry });
  }
  return result.data;
}

/** Parses an OCI index / Docker manifest list. */
export function parseIndex(bytes: Buffer, file: string, entry: string): ImageIndex {
  return parseWith(indexSchema, bytes, file, entry, 'image index');
}

/** Parses an OCI / Docker schema-2 image manifest. */
export function parseManifest(bytes: Buffer, file: string, entry: string): ImageManifest {
  return parseWith(manifestSchema, bytes, file, entry, 'image manifest');
}

/** Parses an image config. */
export function parseConfig(bytes: Buffer, file: string, entry: string): ImageConfig {
  return parseWith(configSchema, bytes, file, entry, 'image config');
}

/** Parses a `docker save` manifest.json. */
export function parseDockerSaveManifest(bytes: Buffer, file: string, entry: string): DockerSaveManifest {
  return parseWith(dockerSaveSchema, bytes, file, entry, 'docker save manifest');
}

/** Parses any other small JSON metadata file (v1 `json`, `ancestry`, `repositories`) under the size cap. */
export function parseSmallJson(bytes: Buffer, file: string, entry: string): unknown {
  return parseWith(z.unknown(), bytes, file, entry, 'metadata file');
}

/** Tells whether a descriptor points at a nested index rather than a manifest. */
export function isIndexDescriptor(descriptor: ContentDescriptor): boolean {
  return INDEX_TYPES.has(descriptor.mediaType ?? '');
}

/** Tells whether a descriptor points at an image manifest (a missing media type counts as one). */
export function isManifestDescriptor(descriptor: ContentDescriptor): boolean {
  return descriptor.mediaType === undefined || MANIFEST_TYPES.has(descriptor.mediaType);
}

/** `os/arch[/variant]` of a config or an index entry's platform; '' when unknown. */
export function platformString(p: { os?: string; architecture?: string; variant?: string } | undefined): string {
  if (!p?.os || !p.architecture) return '';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The host's platform in OCI names (containers on macOS run in a Linux VM, so every non-Windows host is `linux`). */
export function hostPlatform(): string {
  const os = process.platform === 'win32' ? 'windows' : 'linux';
  const archMap: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips64el: 'mips64le' };
  if (process.arch === 'arm') {
    const version = (process.config.variables as { arm_version?: string }).arm_version ?? '7';
    return `${os}/arm/v${version}`;
  }
  return `${os}/${archMap[process.arch] ?? process.arch}`;
}

/**
 * Picks the platform to open: the requested one (exact, or ignoring the variant), else the host's,
 * else the first. A requested platform that is absent is a `not-found` error naming `file`.
 */
export function pickPlatform<T extends { readonly platform: string }>(choices: readonly T[], requested: string | undefined, file: string): T {
  const match = (want: string) =>
    choices.find((c) => c.platform === want) ?? choices.find((c) => c.platform.split('/').slice(0, 2).join('/') === want.split('/').slice(0, 2).join('/'));
  if (requested) {
    const found = match(requested);
    if (!found) {
      const known = choices.map((c) => c.platform || '(unknown)').join(', ');
      throw new StrataError('not-found', `${file}: no image for platform ${requested} (has ${known}).`, { file });
    }
    return found;
  }
  return match(hostPlatform()) ?? choices[0];
}

/** A layer blob as a manifest (or an archive) describes it. */
export interface LayerBlob {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

const EMPTY_STEP: HistoryStep = { createdBy: '', created: '', comment: '', emptyLayer: false };

/**
 * Builds the ImageDescriptor of a config and its layer blobs (base first). `rootfs.diff_ids` must
 * have one entry per blob (else `malformed`). History steps that made a layer map to layers in order;
 * `empty_layer` steps attach to the next layer's `emptyStepsBefore`, or to `emptyStepsAfter`. When the
 * history's layer steps do not match the layer count (old or hand-made images), the alignment is best
 * effort, in order: layers without a step get an empty one and surplus steps are dropped.
 */
export function describeImage(
  config: ImageConfig,
  blobs: readonly LayerBlob[],
  identity: { readonly name: string; readonly id: string },
  where: { readonly file: string; readonly entry: string },
): ImageDescriptor {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== blobs.length) {
    throw new StrataError(
      'malformed',
      `${where.file}: ${where.entry} lists ${diffIds.length} diff_ids but the manifest has ${blobs.length} layers.`,
      where,
    );
  }
  const stepsBefore: HistoryStep[][] = blobs.map(() => []);
  const layerSteps: HistoryStep[] = [];
  const after: HistoryStep[] = [];
  for (const h of config.history ?? []) {
    const step: HistoryStep = {
      createdBy: h.created_by ?? '',
      created: h.created ?? '',
      comment: h.comment ?? '',
      emptyLayer: h.empty_layer === true,
    };
    if (step.emptyLayer) (layerSteps.length < blobs.length ? stepsBefore[layerSteps.length] : after).push(step);
    else if (layerSteps.length < blobs.length) layerSteps.push(step);
  }
  const layers: LayerDescriptor[] = blobs.map((blob, index) => ({
    index,
    digest: blob.digest,
    diffId: diffIds[index],
    mediaType: blob.mediaType,
    size: blob.size,
    step: layerSteps[index] ?? EMPTY_STEP,
    emptyStepsBefore: stepsBefore[index],
  }));
  return {
    name: identity.name,
    id: identity.id,
    platform: platformString(config),
    created: config.created ?? '',
    layers,
    emptyStepsAfter: after,
    runtimeConfig: config.config === undefined || config.config === null ? '' : JSON.stringify(config.config),
  };
}

/** Tells whether `wanted` names an image: one of its names, its id, or its id's hex (or a prefix of ≥ 12 hex digits). */
export function namesImage(wanted: string, names: readonly string[], id: string): boolean {
  if (names.includes(wanted) || wanted === id) return true;
  const hex = id.replace(/^sha(256|512):/, '');
  const bare = wanted.replace(/^sha(256|512):/, '');
  return hex !== '' && bare.length >= 12 && /^[a-f0-9]+$/.test(bare) && hex.startsWith(bare);
}
