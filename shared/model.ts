// Plain, immutable shapes shared by the engine, the CLI, the server and the renderer.
// This module imports nothing and holds no logic beyond constants.

/** The kinds of entry a layer tar can hold, after normalisation. */
export type EntryType = 'file' | 'dir' | 'hardlink' | 'symlink' | 'char' | 'block' | 'fifo' | 'sparse';

/** One entry of a layer (or of a merged filesystem), as the CLI's `ls --json` prints it. */
export interface LayerEntry {
  /** Absolute, normalised path: `/usr/bin/env`; the root directory itself is `/`. */
  readonly path: string;
  readonly type: EntryType;
  /** Content size in bytes (regular and sparse files; 0 for everything else). */
  readonly size: number;
  /** Permission bits only (`mode & 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
  /** Symlink target as written; hard link target as a normalised absolute path; '' otherwise. */
  readonly linkname: string;
  /** `sha256:<hex>` of a regular or sparse file's content; '' for every other type. */
  readonly digest: string;
}

/** Just the LayerEntry fields of an entry that carries more (a diff's or a merge's tags), in their documented order. */
export function plainEntry(e: LayerEntry): LayerEntry {
  return { path: e.path, type: e.type, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkname: e.linkname, digest: e.digest };
}

/** Codes of the non-fatal problems found while indexing a layer. */
export type LayerWarningCode =
  | 'unsafe-path' // `..` component or NUL byte: kept out of the tree
  | 'missing-end-of-archive' // stream ended at an entry boundary without the two zero blocks
  | 'duplicate-path' // the same path appears twice in one layer; the last one wins
  | 'unsupported-entry' // an entry type the engine does not model; skipped
  | 'whiteout-in-base' // a whiteout in the first layer deletes nothing
  | 'bad-header-field'; // a PAX record or numeric field was malformed; a default was used

/** A non-fatal problem found while indexing a layer, naming the entry and its byte offset. */
export interface LayerWarning {
  readonly code: LayerWarningCode;
  readonly message: string;
  /** The entry's name as written in the tar (untrusted text). */
  readonly entry?: string;
  /** Byte offset of the entry's header in the uncompressed tar stream. */
  readonly offset?: number;
}

/** Compression formats the engine detects by magic bytes. */
export type Compression = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

/** Everything the engine knows about one layer's tar, cached on disk by content digest. */
export interface LayerIndex {
  /** `sha256:` of the uncompressed tar stream. */
  readonly diffId: string;
  readonly compression: Compression;
  /** Bytes of the blob as stored (compressed). */
  readonly compressedSize: number;
  /** Bytes of the uncompressed tar stream. */
  readonly uncompressedSize: number;
  /** The layer's entries in tar order, whiteouts excluded; a path appears at most once (last wins). */
  readonly entries: readonly LayerEntry[];
  /** Paths this layer deletes from lower layers (`/a/.wh.b` → `/a/b`). */
  readonly whiteouts: readonly string[];
  /** Directories whose lower-layer children this layer hides (`.wh..wh..opq`). */
  readonly opaqueDirs: readonly string[];
  readonly warnings: readonly LayerWarning[];
  /**
   * Set when the index came from a table of contents fetched with Range requests (eStargz,
   * zstd:chunked) instead of reading the whole blob; `uncompressedSize` is then an estimate.
   */
  readonly lazy?: { readonly format: 'estargz' | 'zstd-chunked'; readonly bytesFetched: number };
}

/** Aspects in which a changed path differs from what the lower layers had. */
export type ChangeAspect = 'content' | 'type' | 'mode' | 'owner' | 'mtime' | 'link';

/** A path a layer writes again over a lower layer's copy. */
export interface ChangedEntry extends LayerEntry {
  /** What differs; empty when the entry was re-emitted unchanged (e.g. a parent directory). */
  readonly what: readonly ChangeAspect[];
  /** The lower layer's copy that this entry replaces. */
  readonly previous: LayerEntry;
  /** Index of the layer that last wrote `previous`. */
  readonly previousLayer: number;
}

