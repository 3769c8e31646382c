// The one interface every image source implements (go-containerregistry's Image/Layer shape).
// Backends live one per file beside this one; `detect.ts` picks a backend by sniffing the path.
import type { Readable } from 'node:stream';
import type { ImageChoice, ImageDescriptor, LayerDescriptor, LayerIndex, SourceKind } from '../../shared/model';

/** A byte range of a local file holding a layer blob, so workers can read it themselves. */
export interface FileRange {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/** One layer blob of an image: a descriptor plus a way to read its (possibly compressed) bytes. */
export interface Layer {
  readonly descriptor: LayerDescriptor;
  /** Human name for errors: the file, and the member inside an archive (`image.tar!blobs/sha256/ab12…`). */
  readonly name: string;
  /** Set when the blob is a byte range of a local file; indexing then reads it directly. */
  readonly file?: FileRange;
  /**
   * A fresh stream of the blob's bytes as stored (compressed or not); aborting the signal destroys it. Chunks
   * in `ownedChunks` are the reader's to keep or transfer.
   */
  open(signal?: AbortSignal): Promise<Readable>;
  /** True when `open()`'s stream checks the blob's size and digest itself (failing with 'digest-mismatch'), so indexing need not hash it again. */
  readonly verifiedStream?: boolean;
  /** True when `open()` asks a server for the blob: the pool then opens it ahead, while the layer waits for a worker. */
  readonly remote?: boolean;
  /**
   * The layer's index obtained without reading the blob through `open()`: from a lazily fetched TOC
   * (eStargz, zstd:chunked; such indexes carry `lazy`) or computed while an engine export streamed past.
   * Resolves to null when there is none; indexing then reads the blob.
   */
  lazyIndex?(signal?: AbortSignal): Promise<LayerIndex | null>;
}

/** An image: its descriptor (config, history) and its layers, base first. */
export interface Image {
  readonly descriptor: ImageDescriptor;
  readonly layers: readonly Layer[];
}

/** Options for choosing one image inside a store. */
export interface OpenImageOptions {
  /** Name or id as listed by `list()`; default: the only image, or the first one. */
  readonly image?: string;
  /** `os/arch[/variant]` for multi-platform indexes; default: the host's platform. */
  readonly platform?: string;
  /** The layers about to be read: a remote store requests the first of them while it reads the config. */
  readonly prefetch?: PrefetchPlan;
}

/** Which layer blobs an analysis reads first: at most `layers` of them, base first, among those `needed`. */
export interface PrefetchPlan {
  readonly layers: number;
  /** False for a blob the reader will not need (its index is cached). */
  needed(digest: string): Promise<boolean>;
}

/** A source of images: an archive, a directory, a set of loose layer files, a registry, an engine. */
export interface ImageStore {
  readonly kind: SourceKind;
  /** What the user opened (a path, a reference…), for messages. */
  readonly location: string;
  /** The images (and, for indexes, platforms) this store holds. */
  list(): Promise<readonly ImageChoice[]>;
  /** Opens one image; throws a `StrataError` naming the file when it is missing or malformed. */
  openImage(options?: OpenImageOptions): Promise<Image>;
  /** Releases file handles and connections. */
  close(): Promise<void>;
}
