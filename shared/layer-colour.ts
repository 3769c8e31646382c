// One colour per layer, shared by the Bloat view (bars, treemap, legend) and the HTML report: a
// categorical palette (Tableau 10 without its red, which the views keep for wasted bytes), a lighter and a
// darker round for images with more layers, and the text colour that reads on each.

/** Hue, saturation and lightness of the first round. */
const PALETTE: readonly (readonly [number, number, number])[] = [
  [211, 36, 48],
  [30, 89, 56],
  [175, 30, 59],
  [113, 34, 47],
  [47, 82, 61],
  [316, 26, 58],
  [354, 100, 81],
  [22, 24, 49],
  [17, 9, 70],
];
/** Lightness shift of each round of the palette. */
const ROUNDS = [0, 16, -14] as const;

function lightness(layer: number): number {
  const [, , l] = PALETTE[layer % PALETTE.length];
  return Math.max(20, Math.min(88, l + ROUNDS[Math.floor(layer / PALETTE.length) % ROUNDS.length]));
}

/** The colour of layer `layer` (CSS `hsl()`). */
export function layerColour(layer: number): string {
  const [h, s] = PALETTE[layer % PALETTE.length];
  return `hsl(${h} ${s}% ${lightness(layer)}%)`;
}

/** Dark or light text, whichever reads on `layerColour(layer)`. */
export function layerTextColour(layer: number): string {
  return lightness(layer) >= 45 ? '#111' : '#fff';
}
