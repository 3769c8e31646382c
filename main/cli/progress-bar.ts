// A one-line progress bar for long analyses on a terminal (silent when stderr is not a TTY).
import type { LayerProgress } from '../../shared/model';
import { formatBytes } from '../../shared/format';

/** Renders layer progress as one line: bar, percentage, layers done, bytes. */
export function renderProgressLine(layers: readonly LayerProgress[], width: number): string {
  const total = layers.reduce((s, l) => s + l.bytesTotal, 0);
  const done = layers.reduce((s, l) => s + Math.min(l.bytesDone, l.bytesTotal), 0);
  const finished = layers.filter((l) => l.state === 'done' || l.state === 'cached').length;
  const ratio = total > 0 ? done / total : finished / Math.max(1, layers.length);
  const label = ` ${Math.floor(ratio * 100)}%  ${finished}/${layers.length} layers  ${formatBytes(done)} / ${formatBytes(total)}`;
  const barWidth = Math.max(10, Math.min(40, width - label.length - 3));
  const filled = Math.round(ratio * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${label}`;
}

/** A progress sink that redraws one terminal line at most 10 times a second. */
export function createProgressBar(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
  let last = 0;
  let drawn = false;
  return {
    update(layers: readonly LayerProgress[]): void {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      stream.write(`\r${renderProgressLine(layers, stream.columns ?? 80)}\x1b[K`);
    },
    clear(): void {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
