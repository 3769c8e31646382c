// Writes whole images for tests (and the sample image) in every local format Strata reads: legacy and
// Docker 25 `docker save` tars, OCI layout directories and archives, multi-platform layouts, v1 registry
// directories and loose layer files. Deterministic bytes: fixed mtimes, fixed member order.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tarStream from 'tar-stream';
import type { Compression } from '../../shared/model';
import { compressBuffer } from './layer-tar';

/** One history step of a fixture image. */
export interface FixtureStep {
  readonly createdBy: string;
  readonly emptyLayer?: boolean;
  readonly created?: string;
  readonly comment?: string;
}

/** An image to write: uncompressed layer tars (base first) and config options. */
export interface FixtureImage {
  readonly layers: readonly Buffer[];
  /** One compression for every layer, or one per layer; default `none`. */
  readonly compression?: Compression | readonly Compression[];
  /** Default: one step per layer, `RUN step N`. Must hold one non-empty step per layer. */
  readonly history?: readonly FixtureStep[];
  /** `repo:tag` names; default none. */
  readonly tags?: readonly string[];
  readonly platform?: { readonly os: string; readonly architecture: string; readonly variant?: string };
  readonly created?: string;
  /** The config's `config` section (Env, Cmd…). */
  readonly runtimeConfig?: Record<string, unknown>;
}

/** A layer blob as written. */
export interface PreparedLayer {
  readonly data: Buffer;
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  readonly compression: Compression;
}

/** An image's blobs and metadata as written (what tests compare a store's answer with). */
export interface PreparedImage {
  readonly spec: FixtureImage;
  readonly layers: readonly PreparedLayer[];
  readonly config: Buffer;
  readonly configDigest: string;
  readonly manifest: Buffer;
  readonly manifestDigest: string;
  readonly platform: string;
  readonly history: readonly FixtureStep[];
}

/** What a writer wrote: the path it made and the images inside. */
export interface WrittenImages {
  readonly path: string;
  readonly images: readonly PreparedImage[];
}

/** One member of a hand-made tar (for hostile-archive tests). */
export interface TarMember {
  readonly name: string;
  readonly data?: Buffer | string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link';
  readonly linkname?: string;
}

const MTIME = new Date(1_700_000_000_000);
const CREATED = '2023-11-14T22:13:20Z';

/** sha256 of bytes as `sha256:<hex>`. */
export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function hex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

function mediaTypeOf(compression: Compression): string {
  const base = 'application/vnd.oci.image.layer.v1.tar';
  return compression === 'gzip' ? `${base}+gzip` : compression === 'zstd' ? `${base}+zstd` : compression === 'none' ? base : `${base}+${compression}`;
}

/** Compresses the layers and builds the config and the OCI manifest of an image. */
export async function prepareImage(spec: FixtureImage): Promise<PreparedImage> {
  const compressions = spec.layers.map((_, i) => (typeof spec.compression === 'string' ? spec.compression : (spec.compression?.[i] ?? 'none')));
  const layers = await Promise.all(
    spec.layers.map(async (tar, i) => {
      const data = await compressBuffer(tar, compressions[i]);
      return { data, digest: sha256(data), diffId: sha256(tar), mediaType: mediaTypeOf(compressions[i]), compression: compressions[i] };
    }),
  );
  const history: readonly FixtureStep[] = spec.history ?? spec.layers.map((_, i) => ({ createdBy: `RUN step ${i}` }));
  const p = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = Buffer.from(
    JSON.stringify({
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      created: spec.created ?? CREATED,
      config: spec.runtimeConfig ?? { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: history.map((h) => ({
        created: h.created ?? spec.created ?? CREATED,
        created_by: h.createdBy,
        ...(h.comment ? { comment: h.comment } : {}),
        ...(h.emptyLayer ? { empty_layer: true } : {}),
      })),
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.data.length })),
    }),
  );
  return {
    spec,
    layers,
    config,
    configDigest,
    manifest,
    manifestDigest: sha256(manifest),
    platform: [p.os, p.architecture, p.variant].filter(Boolean).join('/'),
    history,
  };
}

