// One colour per layer, shared by the bar chart, the treemap and the legend (same hues as the HTML report).

/** The colour of layer `layer`. */
export function layerColour(layer: number): string {
  return `hsl(${(layer * 137.508) % 360} 55% 58%)`;
}
