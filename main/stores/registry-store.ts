// An ImageStore over a registry reference: resolves the tag once (then fetches by digest), picks a
// platform from an index, and serves layers as verified blob streams from the registry.
import type { Readable } from 'node:stream';
import { StrataError } from '../../shared/errors';
import type { HistoryStep, ImageChoice, ImageDescriptor, LayerDescriptor } from '../../shared/model';
import { familiarName, type ImageReference } from '../registry/image-reference';
import { lazyFormatOf, lazyLayerIndex } from '../registry/lazy-toc';
import { platformEntries, type BlobDescriptor } from '../registry/manifest-document';
import type { FetchedManifest, RegistryClient } from '../registry/registry-client';
import { describeImage, parseConfig, pickPlatform, platformString, MAX_METADATA_BYTES } from './image-config';
import type { Image, ImageStore, Layer, OpenImageOptions, PrefetchPlan } from './types';

/** An image with the exact bytes of its manifest and config (null for schema1), for saving. */
export interface SavableImage {
  readonly manifest: FetchedManifest;
  readonly config: { readonly bytes: Buffer; readonly descriptor: BlobDescriptor } | null;
  readonly platform: string;
  readonly image: Image;
}

/** Options of a RegistryStore. */
export interface RegistryStoreOptions {
  /** How long a blob requested ahead (`OpenImageOptions.prefetch`) waits for its layer's open before it is dropped, in ms. */
  readonly prefetchTtlMs?: number;
}

const PREFETCH_TTL_MS = 30_000;

