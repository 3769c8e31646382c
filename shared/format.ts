// Human-readable formatting shared by the CLI, the HTML report and the renderer.

/** Formats a byte count with binary units: `0 B`, `512 B`, `1.5 KiB`, `3.2 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(value) : value >= 100 ? value.toFixed(0) : value.toFixed(1);
  return `${bytes < 0 ? '-' : ''}${text} ${units[unit]}`;
}

const COUNT = new Intl.NumberFormat('en-US');

/** Formats a count with thousands separators: `510,503` (one shared formatter: creating one costs ms). */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** A count with its noun, singular for exactly one: `1 group`, `3 groups`. */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Formats permission bits as `rwxr-xr-x`, with setuid/setgid/sticky shown as s/S and t/T. */
export function formatMode(mode: number): string {
  const bits = 'rwxrwxrwx';
  let out = '';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  const chars = out.split('');
  if (mode & 0o4000) chars[2] = chars[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) chars[5] = chars[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) chars[8] = chars[8] === 'x' ? 't' : 'T';
  return chars.join('');
}

/** Shortens a digest for display: `sha256:0123456789ab`. */
export function shortDigest(digest: string): string {
  const [algo, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  return hex ? `${algo ? `${algo}:` : ''}${hex.slice(0, 12)}` : '';
}

/**
 * A build step without shell noise: `/bin/sh -c #(nop) ` dropped, a leading `/bin/sh -c ` (also after
 * BuildKit's `RUN ` or `|N ARG=… `) shown as `RUN `, and BuildKit's trailing `# buildkit` dropped.
 */
export function trimBuildStep(createdBy: string): string {
  return createdBy
    .replace(/^\/bin\/(ba)?sh -c #\(nop\)\s*/, '')
    .replace(/^(RUN )?\/bin\/(ba)?sh -c /, 'RUN ')
    .replace(/^\|\d+ (\S+=\S* )*\/bin\/(ba)?sh -c /, 'RUN ')
    .replace(/\s+# buildkit$/, '')
    .trim();
}
