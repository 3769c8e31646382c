// Shapes of the bloat analysis: where an image's bytes went, what a squash or a dedup would save, and
// dive-compatible figures. Plain readonly data, produced by main/bloat and shown by the CLI, the HTML
// report and the renderer's Bloat view.
import type { ChangeAspect, EntryType } from './model';

/** How many rows each list of a report keeps (the counts say how many there were in all). */
export const BLOAT_LIMITS = {
  wastedItems: 500,
  duplicateGroups: 200,
  duplicateOccurrences: 20,
  largestFiles: 100,
  largestDirectories: 100,
  topAddedPerLayer: 10,
  diveInefficiencies: 200,
} as const;

/** A layer as a row of a report names it: index and the build step that made it. */
export interface BloatLayerRef {
  readonly layer: number;
  /** The history step's `created_by`, trimmed of shell noise ('' when the image has no history). */
  readonly step: string;
}

/** How a lower copy was lost: written over, or deleted (by a whiteout, an opaque directory, or a file over its directory). */
export type WasteCause = 'overwritten' | 'deleted' | 'opaque-dir' | 'replaced-dir';

/** One copy of file content that a later layer made unreachable: bytes a squash would save. */
export interface WastedItem {
  readonly path: string;
  /** Bytes of the lost copy. */
  readonly size: number;
  readonly digest: string;
  /** The layer that wrote the lost copy. */
  readonly written: BloatLayerRef;
  /** The layer that overwrote or deleted it. */
  readonly lost: BloatLayerRef;
  readonly cause: WasteCause;
  /** The path whose whiteout, opaque marker or replacement removed this one ('' for `overwritten`). */
  readonly via: string;
  /** The replacing copy has the same content (same sha256): pure duplication. */
  readonly identical: boolean;
  /** Identical content rewritten only to change mode, owner or mtime (a chmod/chown step): avoidable. */
  readonly metadataOnly: boolean;
  /** For `overwritten`: what differs between the lost copy and the one replacing it. */
  readonly what: readonly ChangeAspect[];
  /** Other names of the same content in the writing layer (hard links), lost with it. */
  readonly links: readonly string[];
}

/** One place a duplicated piece of content is stored. */
export interface DuplicateOccurrence {
  readonly path: string;
  readonly layer: number;
  /** Still visible in the final filesystem (not overwritten or deleted later). */
  readonly visible: boolean;
}

/** Identical content (same sha256) stored more than once across the image's layers. */
export interface DuplicateGroup {
  readonly digest: string;
  /** Size of one copy. */
  readonly size: number;
  /** Stored copies (hard links of one copy count once). */
  readonly copies: number;
  /** `size × (copies − 1)`: what storing it once would save. */
  readonly savableBytes: number;
  /** The first `BLOAT_LIMITS.duplicateOccurrences` occurrences, base layer first. */
  readonly occurrences: readonly DuplicateOccurrence[];
}

/** A file of the merged (final) filesystem, or one a layer added. */
export interface BloatFile {
  readonly path: string;
  readonly size: number;
  readonly type: EntryType;
  /** The layer that last wrote it. */
  readonly layer: number;
  /** Still visible in the final filesystem. */
  readonly visible: boolean;
}

/** A directory of the merged filesystem with the bytes of every file below it. */
export interface BloatDirectory {
  readonly path: string;
  readonly size: number;
  readonly files: number;
}

/** Sizes and waste of one layer. */
export interface LayerBloat extends BloatLayerRef {
  /** Bytes of the uncompressed tar stream. */
  readonly tarBytes: number;
  /** Bytes of the blob as stored. */
  readonly compressedBytes: number;
  /** Summed content sizes of the layer's entries (what dive calls the layer size). */
  readonly contentBytes: number;
  /** Regular (and sparse) files the layer writes. */
  readonly files: number;
  /** Bytes this layer wrote that later layers overwrote or deleted. */
  readonly wastedBytes: number;
  /** Bytes of lower layers that this layer overwrote or deleted. */
  readonly discardedBytes: number;
  /** The largest files this layer wrote. */
  readonly topAdded: readonly BloatFile[];
}

/** Totals of the whole image. */
export interface BloatTotals {
  readonly layers: number;
  readonly tarBytes: number;
  readonly compressedBytes: number;
  /** Summed content sizes over every layer. */
  readonly contentBytes: number;
  /** Content bytes still visible in the final filesystem (hard-linked content once). */
  readonly visibleBytes: number;
  /** Regular files in the final filesystem. */
  readonly files: number;
  /** Bytes of every lost copy (N−1 per path): what squashing the image would save. */
  readonly wastedBytes: number;
  /** `wastedBytes / contentBytes` as a fraction (0 when the image has no content). */
  readonly wastedFraction: number;
  /** Part of `wastedBytes` lost to rewrites of identical content that changed only mode/owner/mtime. */
  readonly metadataOnlyBytes: number;
  /** Part of `wastedBytes` lost to rewrites of identical content. */
  readonly identicalBytes: number;
  readonly wastedItems: number;
  /** Bytes that storing every duplicated content once would save. */
  readonly duplicateBytes: number;
  readonly duplicateGroups: number;
}

/** One path dive counts as inefficient (present in two or more layers). */
export interface DiveInefficiency {
  readonly path: string;
  /** How many layers list it (dive's "Count"). */
  readonly count: number;
  /** Summed sizes of every copy, the surviving one included (dive's "Wasted Space"). */
  readonly cumulativeSize: number;
}

/** Figures computed exactly as dive 0.13 computes them (see main/bloat/README.md). */
export interface DiveFigures {
  /** dive's "image efficiency score", 0–1. */
  readonly efficiency: number;
  /** dive's "potential wasted space" (its `wastedBytes`): summed sizes of every path in 2+ layers. */
  readonly wastedBytes: number;
  /** dive's "user wasted percent" as a fraction: `wastedBytes / userSizeBytes` (0 when there are no user layers). */
  readonly userWastedPercent: number;
  /** Summed layer sizes (dive's `sizeBytes`). */
  readonly sizeBytes: number;
  /** Summed sizes of every layer but the first (dive's `userSizeBytes`). */
  readonly userSizeBytes: number;
  readonly inefficiencyCount: number;
  /** Largest first; the first `BLOAT_LIMITS.diveInefficiencies`. */
  readonly inefficiencies: readonly DiveInefficiency[];
}

/** Everything the bloat analysis found in one image. */
export interface BloatReport {
  readonly image: { readonly name: string; readonly id: string; readonly platform: string };
  readonly totals: BloatTotals;
  readonly layers: readonly LayerBloat[];
  /** Largest first; the first `BLOAT_LIMITS.wastedItems` (count in `totals.wastedItems`). */
  readonly wasted: readonly WastedItem[];
  /** Largest saving first; the first `BLOAT_LIMITS.duplicateGroups`. */
  readonly duplicates: readonly DuplicateGroup[];
  readonly largestFiles: readonly BloatFile[];
  readonly largestDirectories: readonly BloatDirectory[];
  readonly dive: DiveFigures;
}
