// Identical content stored more than once (same sha256 at several paths or in several layers): what
// storing each piece of content once would save. Hard links are one stored copy already.
import { BLOAT_LIMITS, type DuplicateGroup, type DuplicateOccurrence } from '../../shared/bloat';
import { forEachCopy, type TracedCopies } from './content-copies';

/** Groups non-empty copies by digest; largest saving first (ties by digest). */
export function findDuplicates(traced: TracedCopies): DuplicateGroup[] {
  // First count each digest's copies (no object per copy), then gather the groups of two or more.
  const counts = new Map<string, number>();
  forEachCopy(traced, (entry) => {
    if (entry.size > 0 && entry.digest) counts.set(entry.digest, (counts.get(entry.digest) ?? 0) + 1);
  });
  const groups = new Map<string, DuplicateGroup & { occurrences: DuplicateOccurrence[] }>();
  forEachCopy(traced, (entry, layer, copy) => {
    const { digest, size } = entry;
    if (size === 0 || !digest) return;
    const copies = counts.get(digest) as number;
    if (copies < 2) return;
    let group = groups.get(digest);
    if (!group) groups.set(digest, (group = { digest, size, copies, savableBytes: size * (copies - 1), occurrences: [] }));
    if (group.occurrences.length < BLOAT_LIMITS.duplicateOccurrences) group.occurrences.push({ path: entry.path, layer, visible: !copy || copy.loss === null });
  });
  return [...groups.values()].sort((a, b) => b.savableBytes - a.savableBytes || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}
