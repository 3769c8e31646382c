// Saves an image named by a reference to disk: an OCI layout directory or a `docker save` archive.
// Registry images keep their exact manifest, config and layer bytes (so their digests hold); Docker
// engine images are the engine's own export. Files are written under temporary names inside the
// chosen destination and renamed when complete; a failed save removes what it wrote.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tarStream from 'tar-stream';
import type { SaveFormat } from '../../shared/api';
import { StrataError } from '../../shared/errors';
import { familiarName, parseImageReference } from '../registry/image-reference';
import { DockerEngineClient, resolveEngineEndpoint } from '../registry/docker-engine-client';
import { registryClient, type ReferenceStoreOptions } from './remote-store-factory';
import { RegistryStore, type SavableImage } from './registry-store';


/** Options of one save. */
export interface SaveOptions extends ReferenceStoreOptions {
  readonly format?: SaveFormat;
  readonly platform?: string;
  readonly signal?: AbortSignal;
  /** Bytes written so far and the total (0 when unknown). */
  readonly onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** The format a destination implies: `*.tar` → docker-save archive, anything else → OCI layout directory. */
export function saveFormatFor(dest: string, explicit?: string): SaveFormat {
  if (explicit === 'oci' || explicit === 'docker-archive') return explicit;
  if (explicit) throw new StrataError('usage', `Unknown save format ${JSON.stringify(explicit)}: use oci or docker-archive.`);
  return /\.tar$/i.test(dest) ? 'docker-archive' : 'oci';
}

/**
 * Checks a destination the app was given (not typed in a terminal): an absolute path whose parent
 * folder exists, naming nothing yet or (for an OCI layout) an empty folder.
 */
export async function checkSaveDestination(dest: string, format: SaveFormat): Promise<void> {
  if (!path.isAbsolute(dest) || dest.includes('\0')) {
    throw new StrataError('usage', `${JSON.stringify(dest)} is not an absolute path; give the full path of the new file or folder.`, { file: dest });
  }
  const resolved = path.resolve(dest);
  const parent = await stat(path.dirname(resolved)).catch(() => undefined);
  if (!parent?.isDirectory()) {
    throw new StrataError('not-found', `${path.dirname(resolved)} is not an existing folder; create it first or choose another place.`, { file: dest });
  }
  const existing = await stat(resolved).catch(() => undefined);
  if (!existing) return;
  if (format === 'oci' && existing.isDirectory() && (await readdir(resolved)).length === 0) return;
  throw new StrataError(
    'usage',
    format === 'oci'
      ? `${resolved} already exists and is not an empty folder; choose a new folder for the OCI layout.`
      : `${resolved} already exists; choose a new file name for the archive.`,
    { file: dest },
  );
}

/** Saves `ref` (a registry reference or `docker://NAME`) to `dest`; resolves to the format written. */
export async function saveReference(ref: string, dest: string, options: SaveOptions = {}): Promise<SaveFormat> {
  const format = options.format ?? saveFormatFor(dest);
  if (ref.startsWith('docker://')) {
    if (format !== 'docker-archive') {
      throw new StrataError('usage', 'Docker engine images are saved as a docker-save archive: give a DEST ending in .tar.');
    }
    const client = new DockerEngineClient(await resolveEngineEndpoint(options.env));
    await writeFileAtomically(dest, await client.exportImage(ref.slice('docker://'.length), options.signal), 0, options);
    return format;
  }
  const parsed = parseImageReference(ref);
  const store = new RegistryStore(registryClient(parsed.registry, options), parsed);
  const image = await store.openForSave({ platform: options.platform });
  if (!image.config) {
    throw new StrataError('unknown-format', `${store.location} is a schema1 image; it cannot be saved with its digests intact.`, { file: store.location });
  }
  const tag = parsed.tag || parsed.digest.slice(7, 19);
  if (format === 'oci') await writeOciLayout(dest, image, tag, options);
  else await writeDockerArchive(dest, image, familiarName({ ...parsed, digest: '' }) || store.location, options);
  return format;
}

function progress(total: number, options: SaveOptions) {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      done += chunk.length;
      options.onProgress?.(done, total);
      cb(null, chunk);
    },
  });
}