/** An ImageStore for one reference in one registry. */
export class RegistryStore implements ImageStore {
  readonly kind = 'registry' as const;
  readonly location: string;
  private resolved: Promise<FetchedManifest> | undefined;
  /** Config bytes by digest: `list()` and the open that follows it read the same config once. */
  private readonly configs = new Map<string, Promise<Buffer>>();
  /** Blob streams requested ahead of their layer's open, by digest, until a layer takes one. */
  private readonly early = new Map<string, Promise<Readable>>();
  /** Settles once the last prefetch has put its requests in `early`. */
  private earlyReady: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: RegistryClient,
    private readonly ref: ImageReference,
    private readonly options: RegistryStoreOptions = {},
  ) {
    this.location = familiarName(ref);
  }

  /** The manifest the reference names, fetched once: later reads go by its digest. */
  resolve(signal?: AbortSignal): Promise<FetchedManifest> {
    this.resolved ??= this.client.getManifest(this.ref.repository, this.ref.digest || this.ref.tag, signal);
    this.resolved.catch(() => (this.resolved = undefined));
    return this.resolved;
  }

  async list(): Promise<readonly ImageChoice[]> {
    const top = await this.resolve();
    const doc = top.document;
    if (doc.kind === 'index') {
      return platformEntries(doc.manifests).map((m) => ({ name: this.location, id: m.digest, platform: m.platform }));
    }
    if (doc.kind === 'schema1') return [{ name: this.location, id: top.digest, platform: doc.platform }];
    const config = await this.readConfig(doc.config);
    return [{ name: this.location, id: doc.config.digest, platform: platformString(config) }];
  }

  async openImage(options: OpenImageOptions = {}): Promise<Image> {
    return (await this.openForSave(options)).image;
  }

  /** Opens an image and keeps the exact manifest and config bytes, so it can be saved with its digests. */
  async openForSave(options: OpenImageOptions = {}): Promise<SavableImage> {
    const top = await this.resolve();
    let manifest = top;
    let platform = '';
    if (top.document.kind === 'index') {
      const entries = platformEntries(top.document.manifests);
      const byId = options.image ? entries.find((m) => m.digest === options.image) : undefined;
      const entry = byId ?? pickPlatform(entries, options.platform, this.location);
      platform = entry.platform;
      manifest = await this.client.getManifest(this.ref.repository, entry.digest, undefined, entry);
      if (manifest.document.kind === 'index') {
        throw new StrataError('malformed', `${this.location}: nested indexes are not supported.`, { file: this.location });
      }
    }
    const doc = manifest.document;
    if (doc.kind === 'schema1') {
      return { manifest, config: null, platform: doc.platform, image: this.image(schema1Descriptor(this.location, manifest.digest, doc), doc.layers) };
    }
    if (doc.kind !== 'image') throw new StrataError('malformed', `${this.location}: not an image manifest.`, { file: this.location });
    // The first layers' requests go out now, so their answers come while the config is read.
    if (options.prefetch) this.earlyReady = this.requestEarly(doc.layers, options.prefetch);
    try {
      const configBytes = await this.configBytes(doc.config);
      const config = parseConfig(configBytes, this.location, `config ${doc.config.digest}`);
      const descriptor = describeImage(
        config,
        doc.layers,
        { name: this.location, id: doc.config.digest },
        { file: this.location, entry: `config ${doc.config.digest}` },
      );
      return { manifest, config: { bytes: configBytes, descriptor: doc.config }, platform: platform || descriptor.platform, image: this.image(descriptor, doc.layers) };
    } catch (error) {
      await this.earlyReady;
      for (const blob of doc.layers) this.dropEarly(blob.digest);
      throw error;
    }
  }

  /** Drops the blobs requested ahead that no layer took. */
  async close(): Promise<void> {
    await this.earlyReady;
    for (const digest of [...this.early.keys()]) this.dropEarly(digest);
  }

  /** Requests the first `plan.layers` needed blobs (not lazily listed ones); each waits, paused, for its layer's open. */
  private async requestEarly(blobs: readonly BlobDescriptor[], plan: PrefetchPlan): Promise<void> {
    let requested = 0;
    for (const blob of blobs) {
      if (requested === plan.layers) return;
      if (blob.size <= 0 || lazyFormatOf(blob) !== null || this.early.has(blob.digest)) continue;
      if (!(await plan.needed(blob.digest).catch(() => false))) continue;
      const stream = this.client.openBlob(this.ref.repository, blob.digest, blob.size);
      stream.catch(() => undefined); // taken by the layer's open, or dropped
      this.early.set(blob.digest, stream);
      setTimeout(() => this.dropEarly(blob.digest, stream), this.options.prefetchTtlMs ?? PREFETCH_TTL_MS).unref();
      requested++;
    }
  }

  private dropEarly(digest: string, only?: Promise<Readable>): void {
    const stream = this.early.get(digest);
    if (!stream || (only && stream !== only)) return;
    this.early.delete(digest);
    void stream.then((s) => s.destroy(), () => undefined);
  }

  /** A layer blob's stream: the one requested ahead when it is still sound, else a new request. */
  private async openLayerBlob(blob: BlobDescriptor, signal?: AbortSignal): Promise<Readable> {
    await this.earlyReady;
    const early = this.early.get(blob.digest);
    if (early) {
      this.early.delete(blob.digest);
      const stream = await early.catch(() => null);
      if (stream && !stream.destroyed && !signal?.aborted) {
        signal?.addEventListener('abort', () => stream.destroy(), { once: true });
        return stream;
      }
      stream?.destroy();
    }
    return this.client.openBlob(this.ref.repository, blob.digest, blob.size, signal);
  }

  private async readConfig(config: BlobDescriptor) {
    return parseConfig(await this.configBytes(config), this.location, `config ${config.digest}`);
  }

  private configBytes(config: BlobDescriptor): Promise<Buffer> {
    let bytes = this.configs.get(config.digest);
    if (!bytes) {
      bytes = this.client.readBlob(this.ref.repository, config.digest, config.size, MAX_METADATA_BYTES);
      this.configs.set(config.digest, bytes);
      bytes.catch(() => this.configs.delete(config.digest));
    }
    return bytes;
  }

  private image(descriptor: ImageDescriptor, blobs: readonly BlobDescriptor[]): Image {
    return {
      descriptor,
      layers: descriptor.layers.map((layer, i) => this.layer(layer, blobs[i])),
    };
  }

  private layer(descriptor: LayerDescriptor, blob: BlobDescriptor): Layer {
    const { client, ref } = this;
    const name = `${ref.registry}/${ref.repository}@${blob.digest}`;
    const lazy = lazyFormatOf(blob) !== null && blob.size > 0;
    return {
      descriptor,
      name,
      open: (signal?: AbortSignal): Promise<Readable> => this.openLayerBlob(blob, signal),
      verifiedStream: true,
      remote: true,
      ...(lazy
        ? {
            lazyIndex: (signal?: AbortSignal) =>
              lazyLayerIndex(
                (start, end) => client.readBlobRange(ref.repository, blob.digest, start, end, signal),
                { size: blob.size, mediaType: blob.mediaType, annotations: blob.annotations, diffId: descriptor.diffId },
                name,
              ),
          }
        : {}),
    };
  }
}

function schema1Descriptor(
  name: string,
  digest: string,
  doc: { readonly layers: readonly BlobDescriptor[]; readonly history: readonly Record<string, unknown>[]; readonly platform: string },
): ImageDescriptor {
  const steps: HistoryStep[] = doc.history.map((h) => {
    const cmd = (h.container_config as { Cmd?: unknown } | undefined)?.Cmd;
    return {
      createdBy: Array.isArray(cmd) ? cmd.join(' ') : '',
      created: typeof h.created === 'string' ? h.created : '',
      comment: typeof h.comment === 'string' ? h.comment : '',
      emptyLayer: false,
    };
  });
  const top = doc.history[doc.history.length - 1] ?? {};
  return {
    name,
    id: digest,
    platform: doc.platform,
    created: typeof top.created === 'string' ? top.created : '',
    layers: doc.layers.map((blob, index) => ({
      index,
      digest: blob.digest,
      diffId: '',
      mediaType: blob.mediaType,
      size: blob.size,
      step: steps[index],
      emptyStepsBefore: [],
    })),
    emptyStepsAfter: [],
    runtimeConfig: top.config ? JSON.stringify(top.config) : '',
  };
}
