// The layer palette: distinct first colours, none in the red the views keep for waste, readable labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrastRatio, hslToRgb, layerColour, layerTextColour, relativeLuminance } from './layer-colour';

const parse = (css: string) => {
  const m = /^hsl\((\d+) (\d+)% (\d+)%\)$/.exec(css);
  assert.ok(m, css);
  return [Number(m[1]), Number(m[2]), Number(m[3])] as const;
};
const luminanceOf = (css: string) => relativeLuminance(hslToRgb(...parse(css)));
const textLuminance = (text: string) => (text === '#fff' ? 1 : relativeLuminance([0x11 / 255, 0x11 / 255, 0x11 / 255]));

test('hslToRgb converts as CSS does', () => {
  assert.deepEqual(hslToRgb(0, 100, 50), [1, 0, 0]);
  assert.deepEqual(hslToRgb(120, 100, 25), [0, 0.5, 0]);
  assert.deepEqual(hslToRgb(0, 0, 100), [1, 1, 1]);
  assert.equal(contrastRatio(relativeLuminance([1, 1, 1]), relativeLuminance([0, 0, 0])), 21);
});

test('the first nine layers have nine distinct hues, none red, and later rounds differ in lightness', () => {
  const first = Array.from({ length: 9 }, (_, i) => parse(layerColour(i)));
  assert.equal(new Set(first.map(([h]) => h)).size, 9);
  for (const [h, s, l] of first) assert.ok(!((h >= 345 || h <= 10) && s >= 50 && l < 70), `hsl(${h} ${s}% ${l}%) reads as the waste red`);
  for (let i = 0; i < 9; i++) assert.notEqual(layerColour(i), layerColour(i + 9));
  assert.notEqual(layerColour(9), layerColour(18));
});

test('every layer label has a contrast of at least 4.5:1 on its colour', () => {
  for (let layer = 0; layer < 27; layer++) {
    const ratio = contrastRatio(luminanceOf(layerColour(layer)), textLuminance(layerTextColour(layer)));
    assert.ok(ratio >= 4.5, `layer ${layer}: ${layerColour(layer)} with ${layerTextColour(layer)} is ${ratio.toFixed(2)}:1`);
  }
});
