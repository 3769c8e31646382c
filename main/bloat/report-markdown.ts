// Markdown renderings of a bloat report and a CI verdict, for pull-request comments and tickets.
// Untrusted names go inside code spans with backticks and pipes neutralised.
import type { BloatReport } from '../../shared/bloat';
import { countOf, formatBytes } from '../../shared/format';
import type { CiResult } from './ci-rules';
import { wasteLabel } from '../../shared/waste-label';

/** An untrusted name as a safe inline code span in a table cell. */
export function mdCode(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD').replace(/`/g, 'ˋ').replace(/\|/g, '\\|');
  return `\`${clean}\``;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

function summary(r: BloatReport): string[] {
  const t = r.totals;
  const d = r.dive;
  return [
    `| | |`,
    `|---|---|`,
    `| Image | ${mdCode(r.image.name || '(unnamed)')} · ${t.layers} layers |`,
    `| Size | ${formatBytes(t.tarBytes)} uncompressed · ${formatBytes(t.compressedBytes)} compressed |`,
    `| Wasted (squash would save) | **${formatBytes(t.wastedBytes)}** (${pct(t.wastedFraction)}) in ${t.wastedItems} copies; ${formatBytes(t.metadataOnlyBytes)} metadata-only |`,
    `| Duplicates | ${formatBytes(t.duplicateBytes)} in ${countOf(t.duplicateGroups, 'group')} |`,
    `| dive-compatible efficiency | ${pct(d.efficiency)} |`,
    `| dive-compatible potential wasted space | ${d.wastedBytes} bytes (${formatBytes(d.wastedBytes)}) |`,
    `| dive-compatible user wasted percent | ${pct(d.userWastedPercent)} |`,
  ];
}

/** `strata analyze --markdown`. */
export function renderBloatMarkdown(r: BloatReport, top = 10): string {
  const out = ['## Image bloat', '', ...summary(r), ''];
  if (r.wasted.length > 0) {
    out.push(`### Top wasted copies (${Math.min(top, r.wasted.length)} of ${r.totals.wastedItems})`, '', '| Size | Path | Written | Lost | Why |', '|---:|---|---|---|---|');
    for (const w of r.wasted.slice(0, top)) {
      out.push(`| ${formatBytes(w.size)} | ${mdCode(w.path)} | ${w.written.layer}: ${mdCode(w.written.step)} | ${w.lost.layer}: ${mdCode(w.lost.step)} | ${mdCode(wasteLabel(w))} |`);
    }
  } else {
    out.push('No wasted copies.');
  }
  return `${out.join('\n')}\n`;
}

/** `strata ci --markdown`: a PR comment. */
export function renderCiMarkdown(r: BloatReport, results: readonly CiResult[]): string {
  const failed = results.some((x) => x.status === 'FAIL');
  const icon = { PASS: '✅ PASS', FAIL: '❌ FAIL', SKIP: '⏭️ SKIP' } as const;
  const out = [`## Strata CI: ${failed ? '❌ FAIL' : '✅ PASS'}`, '', '| Rule | Threshold | Result | |', '|---|---|---|---|'];
  for (const res of results) out.push(`| ${res.rule.name} | ${mdCode(res.rule.configured)} | ${icon[res.status]} | ${res.message} |`);
  out.push('', '<sub>Rules are evaluated on the dive-compatible figures.</sub>', '', ...summary(r));
  return `${out.join('\n')}\n`;
}
