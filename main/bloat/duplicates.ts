// Identical content stored more than once (same sha256 at several paths or in several layers): what
// storing each piece of content once would save. Hard links are one stored copy already.
import { BLOAT_LIMITS, type DuplicateGroup, type DuplicateOccurrence } from '../../shared/bloat';
import { forEachCopyInSteps, type TracedCopies } from './content-copies';

type Group = DuplicateGroup & { copies: number; savableBytes: number; occurrences: DuplicateOccurrence[] };

/** Groups non-empty copies by digest; largest saving first (ties by digest). A stepped computation (see step-budget.ts). */
export function* findDuplicatesInSteps(traced: TracedCopies): Generator<void, DuplicateGroup[]> {
  // A digest seen once maps to a small number: where its copy sits in the `first…` columns (no object per
  // copy); a second sighting turns it into its group.
  const seen = new Map<string, number | Group>();
  const firstPaths: string[] = [];
  const firstLayers: number[] = [];
  const firstVisible: boolean[] = [];
  const groups: Group[] = [];
  yield* forEachCopyInSteps(traced, (entry, layer, copy) => {
    const { digest, size } = entry;
    if (size === 0 || !digest) return;
    const visible = !copy || copy.loss === null;
    const known = seen.get(digest);
    if (known === undefined) {
      seen.set(digest, firstPaths.length);
      firstPaths.push(entry.path);
      firstLayers.push(layer);
      firstVisible.push(visible);
      return;
    }
    let group: Group;
    if (typeof known === 'number') {
      group = { digest, size, copies: 1, savableBytes: 0, occurrences: [{ path: firstPaths[known], layer: firstLayers[known], visible: firstVisible[known] }] };
      seen.set(digest, group);
      groups.push(group);
    } else group = known;
    group.copies++;
    group.savableBytes += size;
    if (group.occurrences.length < BLOAT_LIMITS.duplicateOccurrences) group.occurrences.push({ path: entry.path, layer, visible });
  });
  return groups.sort((a, b) => b.savableBytes - a.savableBytes || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}
