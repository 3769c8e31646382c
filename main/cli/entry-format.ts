// Text and JSON shapes of entries for `strata ls` and `strata diff` (the documented --json shapes).
import { plainEntry, type ChangedEntry, type DeletedEntry, type LayerEntry, type MergedEntry } from '../../shared/model';
import { formatMode } from '../../shared/format';

const TYPE_LETTER: Readonly<Record<LayerEntry['type'], string>> = {
  file: '-',
  dir: 'd',
  hardlink: 'h',
  symlink: 'l',
  char: 'c',
  block: 'b',
  fifo: 'p',
  sparse: 'S',
};


/** JSON of a merged-filesystem entry: the entry plus the layer that last wrote it. */
export function mergedJson(e: MergedEntry): Record<string, unknown> {
  return { ...plainEntry(e), layer: e.layer };
}

/** JSON of a changed entry: the entry, what changed, and the layer whose copy it replaced. */
export function changedJson(e: ChangedEntry): Record<string, unknown> {
  return { ...plainEntry(e), what: e.what, previousLayer: e.previousLayer };
}

/** JSON of a deleted entry: the deleted copy and the layer that wrote it. */
export function deletedJson(e: DeletedEntry): Record<string, unknown> {
  return { ...plainEntry(e), layer: e.layer };
}

/** One `ls -l`-style line: type+mode, owner, size, mtime, path (and link target). */
export function entryLine(e: LayerEntry): string {
  const when = new Date(e.mtime * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const link = e.type === 'symlink' ? ` -> ${e.linkname}` : e.type === 'hardlink' ? ` link to ${e.linkname}` : '';
  const owner = `${e.uid}/${e.gid}`.padEnd(11);
  return `${TYPE_LETTER[e.type]}${formatMode(e.mode)} ${owner} ${String(e.size).padStart(12)} ${when} ${e.path}${link}`;
}
