// Squarified treemap (d3-hierarchy) of the merged filesystem at the top layer, coloured by the layer that
// last wrote each file, with a legend. Click a box to zoom into its directory, the breadcrumb to zoom out;
// hover for path and size.
import { hierarchy, treemap, treemapSquarify, type HierarchyRectangularNode } from 'd3-hierarchy';
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatBytes } from '../../../shared/format';
import { layerColour, layerTextColour } from '../../../shared/layer-colour';
import { treemapLabel } from '../../../shared/treemap-label';
import { ancestorPaths, childrenOf, findRow, nameOf, type TreeModel } from '../../state/tree-model';

/** Size of the map before its box is measured; then it is laid out at the box's width in CSS pixels, so labels stay 11px. */
const INITIAL = { width: 960, height: 480 } as const;

/** A map half as high as it is wide, within 300–560 px. */
function sizeFor(width: number): { readonly width: number; readonly height: number } {
  return { width, height: Math.round(Math.min(560, Math.max(300, width / 2))) };
}
/** Levels drawn below the zoomed directory. */
const DEPTH = 2;

interface Cell {
  readonly row: number;
  readonly depth: number;
}

function dominantLayer(model: TreeModel, row: number): number {
  // A directory takes the colour of its largest child, recursively (cheap, and what the eye sees first).
  let at = row;
  for (let guard = 0; guard < 64 && model.end[at] > at + 1; guard++) at = childrenOf(model, at, 'size')[0];
  return model.data.layers[at] ?? 0;
}

/** The treemap of `model` (a merged tree of an image with `layerCount` layers). */
export function BloatTreemap({ model, layerCount }: { readonly model: TreeModel; readonly layerCount: number }) {
  const [zoom, setZoom] = useState(-1);
  const [hover, setHover] = useState<number | null>(null);
  const [size, setSize] = useState<{ readonly width: number; readonly height: number }>(INITIAL);
  const frame = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      const width = Math.max(320, Math.floor(entry.contentRect.width));
      setSize((s) => (s.width === width ? s : sizeFor(width)));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const isDir = (row: number) => model.end[row] > row + 1;

  const cells = useMemo(() => {
    const root = hierarchy<Cell>({ row: zoom, depth: 0 }, (c) =>
      c.depth < DEPTH && (c.row < 0 || isDir(c.row)) ? Array.from(childrenOf(model, c.row, 'size'), (row) => ({ row, depth: c.depth + 1 })).filter((x) => model.total[x.row] > 0) : null,
    ).sum((c) => (c.depth < DEPTH && (c.row < 0 || isDir(c.row)) ? 0 : c.row < 0 ? 0 : model.total[c.row]));
    return treemap<Cell>().tile(treemapSquarify).size([size.width, size.height]).paddingOuter(2).paddingTop((n) => (n.depth > 0 ? 15 : 0)).paddingInner(1).round(true)(root).descendants().slice(1) as HierarchyRectangularNode<Cell>[];
  }, [model, zoom, size]);

  const trail = zoom < 0 ? [] : [...ancestorPaths(model, zoom), model.data.paths[zoom]];
  const describe = (row: number) =>
    isDir(row) ? `${model.data.paths[row]}/ — ${formatBytes(model.total[row])} (directory)` : `${model.data.paths[row]} — ${formatBytes(model.total[row])} (layer ${model.data.layers[row]})`;
  return (
    <section className="bloat-treemap" aria-label="Treemap">
      <div className="bloat-treemap-bar">
        <nav className="bloat-breadcrumb mono" aria-label="Zoom">
          <button type="button" onClick={() => setZoom(-1)} aria-current={zoom < 0 ? 'location' : undefined}>/</button>
          {trail.map((p, i) => (
            <button key={p} type="button" onClick={() => setZoom(findRow(model, p))} aria-current={i === trail.length - 1 ? 'location' : undefined}>
              {p.slice(p.lastIndexOf('/') + 1)}/
            </button>
          ))}
          <span className="bloat-zoom-size">{formatBytes(zoom < 0 ? cells.reduce((s, n) => s + (n.depth === 1 ? model.total[n.data.row] : 0), 0) : model.total[zoom])}</span>
        </nav>
        <span className="bloat-hover mono">{hover !== null ? describe(hover) : 'Hover a box for its path and size; click one to zoom into its directory.'}</span>
      </div>
      <div ref={frame} className="bloat-treemap-frame">
        <svg viewBox={`0 0 ${size.width} ${size.height}`} width={size.width} height={size.height} role="img" aria-label="Treemap of the final filesystem">
          {cells.map((n) => {
            const { row } = n.data;
            const w = n.x1 - n.x0;
            const h = n.y1 - n.y0;
            if (w < 1 || h < 1) return null;
            const dir = isDir(row);
            const open = dir && n.children !== undefined;
            const layer = dir ? dominantLayer(model, row) : model.data.layers[row];
            return (
              <g
                key={row}
                className={`bloat-cell${dir ? ' is-dir' : ''}${open ? ' is-open' : ''}`}
                onMouseEnter={() => setHover(row)}
                onMouseLeave={() => setHover((r) => (r === row ? null : r))}
                onClick={(e) => {
                  e.stopPropagation();
                  // A directory zooms in; a file zooms into its directory.
                  const target = dir ? row : model.parent[row];
                  if (target >= 0 && target !== zoom) setZoom(target);
                }}
              >
                <title>{describe(row)}</title>
                <rect x={n.x0} y={n.y0} width={w} height={h} fill={open ? undefined : layerColour(layer)} />
                {w > 30 && h > 13 && (
                  <text x={n.x0 + 3} y={n.y0 + 11} fill={open ? undefined : layerTextColour(layer)}>
                    {treemapLabel(dir ? `${nameOf(model, row)}/` : nameOf(model, row), formatBytes(model.total[row]), w)}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      <p className="bloat-treemap-legend">
        Colour: the layer that last wrote the file (a folded directory: its largest file).
        {Array.from({ length: layerCount }, (_, i) => (
          <span key={i} className="bloat-layer-chip mono" style={{ background: layerColour(i), color: layerTextColour(i) }}>{i}</span>
        ))}
      </p>
    </section>
  );
}
