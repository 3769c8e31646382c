// UI benchmark (not a test): the explorer in headless Chromium on a generated layer of 500k entries,
// opened through `strata serve` and the real engine. Measures, inside the page:
//   tree visible   JSON of the tree parsed → first rows painted          target < 300 ms
//   expand/collapse click → rows painted                                  target <  50 ms
//   search         keystroke → match count and rows painted               target < 200 ms
//   scrolling      long tasks (PerformanceObserver 'longtask')            target: none > 50 ms
// Run alone: `node --import tsx bench/ui-bench.ts [ENTRIES]`.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tarStream from 'tar-stream';
import type { Page } from 'playwright-core';
import { startHarness } from '../e2e/browser-harness';

/** One measured number against its target. */
export interface UiMeasure {
  readonly name: string;
  readonly ms: number;
  readonly targetMs: number;
}

/** What `runUiBench` measured. */
export interface UiBenchResult {
  readonly entries: number;
  readonly measures: readonly UiMeasure[];
  /** Long tasks seen while scrolling the fully expanded tree, in ms. */
  readonly scrollLongTasks: readonly number[];
  /** Expanding every folder at once (information: it lays out all 500k rows). */
  readonly expandAllMs: number;
}

const PACKAGES = 500;
const MODULES = 20;
const EXTENSIONS = ['.so', '.py', '.txt', '.json', '.h', '.js', '.mo', '.gz'];

/** Writes a gzipped layer with `files` regular files (plus their directories) under /usr/share/bench. */
async function writeBigLayer(dest: string, files: number): Promise<number> {
  const pack = tarStream.pack();
  const written = pipeline(pack, createGzip({ level: 1 }), createWriteStream(dest));
  const perModule = Math.ceil(files / (PACKAGES * MODULES));
  const empty = Buffer.alloc(0);
  const add = (header: Partial<tarStream.Header> & { name: string }) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (header.type === 'directory') pack.entry(header, done);
      else pack.entry(header, empty, done);
    });
  let entries = 0;
  for (const d of ['usr/', 'usr/share/', 'usr/share/bench/']) {
    await add({ name: d, type: 'directory', mode: 0o755 });
    entries++;
  }
  let made = 0;
  for (let p = 0; p < PACKAGES && made < files; p++) {
    await add({ name: `usr/share/bench/pkg${p}/`, type: 'directory', mode: 0o755 });
    entries++;
    for (let m = 0; m < MODULES && made < files; m++) {
      await add({ name: `usr/share/bench/pkg${p}/mod${m}/`, type: 'directory', mode: 0o755 });
      entries++;
      for (let f = 0; f < perModule && made < files; f++, made++) {
        await add({ name: `usr/share/bench/pkg${p}/mod${m}/file_${made}${EXTENSIONS[made % EXTENSIONS.length]}`, size: 0, mode: 0o644 });
        entries++;
      }
    }
  }
  pack.finalize();
  await written;
  return entries;
}

