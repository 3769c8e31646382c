// The Bloat view in Chromium against `strata serve` and the real engine: the figures the engine reports,
// sortable tables, the treemap's zoom, and a click on a wasted copy revealing it in the tree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { BloatReport } from '../shared/bloat';
import { formatBytes } from '../shared/format';
import { startHarness, type BrowserHarness } from './browser-harness';

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
    const dirs = page.locator('.bloat-cell.is-dir');
    await dirs.first().waitFor();
    const name = (await dirs.first().locator('title').textContent())?.split(' — ')[0] ?? '';
    await dirs.first().click({ position: { x: 4, y: 6 } });
    await page.locator('.bloat-breadcrumb button', { hasText: `${name.slice(name.lastIndexOf('/') + 1)}/` }).waitFor();
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
