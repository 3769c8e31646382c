// Says that a layer was listed from its table of contents with Range requests (eStargz,
// zstd:chunked) rather than downloaded, and how many bytes of the blob that took.
import { formatBytes } from '../../../shared/format';
import type { LayerSummary } from '../../../shared/model';
import './lazy-badge.css';

const FORMAT_NAMES: Readonly<Record<NonNullable<LayerSummary['lazy']>['format'], string>> = {
  estargz: 'eStargz',
  'zstd-chunked': 'zstd:chunked',
};

/** The badge `lazy · 41 KiB fetched of 12 MiB`; nothing for layers that were read whole. */
export function LazyBadge({ layer }: { readonly layer: LayerSummary }) {
  if (!layer.lazy) return null;
  const { format, bytesFetched } = layer.lazy;
  const share = layer.size > 0 ? ` (${((bytesFetched / layer.size) * 100).toFixed(1)} %)` : '';
  const title =
    `Listed lazily from the ${FORMAT_NAMES[format]} table of contents with HTTP Range requests: ` +
    `${formatBytes(bytesFetched)} of the ${formatBytes(layer.size)} blob fetched${share}; the layer itself was not downloaded. ` +
    'Sizes and counts come from the table of contents.';
  return (
    <span className="chain-lazy" title={title} data-format={format}>
      lazy · {formatBytes(bytesFetched)} fetched of {formatBytes(layer.size)}
    </span>
  );
}