/** Page probes: when the tree JSON is parsed, when its rows are first laid out, and long tasks. */
const PROBES = `
  window.__bench = { treeDataAt: [], treeVisibleAt: [], longTasks: [] };
  const json = Response.prototype.json;
  Response.prototype.json = async function () {
    const value = await json.call(this);
    if (this.url.includes('/api/getLayerTree')) {
      window.__bench.treeDataAt.push(performance.now());
      // The next DOM change is React committing the tree built from this data.
      const observer = new MutationObserver(() => {
        if (!document.querySelector('.tree-row')) return;
        observer.disconnect();
        document.body.offsetHeight; // lay out the new rows before taking the time
        window.__bench.treeVisibleAt.push(performance.now());
      });
      observer.observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
    }
    return value;
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

/**
 * Times one interaction in the page: runs the statements `act`, waits until the expression `done`
 * holds, forces layout, and returns the elapsed milliseconds. Scripts go in as strings because the
 * page's CSP forbids eval.
 */
async function timeInPage(page: Page, act: string, done: string): Promise<number> {
  const script = `new Promise((resolve, reject) => {
    const t0 = performance.now();
    ${act};
    const poll = () => {
      if (${done}) {
        document.body.offsetHeight;
        resolve(performance.now() - t0);
      } else if (performance.now() - t0 > 20000) reject(new Error(${JSON.stringify(`timed out waiting for ${done}`)}));
      else setTimeout(poll, 0);
    };
    poll();
  })`;
  return (await page.evaluate(script)) as number;
}

/** Waits until the expression holds in the page (polling; Playwright's waitForFunction needs eval). */
async function waitInPage(page: Page, expression: string): Promise<void> {
  await page.evaluate(`new Promise((resolve) => { const poll = () => ((${expression}) ? resolve(true) : setTimeout(poll, 20)); poll(); })`);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the benchmark on a generated layer of `files` files (default 500k). */
export async function runUiBench(files = 500_000): Promise<UiBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-ui-bench-'));
  const layer = path.join(dir, 'big-layer.tar.gz');
  const entries = await writeBigLayer(layer, files);
  const h = await startHarness({ viewport: { width: 1440, height: 900 }, initScript: PROBES });
  try {
    const { page } = h;
    page.setDefaultTimeout(180_000);
    const pathInput = page.getByLabel(/Image archive/);
    await pathInput.fill(layer);
    await pathInput.press('Enter');
    await waitInPage(page, 'window.__bench.treeVisibleAt.length >= 1');
    // Second sample: the merged view is fetched and built afresh.
    await page.getByRole('radio', { name: 'Merged' }).click();
    await waitInPage(page, 'window.__bench.treeVisibleAt.length >= 2');
    const probe = await page.evaluate(() => (globalThis as any).__bench as { treeDataAt: number[]; treeVisibleAt: number[] });
    const visible = probe.treeVisibleAt.map((t, i) => t - probe.treeDataAt[i]);

    const rows = `document.querySelectorAll('.tree-row').length`;
    const twisty = (p: string) => `document.querySelector('.tree-row[data-path="${p}"] .tree-twisty').click()`;
    const isOpen = (p: string, open: boolean) => `document.querySelector('.tree-row[data-path="${p}"]')?.getAttribute('aria-expanded') === '${open}'`;
    const expand: number[] = [];
    const collapse: number[] = [];
    // Packages sort by name (pkg0, pkg1, pkg10, pkg100…): these five are on screen once bench is open.
    for (const pkg of ['pkg0', 'pkg1', 'pkg10', 'pkg100', 'pkg101']) {
      const p = `/usr/share/bench/${pkg}`;
      expand.push(await timeInPage(page, twisty('/usr/share/bench'), isOpen('/usr/share/bench', true)));
      expand.push(await timeInPage(page, twisty(p), isOpen(p, true)));
      collapse.push(await timeInPage(page, twisty(p), isOpen(p, false)));
      collapse.push(await timeInPage(page, twisty('/usr/share/bench'), isOpen('/usr/share/bench', false)));
    }

    const search: number[] = [];
    const setQuery = (q: string) =>
      `const input = document.querySelector('input[aria-label="Search paths"]');
       Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, ${JSON.stringify(q)});
       input.dispatchEvent(new Event('input', { bubbles: true }));`;
    const countIs = (text: RegExp) => `${text}.test(document.querySelector('.search-count').textContent) && ${rows} > 0`;
    for (const [q, expected] of [
      ['file_4242', /^[\d,]+ match/],
      ['file_12345.', /^1 match$/],
      ['mod7', /^500 matches$/],
    ] as const) {
      search.push(await timeInPage(page, setQuery(q), countIs(expected)));
      await timeInPage(page, setQuery(''), `document.querySelector('.search-count').textContent === ''`);
    }
    const selectMode = (mode: string) =>
      `const s = document.querySelector('select[aria-label="Search mode"]');
       Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(s, '${mode}');
       s.dispatchEvent(new Event('change', { bubbles: true }));`;
    await page.evaluate(`{${selectMode('glob')}}`);
    search.push(await timeInPage(page, setQuery('*_99?.so'), countIs(/^[\d,]+ match/)));
    await page.evaluate(`{${selectMode('regex')}}`);
    search.push(await timeInPage(page, setQuery('^file_1\\d{4}\\.py$'), countIs(/^[\d,]+ match/)));
    await timeInPage(page, setQuery(''), `document.querySelector('.search-count').textContent === ''`);

    const expandAllMs = await timeInPage(
      page,
      `[...document.querySelectorAll('button')].find((b) => b.textContent === 'Expand all').click()`,
      `document.querySelector('.tree-canvas').offsetHeight > ${entries} * 20`,
    );
    // Steady wheel-like scrolling over the fully expanded tree, with a long jump every 50 frames.
    const scrollLongTasks = (await page.evaluate(`new Promise((resolve) => {
      const scroller = document.querySelector('.tree-scroller');
      const start = performance.now();
      let frame = 0;
      const step = () => {
        scroller.scrollTop = frame % 50 === 49 ? (scroller.scrollHeight * ((frame * 7) % 100)) / 100 : scroller.scrollTop + 240;
        if (++frame < 400) requestAnimationFrame(step);
        else setTimeout(() => resolve(window.__bench.longTasks.filter((t) => t.start >= start).map((t) => t.ms)), 100);
      };
      requestAnimationFrame(step);
    })`)) as number[];
    return {
      entries,
      measures: [
        { name: 'tree visible after data (median of 2)', ms: median(visible), targetMs: 300 },
        { name: 'expand folder (median of 10)', ms: median(expand), targetMs: 50 },
        { name: 'collapse folder (median of 10)', ms: median(collapse), targetMs: 50 },
        { name: 'search results (median of 5)', ms: median(search), targetMs: 200 },
        { name: 'search results (worst of 5)', ms: Math.max(...search), targetMs: 200 },
      ],
      scrollLongTasks,
      expandAllMs,
    };
  } finally {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Prints the result as a table of numbers against targets. */
export function formatUiBench(result: UiBenchResult): string {
  const lines = [`UI benchmark — one layer of ${result.entries.toLocaleString('en-US')} entries, headless Chromium`];
  for (const m of result.measures) {
    lines.push(`  ${m.name.padEnd(40)} ${m.ms.toFixed(1).padStart(8)} ms   target < ${m.targetMs} ms   ${m.ms < m.targetMs ? 'ok' : 'MISSED'}`);
  }
  const worst = result.scrollLongTasks.length ? Math.max(...result.scrollLongTasks) : 0;
  lines.push(
    `  ${'scrolling 400 frames: long tasks > 50 ms'.padEnd(40)} ${String(result.scrollLongTasks.filter((t) => t > 50).length).padStart(8)}      worst ${worst.toFixed(0)} ms   ${worst > 50 ? 'MISSED' : 'ok'}`,
  );
  lines.push(`  ${'expand all (every folder, info)'.padEnd(40)} ${result.expandAllMs.toFixed(1).padStart(8)} ms`);
  return lines.join('\n');
}

if (require.main === module) {
  const files = Number(process.argv[2] ?? 500_000);
  runUiBench(files).then(
    (result) => console.log(formatUiBench(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
