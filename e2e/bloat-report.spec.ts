// `strata report` of the bundled sample image, opened in Debian's Chromium with the network cut off: the
// page asks for nothing but its own file, and shows the engine's figures, the wasted copies and the
// treemap. Saves docs/screenshots/bloat-report.png.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { BloatReport } from '../shared/bloat';
import { formatBytes, formatCount } from '../shared/format';
import { wasteLabel } from '../shared/waste-label';
import { makeSampleImage } from '../main/sample/make-sample-image';
import { runCli } from '../main/test-support/cli-run';

const SHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('browser: the standalone HTML report of the sample image', () => {
  let tmp: string;
  let browser: Browser;
  let page: Page;
  let report: BloatReport;
  let fileUrl: string;
  /** Every request the page attempted, and the ones refused. */
  const attempted: string[] = [];
  const refused: string[] = [];

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-report-'));
    const cache = path.join(tmp, 'cache');
    const sample = (await makeSampleImage(path.join(tmp, 'sample.tar'))).path;
    const json = await runCli(['analyze', sample, '--json'], tmp, cache);
    assert.equal(json.code, 0, json.stderr);
    report = JSON.parse(json.stdout) as BloatReport;
    const written = await runCli(['report', sample, '-o', 'report.html'], tmp, cache);
    assert.equal(written.code, 0, written.stderr);
    fileUrl = pathToFileURL(path.join(tmp, 'report.html')).href;

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    context.on('request', (request) => attempted.push(request.url()));
    await context.route('**/*', (route) => {
      if (route.request().url() === fileUrl) return route.continue();
      refused.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    await page.goto(fileUrl);
    await page.waitForLoadState('networkidle');
  });
  after(async () => {
    await browser?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('loads nothing but its own file', () => {
    assert.deepEqual(attempted, [fileUrl]);
    assert.deepEqual(refused, []);
  });

  it('shows our wasted bytes and dive’s potential wasted space, labelled, with the engine’s figures', async () => {
    assert.ok(report.totals.wastedItems > 0 && report.dive.wastedBytes !== report.totals.wastedBytes, 'the sample tells the two figures apart');
    const ours = await page.locator('#wasted').innerText();
    assert.match(ours, /^Wasted: lost copies/);
    assert.ok(ours.includes(formatBytes(report.totals.wastedBytes)) && ours.includes(`${report.totals.wastedItems} copies`), ours);
    const dive = await page.locator('#dive-wasted').innerText();
    assert.match(dive, /^Potential wasted space \(dive-compatible\)/);
    assert.ok(dive.includes(`${formatCount(report.dive.wastedBytes)} B`), dive);
    // Nothing overflows the page sideways.
    assert.equal(await page.locator('html').evaluate((html) => html.scrollWidth <= html.clientWidth), true);
  });

  it('lists every wasted copy with why and the build steps that wrote and lost it', async () => {
    const rows = page.locator('h2#wasted-copies + table tr:has(td)');
    assert.equal(await rows.count(), report.wasted.length);
    for (const [i, w] of report.wasted.entries()) {
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      assert.deepEqual(cells, [formatBytes(w.size), w.path, wasteLabel(w), `${w.written.layer}${w.written.step}`, `${w.lost.layer}${w.lost.step}`]);
    }
  });

  it('draws the treemap: one box per visible file, labelled, coloured by layer, with a legend', async () => {
    const svg = page.locator('svg[role="img"]');
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 1000 && box.height > 500, JSON.stringify(box));
    const titles = await svg.locator('g > title').allTextContents();
    // Every file of 1 % of the bytes or more has a box (smaller ones may be under a pixel).
    const big = report.largestFiles.filter((f) => f.size * 100 >= report.totals.visibleBytes);
    assert.ok(big.length >= 4, 'the sample has several big files');
    for (const f of big) assert.ok(titles.includes(`${f.path} — ${formatBytes(f.size)} (layer ${f.layer})`), f.path);
    assert.equal(await page.locator('p.legend .chip').count(), report.layers.length);
    // Labels stay inside their boxes.
    const outside = await svg.locator('g').evaluateAll((groups) =>
      groups.flatMap((g) => {
        const rect = g.querySelector('rect')?.getBoundingClientRect();
        const text = g.querySelector('text')?.getBoundingClientRect();
        return rect && text && (text.right > rect.right + 0.5 || text.bottom > rect.bottom + 0.5) ? [g.querySelector('title')?.textContent ?? ''] : [];
      }),
    );
    assert.deepEqual(outside, []);
  });

  it('saves a screenshot of the summary, layers, wasted copies and treemap', async () => {
    const svg = await page.locator('svg[role="img"]').boundingBox();
    assert.ok(svg);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'bloat-report.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(svg.y + svg.height + 16) } });
  });
});
