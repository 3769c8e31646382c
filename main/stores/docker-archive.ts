// `docker save` archives, read through their manifest.json: the legacy layout (`<id>/layer.tar`,
// `<id>.json`, `repositories`) and the OCI-style one Docker 25+ writes (`blobs/sha256/…`, `index.json`).
// The outer archive must be an uncompressed tar (detect.ts rejects a compressed one with a clear error);
// layers are byte ranges of it, plain, gzip or zstd as stored.
import { createHash } from 'node:crypto';
import { StrataError } from '../../shared/errors';
import type { ImageChoice } from '../../shared/model';
import { readArchiveMembers, type ArchiveMembers } from './archive-members';
import { archiveBlobSource, type BlobSource } from './blob-source';
import { describeImage, namesImage, parseConfig, parseDockerSaveManifest, pickPlatform, platformString, type ImageConfig } from './image-config';
import { layerMediaType, rangeDigest, rangeLayer, sniffRange } from './range-layer';
import type { Image, ImageStore, OpenImageOptions } from './types';
import { parseDigest, safeRelativePath } from './untrusted-paths';

/** One image of the archive: its manifest.json entry and parsed config. */
interface SavedImage extends ImageChoice {
  readonly tags: readonly string[];
  readonly configName: string;
  readonly config: ImageConfig;
  readonly layerNames: readonly string[];
}

const BLOB_NAME = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/;

/** Opens a `docker save` archive (`members` when the caller already walked its headers). */
export async function openDockerArchive(file: string, members?: ArchiveMembers): Promise<ImageStore> {
  const source = archiveBlobSource(members ?? (await readArchiveMembers(file)));
  const images = await readImages(source);
  return {
    kind: 'docker-archive',
    location: file,
    list: async () => images.map(({ name, id, platform }) => ({ name, id, platform })),
    async openImage(options: OpenImageOptions = {}): Promise<Image> {
      const wanted = options.image;
      const named = wanted ? images.filter((i) => namesImage(wanted, i.tags, i.id)) : images;
      if (named.length === 0) throw new StrataError('not-found', `${file}: no image named ${JSON.stringify(wanted)}.`, { file });
      return loadImage(source, pickPlatform(named, options.platform, file));
    },
    close: async () => undefined,
  };
}

async function readImages(source: BlobSource): Promise<readonly SavedImage[]> {
  const file = source.location;
  const manifest = parseDockerSaveManifest(await source.readSmall('manifest.json'), file, 'manifest.json');
  if (manifest.length === 0) throw new StrataError('malformed', `${file}: manifest.json lists no image.`, { file, entry: 'manifest.json' });
  return Promise.all(
    manifest.map(async (entry, i) => {
      const configName = safeRelativePath(entry.Config, file, `manifest.json [${i}].Config`);
      const layerNames = entry.Layers.map((l, j) => safeRelativePath(l, file, `manifest.json [${i}].Layers[${j}]`));
      const bytes = await source.readSmall(configName);
      const id = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      checkBlobName(configName, id, file);
      const config = parseConfig(bytes, file, configName);
      const tags = entry.RepoTags ?? [];
      return { name: tags[0] ?? id, id, platform: platformString(config), tags, configName, config, layerNames };
    }),
  );
}

/** A content-addressed name (`blobs/sha256/<hex>`) must match the content's digest. */
function checkBlobName(name: string, digest: string, file: string): void {
  const match = BLOB_NAME.exec(name);
  if (match && match[1] === 'sha256' && `sha256:${match[2]}` !== digest) {
    throw new StrataError('digest-mismatch', `${file}: ${name} is ${digest}.`, { file, entry: name });
  }
}

/**
 * The digest of a layer blob: named by its blob path (`blobs/sha256/<hex>`, checked when read); for a
 * plain tar, its diff_id (the same bytes, checked when read); otherwise hashed here, one streamed pass.
 */
async function layerDigest(name: string, plain: boolean, diffId: string | undefined, range: { path: string; offset: number; length: number }, file: string): Promise<string> {
  const match = BLOB_NAME.exec(name);
  if (match) return `${parseDigest(`${match[1]}:${match[2]}`, file, name).algorithm}:${match[2]}`;
  if (plain && diffId) return `${parseDigest(diffId, file, 'rootfs.diff_ids').algorithm}:${diffId.split(':')[1]}`;
  return rangeDigest(range);
}

async function loadImage(source: BlobSource, image: SavedImage): Promise<Image> {
  const file = source.location;
  const diffIds = image.config.rootfs?.diff_ids ?? [];
  const blobs = await Promise.all(
    image.layerNames.map(async (name, i) => {
      const range = await source.range(name);
      const compression = await sniffRange(range);
      const digest = await layerDigest(name, compression === 'none' && range.length > 0, diffIds[i], range, file);
      return { name, range, digest, mediaType: layerMediaType(compression), size: range.length };
    }),
  );
  const descriptor = describeImage(image.config, blobs, { name: image.name, id: image.id }, { file, entry: image.configName });
  return { descriptor, layers: descriptor.layers.map((d, i) => rangeLayer(d, source.describe(blobs[i].name), blobs[i].range)) };
}