/** Writes members to a tar file (parent directories created), in order. */
export async function writeTarArchive(dest: string, members: readonly TarMember[]): Promise<string> {
  await mkdir(path.dirname(dest), { recursive: true });
  const pack = tarStream.pack();
  const written = pipeline(pack, createWriteStream(dest));
  for (const m of members) {
    const type = m.type ?? 'file';
    const body = type === 'file' ? Buffer.from(m.data ?? '') : undefined;
    const header = { name: m.name, type, mode: type === 'directory' ? 0o755 : 0o644, mtime: MTIME, uid: 0, gid: 0, size: body?.length ?? 0, ...(m.linkname !== undefined ? { linkname: m.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body) pack.entry(header, body, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await written;
  return dest;
}

async function writeDirectory(dir: string, members: readonly TarMember[]): Promise<string> {
  for (const m of members) {
    if (m.type === 'directory') await mkdir(path.join(dir, m.name), { recursive: true });
    else {
      await mkdir(path.dirname(path.join(dir, m.name)), { recursive: true });
      await writeFile(path.join(dir, m.name), m.data ?? '');
    }
  }
  return dir;
}

function indexEntry(image: PreparedImage, withPlatform: boolean): Record<string, unknown> {
  const tag = image.spec.tags?.[0];
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: image.manifestDigest,
    size: image.manifest.length,
    ...(tag ? { annotations: { 'io.containerd.image.name': tag, 'org.opencontainers.image.ref.name': tag.slice(tag.lastIndexOf(':') + 1) } } : {}),
    ...(withPlatform ? { platform: platformObject(image) } : {}),
  };
}

function platformObject(image: PreparedImage): Record<string, string> {
  const p = image.spec.platform ?? { os: 'linux', architecture: 'amd64' };
  return { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
}

function blobMembers(images: readonly PreparedImage[]): TarMember[] {
  const blobs = new Map<string, Buffer>();
  for (const image of images) {
    for (const l of image.layers) blobs.set(l.digest, l.data);
    blobs.set(image.configDigest, image.config);
    blobs.set(image.manifestDigest, image.manifest);
  }
  const sorted = [...blobs].sort(([a], [b]) => a.localeCompare(b));
  return [{ name: 'blobs', type: 'directory' }, { name: 'blobs/sha256', type: 'directory' }, ...sorted.map(([d, data]) => ({ name: `blobs/sha256/${hex(d)}`, data }))];
}

const OCI_LAYOUT: TarMember = { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' };

function ociLayoutMembers(images: readonly PreparedImage[]): TarMember[] {
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: images.map((i) => indexEntry(i, false)) };
  return [...blobMembers(images), { name: 'index.json', data: JSON.stringify(index) }, OCI_LAYOUT];
}

function repositoriesFile(images: readonly PreparedImage[], idOf: (image: PreparedImage) => string): string {
  const repos: Record<string, Record<string, string>> = {};
  for (const image of images) {
    for (const tag of image.spec.tags ?? []) {
      const at = tag.lastIndexOf(':');
      (repos[tag.slice(0, at)] ??= {})[tag.slice(at + 1)] = idOf(image);
    }
  }
  return JSON.stringify(repos);
}

/** The v1 ids `docker save` gives layer directories: a chain hash of the diff ids. */
function v1Ids(image: PreparedImage): string[] {
  const ids: string[] = [];
  for (const l of image.layers) ids.push(hex(sha256(`${ids[ids.length - 1] ?? ''}\n${l.diffId}\n${image.configDigest}`)));
  return ids;
}

/** Writes a legacy `docker save` tar: `<id>/{VERSION,json,layer.tar}`, `<config>.json`, manifest.json, repositories. */
export async function writeLegacyDockerArchive(dest: string, specs: readonly FixtureImage[]): Promise<WrittenImages> {
  const images = await Promise.all(specs.map(prepareImage));
  const members: TarMember[] = [];
  const manifest = [];
  for (const image of images) {
    const ids = v1Ids(image);
    image.layers.forEach((l, i) => {
      const json = { id: ids[i], ...(i > 0 ? { parent: ids[i - 1] } : {}), created: CREATED, container_config: { Cmd: null }, os: 'linux' };
      members.push(
        { name: `${ids[i]}/`, type: 'directory' },
        { name: `${ids[i]}/VERSION`, data: '1.0' },
        { name: `${ids[i]}/json`, data: JSON.stringify(json) },
        { name: `${ids[i]}/layer.tar`, data: l.data },
      );
    });
    members.push({ name: `${hex(image.configDigest)}.json`, data: image.config });
    manifest.push({ Config: `${hex(image.configDigest)}.json`, RepoTags: image.spec.tags ?? null, Layers: ids.map((id) => `${id}/layer.tar`) });
  }
  members.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  members.push({ name: 'repositories', data: repositoriesFile(images, (image) => v1Ids(image).at(-1) ?? '') });
  return { path: await writeTarArchive(dest, members), images };
}

/** Writes a Docker 25+ `docker save` tar: an OCI layout (`blobs/sha256/…`, index.json, oci-layout) plus manifest.json. */
export async function writeDockerOciArchive(dest: string, specs: readonly FixtureImage[]): Promise<WrittenImages> {
  const images = await Promise.all(specs.map(prepareImage));
  const manifest = images.map((image) => ({
    Config: `blobs/sha256/${hex(image.configDigest)}`,
    RepoTags: image.spec.tags ?? null,
    Layers: image.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
  }));
  const members = [
    ...ociLayoutMembers(images),
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'repositories', data: repositoriesFile(images, (image) => hex(image.configDigest)) },
  ];
  return { path: await writeTarArchive(dest, members), images };
}

/** Writes an OCI image layout directory. */
export async function writeOciLayout(dir: string, specs: readonly FixtureImage[]): Promise<WrittenImages> {
  const images = await Promise.all(specs.map(prepareImage));
  return { path: await writeDirectory(dir, ociLayoutMembers(images)), images };
}

/** Writes an OCI image layout as a tar (`oci-archive`). */
export async function writeOciArchive(dest: string, specs: readonly FixtureImage[]): Promise<WrittenImages> {
  const images = await Promise.all(specs.map(prepareImage));
  return { path: await writeTarArchive(dest, ociLayoutMembers(images)), images };
}

/**
 * Writes a multi-platform OCI layout: index.json → one nested image index (tagged `tag`) → one manifest per
 * image (each with its platform), plus a BuildKit-style attestation manifest that is not an image.
 */
export async function writeMultiPlatformOciLayout(dir: string, tag: string, specs: readonly FixtureImage[]): Promise<WrittenImages> {
  const images = await Promise.all(specs.map(prepareImage));
  const attestation = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 }, layers: [] }));
  const nested = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        ...images.map((i) => indexEntry(i, true)),
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256(attestation),
          size: attestation.length,
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': images[0].manifestDigest },
          platform: { os: 'unknown', architecture: 'unknown' },
        },
      ],
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: sha256(nested),
        size: nested.length,
        annotations: { 'io.containerd.image.name': tag, 'org.opencontainers.image.ref.name': tag.slice(tag.lastIndexOf(':') + 1) },
      },
    ],
  };
  const members = [
    ...blobMembers(images),
    { name: `blobs/sha256/${hex(sha256(nested))}`, data: nested },
    { name: `blobs/sha256/${hex(sha256(attestation))}`, data: attestation },
    { name: `blobs/sha256/${hex(sha256('{}'))}`, data: '{}' },
    { name: 'index.json', data: JSON.stringify(index) },
    OCI_LAYOUT,
  ];
  return { path: await writeDirectory(dir, members), images };
}

