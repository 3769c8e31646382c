// Plain-text renderings of a bloat report (`strata analyze`) and of a CI verdict (`strata ci`).
// Names from the image are untrusted: control characters are shown escaped, never sent to the terminal.
import type { BloatReport } from '../../shared/bloat';
import { countOf, formatBytes } from '../../shared/format';
import { wasteLabel } from '../../shared/waste-label';
import type { CiResult } from './ci-rules';

/** Escapes control characters (ANSI sequences, newlines…) in an untrusted name. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

/** Summary lines shared by `analyze` and `ci`. */
function summaryLines(r: BloatReport): string[] {
  const t = r.totals;
  const d = r.dive;
  return [
    `${terminalSafe(r.image.name || '(unnamed)')}  ${r.image.platform}  ${t.layers} layers`,
    `  size:        ${formatBytes(t.tarBytes)} uncompressed, ${formatBytes(t.compressedBytes)} compressed, ${formatBytes(t.contentBytes)} of file content`,
    `  wasted:      ${formatBytes(t.wastedBytes)} (${pct(t.wastedFraction)} of content) in ${t.wastedItems} lost copies — what squashing would save`,
    `               ${formatBytes(t.metadataOnlyBytes)} from metadata-only rewrites, ${formatBytes(t.identicalBytes)} from identical rewrites`,
    `  duplicates:  ${formatBytes(t.duplicateBytes)} in ${countOf(t.duplicateGroups, 'group')} of identical content`,
    `  final fs:    ${formatBytes(t.visibleBytes)} in ${t.files} files`,
    `  dive-compatible (dive 0.13): efficiency ${pct(d.efficiency)}, potential wasted space ${d.wastedBytes} bytes (${formatBytes(d.wastedBytes)}), user wasted ${pct(d.userWastedPercent)}`,
  ];
}

/** `strata analyze`: the summary, the layers, and the top wasted items. */
export function renderBloatText(r: BloatReport, top = 10): string {
  const out = summaryLines(r);
  out.push('', `  #  ${'CONTENT'.padStart(10)} ${'WASTED'.padStart(10)} ${'DISCARDS'.padStart(10)}  STEP`);
  for (const l of r.layers) {
    out.push(`${String(l.layer).padStart(3)}  ${formatBytes(l.contentBytes).padStart(10)} ${formatBytes(l.wastedBytes).padStart(10)} ${formatBytes(l.discardedBytes).padStart(10)}  ${terminalSafe(l.step)}`);
  }
  out.push('', r.wasted.length === 0 ? 'No wasted copies.' : `Top wasted copies (${Math.min(top, r.wasted.length)} of ${r.totals.wastedItems}):`);
  for (const w of r.wasted.slice(0, top)) {
    out.push(`  ${formatBytes(w.size).padStart(10)}  ${terminalSafe(w.path)}  layer ${w.written.layer} → ${w.lost.layer}  ${terminalSafe(wasteLabel(w))}`);
  }
  return `${out.join('\n')}\n`;
}

/** `strata ci`: the figures, one PASS/FAIL/SKIP line per rule, and the verdict. */
export function renderCiText(r: BloatReport, results: readonly CiResult[]): string {
  const out = summaryLines(r);
  out.push('', 'Rules (evaluated on the dive-compatible figures):');
  for (const res of results) out.push(`  ${res.status}  ${res.rule.name} = ${terminalSafe(res.rule.configured)} [${terminalSafe(res.rule.source)}]: ${res.message}`);
  const failed = results.filter((res) => res.status === 'FAIL').length;
  out.push('', `${failed > 0 ? 'FAIL' : 'PASS'} [pass:${results.filter((x) => x.status === 'PASS').length} fail:${failed} skip:${results.filter((x) => x.status === 'SKIP').length}]`);
  return `${out.join('\n')}\n`;
}
