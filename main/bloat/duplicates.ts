// Identical content stored more than once (same sha256 at several paths or in several layers): what
// storing each piece of content once would save. Hard links are one stored copy already.
import { BLOAT_LIMITS, type DuplicateGroup } from '../../shared/bloat';
import type { ContentCopy } from './content-copies';

/** Groups non-empty copies by digest; largest saving first (ties by digest). */
export function findDuplicates(copies: readonly ContentCopy[]): DuplicateGroup[] {
  // A digest seen once maps to its copy; a list is made only on the second sighting.
  const byDigest = new Map<string, ContentCopy | ContentCopy[]>();
  for (const copy of copies) {
    const { digest, size } = copy.entry;
    if (size === 0 || !digest) continue;
    const seen = byDigest.get(digest);
    if (seen === undefined) byDigest.set(digest, copy);
    else if (Array.isArray(seen)) seen.push(copy);
    else byDigest.set(digest, [seen, copy]);
  }
  const groups: DuplicateGroup[] = [];
  for (const list of byDigest.values()) {
    if (!Array.isArray(list)) continue;
    const { digest, size } = list[0].entry;
    groups.push({
      digest,
      size,
      copies: list.length,
      savableBytes: size * (list.length - 1),
      occurrences: list.slice(0, BLOAT_LIMITS.duplicateOccurrences).map((c) => ({
        path: c.entry.path,
        layer: c.layer,
        visible: c.loss === null,
      })),
    });
  }
  return groups.sort((a, b) => b.savableBytes - a.savableBytes || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}
