// How a source is named on screen while it opens.
import type { SourceSpec } from '../../shared/api';

/** A short label for a source: its path, reference, or what it is. */
export function sourceLabel(source: SourceSpec): string {
  switch (source.kind) {
    case 'path':
      return source.path;
    case 'layer-files':
      return source.paths.length === 1 ? source.paths[0] : `${source.paths.length} layer tarballs`;
    case 'uploads':
      return `${source.uploads.length} uploaded ${source.uploads.length === 1 ? 'file' : 'files'}`;
    case 'sample':
      return 'Sample image';
    case 'reference':
      return source.ref;
  }
}