/** Options of the v1 registry writer. */
export interface RegistryV1Options {
  /** Write `images/<id>/ancestry` files (default true); without them the `parent` chain is the ancestry. */
  readonly ancestry?: boolean;
}

/** The v1 image ids a registry-v1 fixture gives an image's layers, base first. */
export function registryV1Ids(image: PreparedImage): string[] {
  return v1Ids(image);
}

/**
 * Writes a docker-registry v1 storage directory: `images/<id>/{json,layer,ancestry}` per layer and
 * `repositories/<ns>/<repo>/tag_<tag>` per tag (`library` when the repo has no namespace). Each v1
 * json's `container_config.Cmd` is `["/bin/sh","-c",step]`, `step` being the layer's history step without its own `/bin/sh -c `.
 */
export async function writeRegistryV1(dir: string, specs: readonly FixtureImage[], options: RegistryV1Options = {}): Promise<WrittenImages> {
  const images = await Promise.all(specs.map(prepareImage));
  const members: TarMember[] = [];
  for (const image of images) {
    const ids = v1Ids(image);
    const steps = image.history.filter((h) => !h.emptyLayer);
    const p = image.spec.platform ?? { os: 'linux', architecture: 'amd64' };
    image.layers.forEach((l, i) => {
      const json = {
        id: ids[i],
        ...(i > 0 ? { parent: ids[i - 1] } : {}),
        created: steps[i]?.created ?? CREATED,
        container_config: { Cmd: ['/bin/sh', '-c', (steps[i]?.createdBy ?? '').replace(/^\/bin\/sh -c /, '')] },
        ...(i === ids.length - 1 ? { config: image.spec.runtimeConfig ?? { Cmd: ['sh'] } } : {}),
        os: p.os,
        architecture: p.architecture,
      };
      members.push({ name: `images/${ids[i]}/json`, data: JSON.stringify(json) }, { name: `images/${ids[i]}/layer`, data: l.data });
      if (options.ancestry ?? true) members.push({ name: `images/${ids[i]}/ancestry`, data: JSON.stringify(ids.slice(0, i + 1).reverse()) });
    });
    for (const tag of image.spec.tags ?? []) {
      const at = tag.lastIndexOf(':');
      const repo = tag.slice(0, at);
      const [ns, name] = repo.includes('/') ? [repo.slice(0, repo.indexOf('/')), repo.slice(repo.indexOf('/') + 1)] : ['library', repo];
      members.push({ name: `repositories/${ns}/${name}/tag_${tag.slice(at + 1)}`, data: ids[ids.length - 1] });
    }
  }
  await mkdir(path.join(dir, 'repositories'), { recursive: true });
  return { path: await writeDirectory(dir, members), images };
}

/** Writes each layer of one image as a loose file (`layer-N.tar[.gz|.zst|.xz|.bz2]`), base first; returns their paths. */
export async function writeLooseLayers(dir: string, spec: FixtureImage): Promise<{ readonly paths: readonly string[]; readonly image: PreparedImage }> {
  const image = await prepareImage(spec);
  const suffix: Record<Compression, string> = { none: '', gzip: '.gz', zstd: '.zst', xz: '.xz', bzip2: '.bz2' };
  await mkdir(dir, { recursive: true });
  const paths = await Promise.all(
    image.layers.map(async (l, i) => {
      const file = path.join(dir, `layer-${i}.tar${suffix[l.compression]}`);
      await writeFile(file, l.data);
      return file;
    }),
  );
  return { paths, image };
}
