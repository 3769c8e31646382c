// One colour per layer, shared by the Bloat view (bars, treemap, legend) and the HTML report: a
// categorical palette (Tableau 10 without its red, which the views keep for wasted bytes), a lighter and a
// darker round for images with more layers, and the text colour that reads best on each.

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
const DARK_TEXT = '#111';
const LIGHT_TEXT = '#fff';

function hsl(layer: number): readonly [number, number, number] {
  const [h, s, l] = PALETTE[layer % PALETTE.length];
  return [h, s, Math.max(20, Math.min(88, l + ROUNDS[Math.floor(layer / PALETTE.length) % ROUNDS.length]))];
}

/** The colour of layer `layer` (CSS `hsl()`). */
export function layerColour(layer: number): string {
  const [h, s, l] = hsl(layer);
  return `hsl(${h} ${s}% ${l}%)`;
}

/** sRGB channels (0–1) of an `hsl()` colour, as CSS converts it. */
export function hslToRgb(h: number, s: number, l: number): readonly [number, number, number] {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

/** WCAG relative luminance of sRGB channels (0–1). */
export function relativeLuminance([r, g, b]: readonly [number, number, number]): number {
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two luminances. */
export function contrastRatio(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

const DARK_LUMINANCE = relativeLuminance([0x11 / 255, 0x11 / 255, 0x11 / 255]);

/** Dark or white text, whichever contrasts more with `layerColour(layer)`. */
export function layerTextColour(layer: number): string {
  const bg = relativeLuminance(hslToRgb(...hsl(layer)));
  return contrastRatio(bg, DARK_LUMINANCE) >= contrastRatio(bg, 1) ? DARK_TEXT : LIGHT_TEXT;
}
