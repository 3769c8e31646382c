// Why a copy is wasted, in a few words: shared by the Bloat view, `strata analyze` and the reports.
import type { WastedItem } from './bloat';

/** `overwritten`, `identical rewrite`, `metadata-only rewrite (mode)`, `deleted`, `deleted with /tmp/`… */
export function wasteLabel(item: WastedItem): string {
  if (item.cause === 'overwritten') return item.metadataOnly ? `metadata-only rewrite (${item.what.join(', ')})` : item.identical ? 'identical rewrite' : 'overwritten';
  if (!item.via || item.via === item.path) return item.cause === 'deleted' ? 'deleted' : item.cause === 'opaque-dir' ? 'hidden by an opaque directory' : 'directory replaced by a file';
  if (item.cause === 'deleted') return `deleted with ${item.via}/`;
  return item.cause === 'opaque-dir' ? `hidden: ${item.via}/ made opaque` : `${item.via} replaced by a file`;
}