/** A path a layer deletes: the entry as the layer that last wrote it left it. */
export interface DeletedEntry extends LayerEntry {
  /** Index of the layer that last wrote this path. */
  readonly layer: number;
}

/** What one layer did to the union of the layers below it. */
export interface LayerDiff {
  readonly created: readonly LayerEntry[];
  readonly changed: readonly ChangedEntry[];
  readonly deleted: readonly DeletedEntry[];
}

/** A path of the merged filesystem, tagged with the layer that last wrote it. */
export interface MergedEntry extends LayerEntry {
  readonly layer: number;
}

/** One step of the image config's `history`. */
export interface HistoryStep {
  readonly createdBy: string;
  /** RFC 3339 timestamp, or '' when absent. */
  readonly created: string;
  readonly comment: string;
  /** True for steps that made no layer (ENV, LABEL, CMD…). */
  readonly emptyLayer: boolean;
}

/** A layer as a store describes it, before indexing. */
export interface LayerDescriptor {
  /** 0 = base. */
  readonly index: number;
  /** Digest of the blob as stored (`sha256:…`); for loose or legacy layers the digest of the file. */
  readonly digest: string;
  /** `sha256:` of the uncompressed tar from the config's `rootfs.diff_ids`, or '' when unknown. */
  readonly diffId: string;
  readonly mediaType: string;
  /** Size of the blob as stored, in bytes. */
  readonly size: number;
  /** The history step that made this layer (empty strings when the image has no history). */
  readonly step: HistoryStep;
  /** Empty-layer history steps that came after the previous layer and before this one. */
  readonly emptyStepsBefore: readonly HistoryStep[];
}

/** An image as a store describes it, before indexing. */
export interface ImageDescriptor {
  /** How the user names it: a tag (`repo:tag`), an id or a digest. */
  readonly name: string;
  /** Config digest (image id) or '' when the format has none (loose tarballs). */
  readonly id: string;
  readonly platform: string;
  readonly created: string;
  readonly layers: readonly LayerDescriptor[];
  /** Empty-layer history steps after the top layer. */
  readonly emptyStepsAfter: readonly HistoryStep[];
  /** The config's `config` section as JSON text (Env, Cmd, Entrypoint…), or '' when none. */
  readonly runtimeConfig: string;
}

/** Counts of what one layer did, as the ancestry chain shows them. */
export interface LayerCounts {
  readonly entries: number;
  readonly created: number;
  readonly changed: number;
  readonly deleted: number;
}

/** One row of the ancestry chain (`strata inspect --json` → `{"layers":[…]}`). */
export interface LayerSummary extends LayerDescriptor {
  readonly uncompressedSize: number;
  readonly compression: Compression;
  readonly counts: LayerCounts;
  readonly warnings: readonly LayerWarning[];
  /** Set when the layer was listed from its TOC with Range requests (see `LayerIndex.lazy`). */
  readonly lazy?: LayerIndex['lazy'];
}

/** One image inside a source (a `docker save` archive can hold several; an index several platforms). */
export interface ImageChoice {
  readonly name: string;
  readonly id: string;
  /** `os/arch[/variant]`, or '' when unknown. */
  readonly platform: string;
}

/** The kinds of source the engine can open. */
export type SourceKind =
  | 'docker-archive'
  | 'oci-layout'
  | 'oci-archive'
  | 'registry-v1'
  | 'layer-tarballs'
  | 'registry'
  | 'docker-engine';

/** Progress of indexing one layer. */
export interface LayerProgress {
  readonly layer: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly state: 'queued' | 'reading' | 'cached' | 'done' | 'failed' | 'cancelled';
}

/** Version of the index format and diff semantics; part of every cache key. */
export const ENGINE_VERSION = 1;
