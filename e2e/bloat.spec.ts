// The Bloat view in Chromium against `strata serve` and the real engine: the figures the engine reports,
// sortable tables, the treemap's zoom, and a click on a wasted copy revealing it in the tree. Saves
// docs/screenshots/bloat-summary.png, bloat-tables.png and bloat-treemap.png.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { BloatReport } from '../shared/bloat';
import { formatBytes, formatCount } from '../shared/format';
import { startHarness, type BrowserHarness } from './browser-harness';

const SHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');

/** Scrolls the Bloat view so `selector` is near its top, then saves the window as docs/screenshots/NAME.png. */
async function shoot(page: Page, name: string, selector: string): Promise<void> {
  await page.locator(selector).first().evaluate((el) => {
    const view = el.closest('.bloat-view');
    if (!view) throw new Error('not inside the Bloat view');
    view.scrollTop += el.getBoundingClientRect().top - view.getBoundingClientRect().top - 12;
  });
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

describe('browser: the Bloat view', () => {
  let h: BrowserHarness;
  let page: Page;
  let report: BloatReport;

  before(async () => {
    h = await startHarness();
    page = h.page;
    const opened = await h.service.openSource({ source: { kind: 'sample' } });
    assert.ok(opened.ok, JSON.stringify(opened));
    const image = await h.service.analyzeImage({ sourceId: opened.value.sourceId, jobId: 'reference' });
    assert.ok(image.ok, JSON.stringify(image));
    const bloat = await h.service.getBloat({ imageId: image.value.imageId });
    assert.ok(bloat.ok, JSON.stringify(bloat));
    report = bloat.value;
    await page.getByRole('button', { name: 'Open the sample image' }).click();
    await page.locator('.chain-layer').first().waitFor();
    await page.getByRole('tab', { name: 'Bloat' }).click();
    await page.locator('.bloat-cards').waitFor();
  });
  after(async () => {
    await h?.close();
  });

  it('shows the engine’s figures: cards, one bar per layer, every wasted copy', async () => {
    assert.ok(report.totals.wastedItems > 0, 'the sample wastes bytes');
    assert.match(await page.getByTestId('bloat-wasted').innerText(), new RegExp(formatBytes(report.totals.wastedBytes).replace('.', '\\.')));
    assert.equal(await page.locator('.bloat-bar-row').count(), report.layers.length);
    const rows = page.locator('.bloat-table tbody tr');
    assert.equal(await rows.count(), report.wasted.length);
    assert.equal(await rows.first().locator('td').nth(1).innerText(), report.wasted[0].path);
    // Ours and dive's figures side by side, each labelled.
    assert.match(await page.getByTestId('bloat-wasted').innerText(), /lost copies/);
    const dive = await page.getByTestId('bloat-dive-wasted').innerText();
    assert.match(dive, /dive-compatible/);
    assert.ok(dive.includes(`${formatCount(report.dive.wastedBytes)} B`), dive);
    // A row says why the copy is wasted and names both build steps.
    const deleted = report.wasted.find((w) => w.cause === 'deleted' && w.written.step !== '' && w.lost.step !== '');
    assert.ok(deleted, 'the sample deletes a file a lower layer wrote');
    const row = rows.filter({ has: page.locator('td:nth-child(2)', { hasText: new RegExp(`^${deleted.path}$`) }) });
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[2], /^deleted/);
    assert.ok(cells[3].includes(deleted.written.step) && cells[3].startsWith(String(deleted.written.layer)), cells[3]);
    assert.ok(cells[4].includes(deleted.lost.step) && cells[4].startsWith(String(deleted.lost.layer)), cells[4]);
    await shoot(page, 'bloat-summary', '.bloat-cards');
    await shoot(page, 'bloat-tables', '.bloat-tables');
  });

  it('sorts a table by a column and back', async () => {
    const paths = async () => page.locator('.bloat-table tbody tr td:nth-child(2)').allInnerTexts();
    await page.getByRole('button', { name: /^Path/ }).click();
    const ascending = await paths();
    assert.deepEqual(ascending, [...report.wasted.map((w) => w.path)].sort());
    await page.getByRole('button', { name: /^Path/ }).click();
    assert.deepEqual(await paths(), [...ascending].reverse());
  });

  it('zooms the treemap into a directory and back out by the breadcrumb', async () => {
    // Laid out at its on-screen width, so labels are drawn at their own 11px, not scaled.
    const svg = page.locator('.bloat-treemap svg');
    const [box, viewBox] = [await svg.boundingBox(), (await svg.getAttribute('viewBox'))?.split(' ').map(Number)];
    assert.ok(box && viewBox && Math.abs(box.width - viewBox[2]) < 1 && Math.abs(box.height - viewBox[3]) < 1, JSON.stringify({ box, viewBox }));
    // /app holds the most files of the sample: zoom there by clicking its box.
    const app = page.locator('.bloat-cell.is-dir').filter({ has: page.locator('title', { hasText: /^\/app\/ — / }) });
    await app.click({ position: { x: 4, y: 6 } });
    await page.locator('.bloat-breadcrumb button[aria-current]', { hasText: 'app/' }).waitFor();
    const shown = await page.locator('.bloat-cell title').allTextContents();
    assert.ok(shown.length > 0 && shown.every((t) => t.startsWith('/app/')), shown.join('\n'));
    await page.locator('.bloat-cell:not(.is-dir)').filter({ has: page.locator('title', { hasText: /^\/app\/static\/logo\.png — / }) }).hover();
    assert.match(await page.locator('.bloat-hover').innerText(), /^\/app\/static\/logo\.png — 12\.0 KiB \(layer 1\)$/);
    await shoot(page, 'bloat-treemap', '.bloat-treemap');
    // In both themes a coloured box's label keeps the ink chosen for its colour; open directories use the theme's text colour.
    for (const colorScheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme });
      const inks = await page.locator('.bloat-cell text').evaluateAll((texts) =>
        texts.map((t) => ({ open: t.parentElement?.classList.contains('is-open') ?? false, chosen: t.getAttribute('fill'), shown: (globalThis as any).getComputedStyle(t).fill as string })),
      );
      assert.ok(inks.some((i) => !i.open));
      for (const ink of inks.filter((i) => !i.open)) assert.equal(ink.shown, ink.chosen === '#111' ? 'rgb(17, 17, 17)' : 'rgb(255, 255, 255)', colorScheme);
    }
    await page.locator('.bloat-breadcrumb button').first().click();
    assert.equal(await page.locator('.bloat-breadcrumb button').count(), 1);
  });

  it('clicking a wasted copy reveals it in the tree of the layer that wrote it', async () => {
    const item = report.wasted[0];
    const at = (await page.locator('.bloat-table tbody tr td:nth-child(2)').allInnerTexts()).indexOf(item.path);
    await page.locator('.bloat-table tbody tr').nth(at).click();
    await page.locator(`.chain-layer[data-layer="${item.written.layer}"][aria-selected="true"]`).waitFor();
    await page.locator(`.tree-row[data-path="${item.path}"][aria-selected="true"]`).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Tree' }).getAttribute('aria-selected'), 'true');
  });
});
