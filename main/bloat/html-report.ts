// `strata report`: one standalone HTML file (inline CSS, an inline SVG treemap, no scripts, no network)
// for attaching to a ticket. Every name from the image is HTML-escaped text.
import { BLOAT_LIMITS, type BloatLayerRef, type BloatReport } from '../../shared/bloat';
import { countOf, formatBytes, formatCount } from '../../shared/format';
import { layerColour, layerTextColour } from '../../shared/layer-colour';
import { treemapLabel } from '../../shared/treemap-label';
import { wasteLabel } from '../../shared/waste-label';
import type { SizeTreeNode } from './size-tree';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A rectangle of a laid-out treemap. */
export interface TreemapRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly node: SizeTreeNode;
  readonly depth: number;
}

/** Lays out a size tree as a squarified treemap (d3-hierarchy), leaves and directories, parents first. */
export async function layoutTreemap(tree: SizeTreeNode, width: number, height: number): Promise<TreemapRect[]> {
  const { hierarchy, treemap, treemapSquarify } = await import('d3-hierarchy');
  const root = hierarchy<SizeTreeNode>(tree, (n) => (n.children ? [...n.children] : null)).sum((n) => (n.children ? 0 : n.size));
  treemap<SizeTreeNode>().tile(treemapSquarify).size([width, height]).paddingOuter(2).paddingTop((n) => (n.depth > 0 ? 14 : 2)).paddingInner(1).round(true)(root);
  return root.descendants().map((n) => {
    const r = n as typeof n & { x0: number; y0: number; x1: number; y1: number };
    return { x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, node: n.data, depth: n.depth };
  });
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;
/** A layer's colour chip with its number. */
function chip(layer: number): string {
  return `<span class="chip" style="background:${layerColour(layer)};color:${layerTextColour(layer)}">${layer}</span>`;
}

function svgTreemap(rects: readonly TreemapRect[], width: number, height: number): string {
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Treemap of the final filesystem">`];
  for (const r of rects) {
    const w = r.x1 - r.x0;
    const h = r.y1 - r.y0;
    if (w < 1 || h < 1 || r.depth === 0) continue;
    const label = `${r.node.path || r.node.name} — ${formatBytes(r.node.size)} (layer ${r.node.layer})`;
    const fill = r.node.children ? '#f4f4f4' : layerColour(r.node.layer);
    const ink = r.node.children ? '#222' : layerTextColour(r.node.layer);
    parts.push(`<g><title>${escapeHtml(label)}</title><rect x="${r.x0}" y="${r.y0}" width="${w}" height="${h}" fill="${fill}" stroke="#fff"/>`);
    if (w > 30 && h > 13) parts.push(`<text x="${r.x0 + 3}" y="${r.y0 + 11}" fill="${ink}">${escapeHtml(treemapLabel(r.node.children ? `${r.node.name}/` : r.node.name, formatBytes(r.node.size), w))}</text>`);
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;padding:0 24px;color:#222;max-width:1200px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin:28px 0 4px}code,.mono{font-family:ui-monospace,monospace;font-size:12.5px;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin-top:16px}
.card{border:1px solid #ddd;border-top-width:3px;border-radius:6px;padding:10px 14px}.card.ours{border-top-color:#cf222e}.card.dive{border-top-color:#8c959f}
.card b{display:block;font-size:20px}.muted{color:#666;font-size:12px}table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}td.n,th.n{text-align:right;white-space:nowrap;width:1%}
td.path{min-width:30ch}td.step code{font-size:11.5px;color:#555}
.bar{display:flex;height:12px;background:#eee;min-width:2px}td.bars{width:28%}.bar span{display:block;height:12px}.added{background:#0969da}.lost{background:#cf222e}
svg{display:block;margin-top:8px}svg text{font:11px ui-monospace,monospace;pointer-events:none}
.chip{display:inline-block;min-width:1.6em;padding:0 4px;margin-right:6px;border-radius:3px;text-align:center;font:11px/16px ui-monospace,monospace}
.legend{display:flex;flex-wrap:wrap;gap:4px;align-items:center}.meta{color:#9a6700}
@media print{.card,tr,svg{break-inside:avoid}}`;

/** Renders the whole report as one HTML document. */
export function renderBloatHtml(r: BloatReport, rects: readonly TreemapRect[], size = { width: 1100, height: 620 }): string {
  const t = r.totals;
  const d = r.dive;
  const e = escapeHtml;
  const max = Math.max(1, ...r.layers.map((l) => l.contentBytes));
  const rows = (cells: readonly string[][]) => cells.map((c) => `<tr>${c.join('')}</tr>`).join('\n');
  const td = (text: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${text}</td>`;
  const code = (text: string) => `<code>${e(text)}</code>`;
  const step = (ref: BloatLayerRef) => `${chip(ref.layer)}${code(ref.step || '(no build step recorded)')}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Bloat report: ${e(r.image.name || 'image')}</title><style>${CSS}</style></head><body>
<h1>Bloat report: ${code(r.image.name || '(unnamed)')}</h1>
<p class="muted">${e(r.image.platform)} · ${t.layers} layers · ${code(r.image.id)}</p>
<div class="cards">
<div class="card">Size<b>${formatBytes(t.tarBytes)}</b><span class="muted">${formatBytes(t.compressedBytes)} compressed · ${formatBytes(t.visibleBytes)} in ${t.files} files at the top</span></div>
<div class="card ours" id="wasted">Wasted: lost copies<b>${formatBytes(t.wastedBytes)}</b><span class="muted">${t.wastedItems} copies overwritten or deleted later (${pct(t.wastedFraction)} of content): what a squash saves · ${formatBytes(t.metadataOnlyBytes)} metadata-only</span></div>
<div class="card dive" id="dive-wasted">Potential wasted space (dive-compatible)<b>${formatBytes(d.wastedBytes)}</b><span class="muted">${formatCount(d.wastedBytes)} B: all copies of paths in 2+ layers, survivor included · user wasted ${pct(d.userWastedPercent)}</span></div>
<div class="card dive">Efficiency (dive-compatible)<b>${pct(d.efficiency)}</b><span class="muted">dive’s image efficiency score</span></div>
<div class="card">Duplicates<b>${formatBytes(t.duplicateBytes)}</b><span class="muted">${countOf(t.duplicateGroups, 'group')} of identical content stored more than once</span></div>
</div>
<h2>Layers</h2>
<p class="muted">Bar: bytes the layer added; <span style="color:#0969da">blue</span> is still visible at the top, <span style="color:#cf222e">red</span> was overwritten or deleted by a later layer (wasted). Discards: bytes of lower layers this layer overwrote or deleted.</p>
<table><tr><th class="n">#</th><th>Added</th><th class="n">Added</th><th class="n">Wasted later</th><th class="n">Discards</th><th class="n">Compressed</th><th>Build step</th></tr>
${rows(r.layers.map((l) => [
  td(chip(l.layer), 'n'),
  td(`<div class="bar" style="width:${Math.max(1, (l.contentBytes / max) * 100).toFixed(1)}%"><span class="added" style="width:${l.contentBytes ? (((l.contentBytes - l.wastedBytes) / l.contentBytes) * 100).toFixed(1) : 0}%"></span><span class="lost" style="width:${l.contentBytes ? ((l.wastedBytes / l.contentBytes) * 100).toFixed(1) : 0}%"></span></div>`, 'bars'),
  td(formatBytes(l.contentBytes), 'n'), td(formatBytes(l.wastedBytes), 'n'), td(formatBytes(l.discardedBytes), 'n'), td(formatBytes(l.compressedBytes), 'n'),
  td(code(l.step), 'step'),
]))}
</table>
<h2 id="wasted-copies">Wasted copies (${Math.min(r.wasted.length, 100)} of ${t.wastedItems})</h2>
<table><tr><th class="n">Size</th><th>Path</th><th>Why it is wasted</th><th>Written by layer</th><th>Lost in layer</th></tr>
${rows(r.wasted.slice(0, 100).map((w) => [td(formatBytes(w.size), 'n'), td(code(w.path), 'path'), td(w.metadataOnly ? `<span class="meta">${e(wasteLabel(w))}</span>` : e(wasteLabel(w))), td(step(w.written), 'step'), td(step(w.lost), 'step')]))}
</table>
<h2 id="treemap">Treemap of the final filesystem</h2>
<p class="muted legend">Colour: the layer that last wrote each file (a directory folded for space: the layer that wrote most of its bytes). Hover for path and size. ${r.layers.map((l) => chip(l.layer)).join('')}</p>
${svgTreemap(rects, size.width, size.height)}
<h2>Duplicates (${Math.min(r.duplicates.length, 50)} of ${t.duplicateGroups})</h2>
<table><tr><th class="n">Saves</th><th class="n">Copies</th><th class="n">Size</th><th>Where (layer)</th></tr>
${rows(r.duplicates.slice(0, 50).map((g) => [td(formatBytes(g.savableBytes), 'n'), td(String(g.copies), 'n'), td(formatBytes(g.size), 'n'), td(g.occurrences.map((o) => `${code(o.path)} (${o.layer}${o.visible ? '' : ', lost'})`).join('<br>'), 'path')]))}
</table>
<h2>Largest files</h2>
<table><tr><th class="n">Size</th><th>Path</th><th class="n">Layer</th></tr>
${rows(r.largestFiles.slice(0, 50).map((f) => [td(formatBytes(f.size), 'n'), td(code(f.path), 'path'), td(chip(f.layer), 'n')]))}
</table>
<h2>Largest directories</h2>
<table><tr><th class="n">Size</th><th>Path</th><th class="n">Files</th></tr>
${rows(r.largestDirectories.slice(0, 50).map((dd) => [td(formatBytes(dd.size), 'n'), td(code(dd.path), 'path'), td(String(dd.files), 'n')]))}
</table>
<h2>dive-compatible figures</h2>
<p class="muted">Computed exactly as dive 0.13 does: efficiency = Σ smallest size of each path ÷ Σ every size it had; potential wasted space = summed sizes of every path in 2+ layers, the surviving copy included; user wasted percent = that ÷ the size of all layers but the first. Our “wasted” differs on purpose: it leaves out the surviving copy (N−1 copies per path, what a squash saves), and it counts the files a deleted or opaque directory hides, which dive does not.</p>
<table><tr><th class="n">Count</th><th class="n">Size</th><th>Path</th></tr>
${rows(d.inefficiencies.slice(0, Math.min(BLOAT_LIMITS.diveInefficiencies, 50)).map((i) => [td(String(i.count), 'n'), td(formatBytes(i.cumulativeSize), 'n'), td(code(i.path), 'path')]))}
</table>
</body></html>
`;
  return html;
}
