// OCI image layouts, as a directory (`oci:` in skopeo) and as a tar of one (`oci-archive:`):
// index.json → (nested indexes →) manifests → config + layer blobs under `blobs/<alg>/<hex>`.
import { StrataError } from '../../shared/errors';
import type { ImageChoice } from '../../shared/model';
import { readArchiveMembers, type ArchiveMembers } from './archive-members';
import { archiveBlobSource, directoryBlobSource, readVerifiedBlob, type BlobSource } from './blob-source';
import {
  describeImage,
  isIndexDescriptor,
  isManifestDescriptor,
  namesImage,
  parseConfig,
  parseIndex,
  parseManifest,
  pickPlatform,
  platformString,
  type ContentDescriptor,
  type ImageIndex,
} from './image-config';
import { rangeLayer } from './range-layer';
import type { Image, ImageStore, Layer, OpenImageOptions } from './types';
import { blobPath } from './untrusted-paths';

const MAX_INDEX_DEPTH = 4;

/** One image manifest reachable from index.json. */
interface ManifestChoice extends ImageChoice {
  /** Every name the image answers to (full reference, `ref.name` tag). */
  readonly names: readonly string[];
  readonly manifest: ContentDescriptor;
}

/** Opens an OCI image layout directory. */
export function openOciLayout(directory: string): Promise<ImageStore> {
  return Promise.resolve(ociStore('oci-layout', directoryBlobSource(directory)));
}

/** Opens an OCI image layout packed in a tar (`members` when the caller already walked its headers). */
export async function openOciArchive(file: string, members?: ArchiveMembers): Promise<ImageStore> {
  return ociStore('oci-archive', archiveBlobSource(members ?? (await readArchiveMembers(file))));
}

function ociStore(kind: 'oci-layout' | 'oci-archive', source: BlobSource): ImageStore {
  let choices: Promise<readonly ManifestChoice[]> | undefined;
  const loadChoices = () => (choices ??= listManifests(source));
  return {
    kind,
    location: source.location,
    list: async () => (await loadChoices()).map(({ name, id, platform }) => ({ name, id, platform })),
    async openImage(options: OpenImageOptions = {}): Promise<Image> {
      const all = await loadChoices();
      const wanted = options.image;
      const named = wanted ? all.filter((c) => namesImage(wanted, c.names, c.id) || c.manifest.digest === wanted) : all;
      if (named.length === 0) {
        throw new StrataError('not-found', `${source.location}: no image named ${JSON.stringify(wanted)}.`, { file: source.location });
      }
      return loadImage(source, pickPlatform(named, options.platform, source.location));
    },
    close: async () => undefined,
  };
}

async function listManifests(source: BlobSource): Promise<readonly ManifestChoice[]> {
  const index = parseIndex(await source.readSmall('index.json'), source.location, 'index.json');
  const found: ManifestChoice[] = [];
  await collect(source, index, 'index.json', [], 0, found);
  if (found.length === 0) {
    throw new StrataError('malformed', `${source.location}: index.json lists no image manifest.`, { file: source.location, entry: 'index.json' });
  }
  return found;
}

async function collect(
  source: BlobSource,
  index: ImageIndex,
  entry: string,
  inherited: readonly string[],
  depth: number,
  found: ManifestChoice[],
): Promise<void> {
  for (const descriptor of index.manifests) {
    const names = [...imageNames(descriptor), ...inherited];
    if (isIndexDescriptor(descriptor)) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new StrataError('malformed', `${source.location}: indexes nested deeper than ${MAX_INDEX_DEPTH} at ${entry}.`, {
          file: source.location,
          entry,
        });
      }
      const nestedName = blobPath(descriptor.digest, source.location, `${entry} manifests[]`);
      const nested = parseIndex(await readVerifiedBlob(source, descriptor.digest, nestedName), source.location, nestedName);
      await collect(source, nested, nestedName, names, depth + 1, found);
    } else if (isManifestDescriptor(descriptor) && !isAttestation(descriptor)) {
      const manifestName = blobPath(descriptor.digest, source.location, `${entry} manifests[]`);
      const manifest = parseManifest(await readVerifiedBlob(source, descriptor.digest, manifestName), source.location, manifestName);
      let platform = platformString(descriptor.platform);
      if (!platform) {
        const configName = blobPath(manifest.config.digest, source.location, `${manifestName} config`);
        platform = platformString(parseConfig(await readVerifiedBlob(source, manifest.config.digest, configName), source.location, configName));
      }
      found.push({ name: names[0] ?? descriptor.digest, names, id: manifest.config.digest, platform, manifest: descriptor });
    }
  }
}

/** Names from annotations: the full reference (containerd) first, then the OCI `ref.name`. */
function imageNames(descriptor: ContentDescriptor): string[] {
  const a = descriptor.annotations ?? {};
  return [a['io.containerd.image.name'], a['org.opencontainers.image.ref.name']].filter((n): n is string => !!n);
}

/** BuildKit's provenance/SBOM manifests (`unknown/unknown`) are not images. */
function isAttestation(descriptor: ContentDescriptor): boolean {
  return descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || platformString(descriptor.platform) === 'unknown/unknown';
}

async function loadImage(source: BlobSource, choice: ManifestChoice): Promise<Image> {
  const file = source.location;
  const manifestName = blobPath(choice.manifest.digest, file, 'manifest');
  const manifest = parseManifest(await readVerifiedBlob(source, choice.manifest.digest, manifestName), file, manifestName);
  const configName = blobPath(manifest.config.digest, file, `${manifestName} config`);
  const config = parseConfig(await readVerifiedBlob(source, manifest.config.digest, configName), file, configName);
  const ranges = await Promise.all(
    manifest.layers.map(async (layer, i) => {
      const name = blobPath(layer.digest, file, `${manifestName} layers[${i}]`);
      const range = await source.range(name);
      if (range.length !== layer.size) {
        throw new StrataError('digest-mismatch', `${file}: ${name} is ${range.length} bytes, the manifest says ${layer.size}.`, { file, entry: name });
      }
      return { name, range };
    }),
  );
  const descriptor = describeImage(
    config,
    manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType ?? '', size: l.size })),
    { name: choice.name, id: manifest.config.digest },
    { file, entry: configName },
  );
  const layers: Layer[] = descriptor.layers.map((d, i) => rangeLayer(d, source.describe(ranges[i].name), ranges[i].range));
  return { descriptor, layers };
}
