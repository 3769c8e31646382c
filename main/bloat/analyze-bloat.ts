// The bloat analysis of one image: pure, over the layer indexes (and their diffs when the caller has
// them already, as the analysis service does).
import { BLOAT_LIMITS, type BloatReport, type LayerBloat } from '../../shared/bloat';
import { trimBuildStep } from '../../shared/format';
import type { ImageDescriptor, LayerDiff, LayerIndex } from '../../shared/model';
import { diffLayers } from '../layers/layer-diff';
import { runToEnd } from '../layers/step-budget';
import { forEachVisibleInSteps, traceContentCopiesInSteps, wastedItems, type TracedCopies } from './content-copies';
import { diveFiguresInSteps } from './dive-efficiency';
import { findDuplicatesInSteps } from './duplicates';
import { layerAdditionsInSteps, summarizeVisibleInSteps } from './largest-items';
import type { SizedFile } from './size-tree';

/** Analyses where an image's bytes went: totals, wasted copies, duplicates, largest items, dive's figures. */
export function analyzeBloat(
  image: ImageDescriptor,
  indexes: readonly LayerIndex[],
  diffs: readonly LayerDiff[] = diffLayers(indexes),
): BloatReport {
  return runToEnd(analyzeBloatInSteps(image, indexes, diffs));
}

/**
 * `analyzeBloat` as a stepped computation (see step-budget.ts): about 1.6 s for a 1M-entry image, which the
 * main process runs a step per event-loop turn.
 */
export function* analyzeBloatInSteps(image: ImageDescriptor, indexes: readonly LayerIndex[], diffs: readonly LayerDiff[]): Generator<void, BloatReport> {
  const steps = stepsOf(image, indexes);
  return yield* reportInSteps(image, indexes, diffs, steps, yield* traceContentCopiesInSteps(indexes, diffs, steps));
}

/**
 * The bloat report and, from the same trace, the files holding the final filesystem's content for the
 * treemap: hard-linked content once, under a visible name — also when only a hard link kept it (the
 * merged filesystem shows such a link with size 0).
 */
export function analyzeBloatWithFiles(image: ImageDescriptor, indexes: readonly LayerIndex[], diffs: readonly LayerDiff[]): { report: BloatReport; files: SizedFile[] } {
  return runToEnd(withFilesInSteps(image, indexes, diffs));
}

function* withFilesInSteps(
  image: ImageDescriptor,
  indexes: readonly LayerIndex[],
  diffs: readonly LayerDiff[],
): Generator<void, { report: BloatReport; files: SizedFile[] }> {
  const steps = stepsOf(image, indexes);
  const traced = yield* traceContentCopiesInSteps(indexes, diffs, steps);
  const files: SizedFile[] = [];
  yield* forEachVisibleInSteps(traced, (path, entry, layer) => files.push({ path, size: entry.size, layer }));
  return { report: yield* reportInSteps(image, indexes, diffs, steps, traced), files };
}

function stepsOf(image: ImageDescriptor, indexes: readonly LayerIndex[]): string[] {
  return indexes.map((_, i) => trimBuildStep(image.layers[i]?.step.createdBy ?? ''));
}

function* reportInSteps(
  image: ImageDescriptor,
  indexes: readonly LayerIndex[],
  diffs: readonly LayerDiff[],
  steps: readonly string[],
  traced: TracedCopies,
): Generator<void, BloatReport> {
  const wasted = wastedItems(traced);
  yield;
  const duplicates = yield* findDuplicatesInSteps(traced);
  const added = yield* layerAdditionsInSteps(traced);
  const visible = yield* summarizeVisibleInSteps(traced);
  const dive = yield* diveFiguresInSteps(indexes, diffs, added.map((a) => a.contentBytes));

  const wastedBy = new Array<number>(indexes.length).fill(0);
  const discardedBy = new Array<number>(indexes.length).fill(0);
  let metadataOnlyBytes = 0;
  let identicalBytes = 0;
  for (const item of wasted) {
    wastedBy[item.written.layer] += item.size;
    discardedBy[item.lost.layer] += item.size;
    if (item.identical) identicalBytes += item.size;
    if (item.metadataOnly) metadataOnlyBytes += item.size;
  }
  const layers: LayerBloat[] = indexes.map((index, i) => ({
    layer: i,
    step: steps[i],
    tarBytes: index.uncompressedSize,
    compressedBytes: image.layers[i]?.size || index.compressedSize,
    contentBytes: added[i].contentBytes,
    files: added[i].files,
    wastedBytes: wastedBy[i],
    discardedBytes: discardedBy[i],
    topAdded: added[i].topAdded,
  }));
  const sum = (pick: (l: LayerBloat) => number) => layers.reduce((s, l) => s + pick(l), 0);
  const contentBytes = sum((l) => l.contentBytes);
  const wastedBytes = sum((l) => l.wastedBytes);
  return {
    image: { name: image.name, id: image.id, platform: image.platform },
    totals: {
      layers: layers.length,
      tarBytes: sum((l) => l.tarBytes),
      compressedBytes: sum((l) => l.compressedBytes),
      contentBytes,
      visibleBytes: visible.bytes,
      files: visible.files,
      wastedBytes,
      wastedFraction: contentBytes === 0 ? 0 : wastedBytes / contentBytes,
      metadataOnlyBytes,
      identicalBytes,
      wastedItems: wasted.length,
      duplicateBytes: duplicates.reduce((s, g) => s + g.savableBytes, 0),
      duplicateGroups: duplicates.length,
    },
    layers,
    wasted: wasted.slice(0, BLOAT_LIMITS.wastedItems),
    duplicates: duplicates.slice(0, BLOAT_LIMITS.duplicateGroups),
    largestFiles: visible.largestFiles,
    largestDirectories: visible.largestDirectories,
    dive,
  };
}