const totalSize = (image: SavableImage) =>
  image.image.layers.reduce((sum, l) => sum + Math.max(0, l.descriptor.size), 0) + image.manifest.bytes.length + (image.config?.bytes.length ?? 0);

async function writeOciLayout(dest: string, image: SavableImage, tag: string, options: SaveOptions): Promise<void> {
  const existing = await stat(dest).catch(() => undefined);
  if (existing && (!existing.isDirectory() || (await readdir(dest)).length > 0)) {
    throw new StrataError('usage', `${dest} already exists and is not an empty directory; choose a new folder for the OCI layout.`, { file: dest });
  }
  const blobs = path.join(dest, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  try {
    const total = totalSize(image);
    let before = 0;
    const track: SaveOptions = { ...options, onProgress: (d) => options.onProgress?.(before + d, total) };
    const put = async (digest: string, source: Readable | Buffer) => {
      const target = path.join(blobs, digest.slice('sha256:'.length));
      const temp = `${target}.partial-${randomBytes(4).toString('hex')}`;
      if (Buffer.isBuffer(source)) await writeFile(temp, source);
      else await pipeline(source, progress(0, track), createWriteStream(temp), { signal: options.signal });
      await rename(temp, target);
    };
    for (const layer of image.image.layers) {
      await put(layer.descriptor.digest, await layer.open(options.signal));
      before += layer.descriptor.size;
    }
    await put(image.config!.descriptor.digest, image.config!.bytes);
    await put(image.manifest.digest, image.manifest.bytes);
    options.onProgress?.(total, total);
    await writeFile(path.join(dest, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const [os, architecture, variant] = image.platform.split('/');
    const entry = {
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.bytes.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
      ...(os && architecture ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
    };
    await writeFile(path.join(dest, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] }));
  } catch (error) {
    await rm(existing ? path.join(dest, 'blobs') : dest, { recursive: true, force: true });
    throw error;
  }
}

async function writeDockerArchive(dest: string, image: SavableImage, repoTag: string, options: SaveOptions): Promise<void> {
  const pack = tarStream.pack();
  const total = totalSize(image);
  const writing = writeFileAtomically(dest, pack as unknown as Readable, total, options);
  const add = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length, mtime: new Date(0) }, data, (e) => (e ? reject(e) : resolve())));
  try {
    const blobName = (digest: string) => `blobs/sha256/${digest.slice('sha256:'.length)}`;
    await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    for (const layer of image.image.layers) {
      const source = await layer.open(options.signal);
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: blobName(layer.descriptor.digest), size: layer.descriptor.size, mtime: new Date(0) }, (e) => (e ? reject(e) : resolve()));
        source.on('error', (e) => {
          entry.destroy(e);
          reject(e);
        });
        source.pipe(entry);
      });
    }
    await add(blobName(image.config!.descriptor.digest), image.config!.bytes);
    await add(blobName(image.manifest.digest), image.manifest.bytes);
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.bytes.length, annotations: { 'io.containerd.image.name': repoTag } }],
    };
    await add('index.json', Buffer.from(JSON.stringify(index)));
    const manifest = [{ Config: blobName(image.config!.descriptor.digest), RepoTags: [repoTag], Layers: image.image.layers.map((l) => blobName(l.descriptor.digest)) }];
    await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await writing.catch(() => undefined);
    throw error;
  }
  await writing;
}

/** Streams into `dest` through a temp file beside it, renamed on success and removed on failure. */
async function writeFileAtomically(dest: string, source: Readable, total: number, options: SaveOptions): Promise<void> {
  const temp = path.join(path.dirname(dest), `.${path.basename(dest)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    await pipeline(source, progress(total, options), createWriteStream(temp, { flags: 'wx' }), { signal: options.signal });
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    if (options.signal?.aborted) throw new StrataError('cancelled', `Saving ${dest} was cancelled.`, { file: dest });
    throw error;
  }
}
