// The text of a treemap box, shared by the Bloat view and the HTML report (11px monospace labels).

/** Approximate advance of one 11px monospace character, in SVG units. */
const CHAR = 6.7;

/** `name  size` when both fit in a box `width` wide, else the name, cut with an ellipsis if need be. */
export function treemapLabel(name: string, size: string, width: number): string {
  const room = Math.floor((width - 6) / CHAR);
  const full = `${name}  ${size}`;
  if (full.length <= room) return full;
  return name.length <= room ? name : `${name.slice(0, Math.max(1, room - 1))}…`;
}
