// The explorer in Debian's Chromium against `strata serve` and the real engine: the sample image, the
// ancestry chain (empty steps, trimmed build steps), the tree against the engine's own diff (glyphs,
// what changed, sizes, sort), search, the merged view, details, drops anywhere (also over an open
// image), dropped or chosen OCI layout folders, dropped layer tarballs, a corrupt file and the
// keyboard. Saves screenshots of the main views to docs/screenshots/.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { ImageView, SourceSpec, TreeData } from '../shared/api';
import { formatBytes, trimBuildStep } from '../shared/format';
import { writeDockerOciArchive, writeOciLayout, writeTarArchive } from '../main/test-support/image-fixtures';
import { filesBelow } from '../main/test-support/files-below';
import { compressBuffer, dir, file, makeLayerTar, whiteout } from '../main/test-support/layer-tar';
import { startHarness, type BrowserHarness } from './browser-harness';

const SHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
/** The glyph each row status carries next to its colour. */
const GLYPHS: Readonly<Record<string, string>> = { A: '+', M: '~', D: '−', U: '' };

/** Opens a source through the service itself: the reference the UI is checked against. */
async function analyse(h: BrowserHarness, source: SourceSpec): Promise<ImageView> {
  const opened = await h.service.openSource({ source });
  assert.ok(opened.ok, JSON.stringify(opened));
  const image = await h.service.analyzeImage({ sourceId: opened.value.sourceId, jobId: 'reference' });
  assert.ok(image.ok, JSON.stringify(image));
  return image.value;
}

async function engineTree(h: BrowserHarness, imageId: string, layer: number, view: 'changes' | 'merged'): Promise<TreeData> {
  const tree = await h.service.getLayerTree({ imageId, layer, view });
  assert.ok(tree.ok, JSON.stringify(tree));
  return tree.value;
}

function letterCounts(tree: TreeData): { A: number; M: number; D: number; U: number } {
  const counts = { A: 0, M: 0, D: 0, U: 0 };
  for (const s of tree.status) counts[s as keyof typeof counts]++;
  return counts;
}

interface ShownRow {
  /** The first path of a folded row (`/usr` for `usr/lib/x86_64`), else the row's own path. */
  readonly head: string;
  readonly status: string;
  readonly color: string;
  readonly selected: boolean;
  /** The status glyph (+ ~ −, none for unchanged), so the status reads without colour. */
  readonly glyph: string;
  /** The "Changed" column: what changed, `content · mode`. */
  readonly what: string;
  /** The size column. */
  readonly size: string;
}

/** Every tree row, scrolling the virtualised list from top to bottom: path → status and label colour. */
async function shownRows(page: Page): Promise<Map<string, ShownRow>> {
  const rows = await page.evaluate(async () => {
    const g = globalThis as any;
    const scroller = g.document.querySelector('.tree-scroller');
    const out: [string, { head: string; status: string; color: string; selected: boolean; glyph: string; what: string; size: string }][] = [];
    if (!scroller) return out;
    scroller.scrollTop = 0;
    for (;;) {
      await new Promise((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(resolve)));
      for (const el of g.document.querySelectorAll('.tree-row')) {
        out.push([
          el.dataset.path,
          {
            head: el.dataset.head ?? el.dataset.path,
            status: el.dataset.status,
            color: g.getComputedStyle(el.querySelector('.tree-label')).color,
            selected: el.getAttribute('aria-selected') === 'true',
            glyph: el.querySelector('.tree-status').textContent,
            what: el.querySelector('.tree-what').textContent,
            size: el.querySelector('.tree-size').textContent,
          },
        ]);
      }
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) break;
      scroller.scrollTop += scroller.clientHeight;
    }
    return out;
  });
  return new Map(rows);
}

/** Scrolls the virtualised tree until the row of `path` is rendered; returns it. */
async function revealRow(page: Page, path: string) {
  const found = await page.evaluate(async (p) => {
    const g = globalThis as any;
    const scroller = g.document.querySelector('.tree-scroller');
    scroller.scrollTop = 0;
    for (;;) {
      await new Promise((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(resolve)));
      if ([...g.document.querySelectorAll('.tree-row')].some((el: any) => el.dataset.path === p)) return true;
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) return false;
      scroller.scrollTop += scroller.clientHeight / 2;
    }
  }, path);
  assert.ok(found, `${path} is a row of the tree`);
  return page.locator(`.tree-row[data-path="${path}"]`);
}

/**
 * Per row of the engine's tree: its size plus, for directories, the totals of its children, a deleted
 * child counting only towards a deleted parent (the size column's rule).
 */
function subtreeTotals(tree: TreeData): number[] {
  const totals = tree.sizes.map((size, i) => (tree.types[i] === 'd' ? 0 : size));
  const index = new Map(tree.paths.map((p, i) => [p, i]));
  for (let i = tree.paths.length - 1; i >= 0; i--) {
    const p = tree.paths[i];
    const parent = index.get(p.slice(0, p.lastIndexOf('/')) || '/');
    if (parent === undefined || parent === i) continue;
    if ((tree.status[i] === 'D') === (tree.status[parent] === 'D')) totals[parent] += totals[i];
  }
  return totals;
}

/** Whether `p` is shown as a row of its own or as part of a folded row. */
function isShown(shown: ReadonlyMap<string, ShownRow>, p: string): boolean {
  if (shown.has(p)) return true;
  for (const [tail, row] of shown) if (row.head !== tail && (row.head === p || p.startsWith(`${row.head}/`)) && tail.startsWith(`${p}/`)) return true;
  return false;
}

/** The details pane's fields, name → value. */
async function fieldMap(page: Page): Promise<Map<string, string>> {
  const pairs = await page.locator('.fields .field').evaluateAll((fields) =>
    fields.map((f) => [f.querySelector('dt')?.textContent ?? '', f.querySelector('dd')?.textContent ?? ''] as [string, string]),
  );
  return new Map(pairs);
}

/** Waits until the tree pane shows the given layer's tree in the given view. */
async function treeShows(page: Page, layer: number, view: 'changes' | 'merged'): Promise<void> {
  await page.locator(`.tree-pane[data-layer="${layer}"][data-view="${view}"][aria-busy="false"]`).waitFor();
}

async function selectLayer(page: Page, layer: number, view: 'changes' | 'merged' = 'changes'): Promise<void> {
  await page.locator(`.chain-layer[data-layer="${layer}"]`).click();
  await page.locator(`.chain-layer[data-layer="${layer}"][aria-selected="true"]`).waitFor();
  await treeShows(page, layer, view);
}

async function toolbarCounts(page: Page): Promise<{ A: number; M: number; D: number }> {
  const text = async (cls: string) => Number((await page.locator(`.tree-toolbar .${cls}`).innerText()).replace(/[^0-9]/g, ''));
  return { A: await text('badge-A'), M: await text('badge-M'), D: await text('badge-D') };
}

/** Waits until the search box reports exactly `n` matches. */
async function countShows(page: Page, n: number): Promise<void> {
  await page.locator('.search-count', { hasText: new RegExp(`^${n.toLocaleString('en-US')} match(es)?$`) }).waitFor();
}

/** Parses `rgb(r, g, b)`. */
function rgb(color: string): [number, number, number] {
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(color);
  assert.ok(m, `not an rgb colour: ${color}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Drops files on the page (on `target`, default the app) with a synthesised DataTransfer holding real File objects. */
async function dropFiles(page: Page, files: readonly { name: string; data: Buffer }[], target = '.app'): Promise<void> {
  await page.evaluate(({ list, selector }) => {
    const g = globalThis as any;
    const transfer = new g.DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(g.atob(f.b64), (c: string) => c.charCodeAt(0));
      transfer.items.add(new g.File([bytes], f.name, { type: 'application/x-tar' }));
    }
    const element = g.document.querySelector(selector);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      element.dispatchEvent(new g.DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  }, { list: files.map((f) => ({ name: f.name, b64: f.data.toString('base64') })), selector: target });
}

/** Every regular file under `root`, with its path relative to it and its bytes, for dropping the folder. */
async function folderFiles(root: string): Promise<{ path: string; data: Buffer }[]> {
  return Promise.all((await filesBelow(root)).map(async (f) => ({ path: f.path, data: await readFile(f.full) })));
}

/**
 * Drops a folder. A page cannot build the FileSystemDirectoryEntry of a real folder drag, so the drop
 * carries stand-in entries with the same surface (createReader/readEntries in batches, file()) over
 * real File objects; everything after the entries (packing, upload, engine) is the real thing.
 */
async function dropFolder(page: Page, name: string, files: readonly { path: string; data: Buffer }[]): Promise<void> {
  await page.evaluate(({ folder, list }) => {
    // No named function expressions in here: the page has no `__name` helper for them.
    const g = globalThis as any;
    const root: any = { isFile: false, isDirectory: true, name: folder, children: [] };
    for (const f of list) {
      const parts: string[] = f.path.split('/');
      let at = root;
      for (const part of parts.slice(0, -1)) {
        let next = at.children.find((c: any) => c.isDirectory && c.name === part);
        if (!next) at.children.push((next = { isFile: false, isDirectory: true, name: part, children: [] }));
        at = next;
      }
      const bytes = Uint8Array.from(g.atob(f.b64), (c: string) => c.charCodeAt(0));
      at.children.push({ isFile: true, isDirectory: false, name: parts[parts.length - 1], blob: new g.File([bytes], parts[parts.length - 1]) });
    }
    const stack = [root];
    while (stack.length > 0) {
      const d = stack.pop();
      // Two entries per batch, as Chromium hands out a limited number at a time: the reader must ask again.
      d.createReader = function () {
        let at = 0;
        return { readEntries(ok: (batch: unknown[]) => void) { ok(d.children.slice(at, (at += 2))); } };
      };
      for (const c of d.children) {
        if (c.isDirectory) stack.push(c);
        else c.file = function (ok: (file: unknown) => void) { ok(c.blob); };
      }
    }
    const transfer = {
      types: ['Files'],
      items: [{ kind: 'file', webkitGetAsEntry() { return root; }, getAsFile() { return null; } }],
      files: [],
      dropEffect: 'none',
    };
    for (const type of ['dragenter', 'dragover', 'drop']) {
      const event = new g.Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', { value: transfer });
      g.document.querySelector('.app').dispatchEvent(event);
    }
  }, { folder: name, list: files.map((f) => ({ path: f.path, b64: f.data.toString('base64') })) });
}

/** The layer digests the ancestry chain shows, base first (from the digest's title). */
async function chainDigests(page: Page): Promise<string[]> {
  const titles = await page.locator('.chain-layer .chain-digest').evaluateAll((els) => els.map((el) => el.getAttribute('title') ?? ''));
  return titles.map((t) => t.split('\n')[0]);
}

async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

describe('browser: the explorer against the engine', () => {
  let h: BrowserHarness;
  let page: Page;
  let sample: ImageView;

  before(async () => {
    h = await startHarness();
    page = h.page;
    sample = await analyse(h, { kind: 'sample' });
  });
  after(async () => {
    await h?.close();
  });

  it('opens the sample image and shows its ancestry chain with the engine counts', async () => {
    await page.getByRole('heading', { name: 'Strata' }).waitFor();
    await shoot(page, 'start');
    await page.getByRole('button', { name: 'Open the sample image' }).click();
    await page.locator('.chain-layer').first().waitFor();
    assert.equal(await page.locator('.chain-layer').count(), sample.layers.length);
    for (const layer of sample.layers) {
      const row = page.locator(`.chain-layer[data-layer="${layer.index}"]`);
      assert.equal(await row.locator('.badge-A').innerText(), `+${layer.counts.created.toLocaleString('en-US')}`);
      assert.equal(await row.locator('.badge-M').innerText(), `~${layer.counts.changed.toLocaleString('en-US')}`);
      assert.equal(await row.locator('.badge-D').innerText(), `−${layer.counts.deleted.toLocaleString('en-US')}`);
    }
    const emptySteps = sample.layers.reduce((n, l) => n + l.emptyStepsBefore.length, 0) + sample.emptyStepsAfter.length;
    assert.equal(await page.locator('.chain-empty').count(), emptySteps);
    // Empty steps sit between the layers they came between, in history order, shown trimmed and dimmed.
    const sequence = await page.locator('.chain-list > li').evaluateAll((items) =>
      items.map((li) => (li.classList.contains('chain-layer') ? `layer ${li.getAttribute('data-layer')}` : `step ${li.textContent}`)),
    );
    const expectedSequence = [
      ...sample.layers.flatMap((l) => [...l.emptyStepsBefore.map((st) => `step ${trimBuildStep(st.createdBy)}`), `layer ${l.index}`]),
      ...sample.emptyStepsAfter.map((st) => `step ${trimBuildStep(st.createdBy)}`),
    ];
    assert.deepEqual(sequence, expectedSequence);
    assert.ok(sample.layers.some((l) => l.index > 0 && l.emptyStepsBefore.length > 0), 'the sample has empty steps between layers');
    const emptyStep = page.locator('.chain-empty').first();
    assert.equal(await emptyStep.getAttribute('title'), sample.layers.find((l) => l.emptyStepsBefore.length > 0)?.emptyStepsBefore[0].createdBy);
    const look = (selector: string) =>
      page.locator(selector).first().evaluate((el) => {
        const st = (globalThis as any).getComputedStyle(el);
        return { opacity: Number(st.opacity), color: st.color as string, size: parseFloat(st.fontSize) };
      });
    const [emptyLook, layerLook] = [await look('.chain-empty'), await look('.chain-layer .chain-index')];
    const lum = (c: string) => rgb(c).reduce((a, b) => a + b, 0);
    assert.ok(emptyLook.opacity < 1 || Math.abs(lum(emptyLook.color) - lum(layerLook.color)) > 120, 'empty steps are dimmed');
    // Shell noise trimmed, the full text on hover (title) and on expand.
    const base = sample.layers[0];
    assert.match(base.step.createdBy, /^\/bin\/sh -c #\(nop\)/);
    const stepText = page.locator('.chain-layer[data-layer="0"] .chain-step-text');
    assert.equal(await stepText.innerText(), trimBuildStep(base.step.createdBy));
    assert.doesNotMatch(await stepText.innerText(), /#\(nop\)|\/bin\/sh/);
    assert.equal(await page.locator('.chain-layer[data-layer="0"] .chain-step').getAttribute('title'), base.step.createdBy);
    await page.locator('.chain-layer[data-layer="0"]').getByRole('button', { name: 'Show the full build step' }).click();
    assert.equal((await stepText.innerText()).trim(), base.step.createdBy.trim());
    await page.locator('.chain-layer[data-layer="0"]').getByRole('button', { name: 'Collapse build step' }).click();
    assert.equal(await stepText.innerText(), trimBuildStep(base.step.createdBy));
    // The top layer is selected first.
    await page.locator(`.chain-layer[data-layer="${sample.layers.length - 1}"][aria-selected="true"]`).waitFor();
  });

  it('colours every layer’s tree rows as the engine’s diff says, with glyphs, what changed and the same counts', async () => {
    const colours = new Map<string, Set<string>>();
    const aspects = new Set<string>();
    for (const layer of sample.layers) {
      await selectLayer(page, layer.index);
      await page.getByRole('button', { name: 'Expand all' }).click();
      const engine = await engineTree(h, sample.imageId, layer.index, 'changes');
      const letters = letterCounts(engine);
      assert.deepEqual(await toolbarCounts(page), { A: letters.A, M: letters.M, D: letters.D }, `layer ${layer.index} toolbar counts`);
      assert.deepEqual([letters.A, letters.M, letters.D], [layer.counts.created, layer.counts.changed, layer.counts.deleted]);
      const shown = await shownRows(page);
      const status = new Map(engine.paths.map((p, i) => [p, engine.status[i]]));
      const what = new Map(engine.paths.map((p, i) => [p, (engine.what[i] ?? []).join(' · ')]));
      for (const [p, row] of shown) {
        assert.equal(row.status, status.get(p), `layer ${layer.index}: ${p}`);
        assert.equal(row.glyph, GLYPHS[row.status], `layer ${layer.index}: ${p} carries its status glyph`);
        assert.equal(row.what, what.get(p), `layer ${layer.index}: what changed in ${p}`);
        if (row.what) aspects.add(row.what);
        if (!colours.has(row.status)) colours.set(row.status, new Set());
        colours.get(row.status)?.add(row.color);
      }
      engine.paths.forEach((p, i) => {
        if (engine.status[i] !== 'U') assert.ok(isShown(shown, p), `layer ${layer.index}: changed path ${p} is not shown`);
      });
      if (layer.index === sample.layers.length - 1) await shoot(page, 'tree-changes');
    }
    // One colour per status, and the expected hues: green created, red deleted, yellow changed.
    for (const [s, set] of colours) assert.equal(set.size, 1, `status ${s} has one colour, got ${[...set].join(' ')}`);
    const colour = (s: string) => rgb([...(colours.get(s) ?? [])][0] ?? 'rgb(0, 0, 0)');
    assert.ok(colours.has('A') && colours.has('M') && colours.has('D'), 'the sample shows created, changed and deleted rows');
    const [ar, ag, ab] = colour('A');
    const [mr, mg, mb] = colour('M');
    const [dr, dg, db] = colour('D');
    assert.ok(ag > ar && ag > ab, 'created rows are green');
    assert.ok(dr > dg && dr > db, 'deleted rows are red');
    assert.ok(mr > mb && mg > mb, 'changed rows are yellow');
    // The sample changes a file's content (layer 2) and another's mode only (layer 3).
    const said = (aspect: string) => [...aspects].some((a) => a.split(' · ').includes(aspect));
    assert.ok(said('content') && said('mode'), `changed rows say what changed: ${[...aspects].join(', ')}`);
  });

  it('searches by substring, glob and regex, keeping the ancestors of matches', async () => {
    const top = sample.layers.length - 1;
    await selectLayer(page, top);
    await page.getByRole('radio', { name: 'Merged' }).click();
    await treeShows(page, top, 'merged');
    const merged = await engineTree(h, sample.imageId, top, 'merged');
    const names = merged.paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
    // A query taken from the data: the first three letters of a file name deep in the tree.
    const target = merged.paths.find((p, i) => merged.types[i] === 'f' && p.split('/').length >= 4 && /^[a-z]{3}/.test(names[i])) ?? '';
    assert.ok(target, 'the sample has a file three levels deep');
    const query = target.slice(target.lastIndexOf('/') + 1).slice(0, 3);
    const expected = merged.paths.filter((_, i) => names[i].toLowerCase().includes(query));
    const search = page.getByRole('searchbox', { name: 'Search paths' });
    await search.fill(query);
    await countShows(page, expected.length);
    const shown = await shownRows(page);
    assert.ok(shown.has(target), `${target} is shown`);
    for (const p of shown.keys()) {
      const isMatchOrAncestor = expected.some((m) => m === p || m.startsWith(`${p}/`) || p.startsWith(`${m}/`));
      assert.ok(isMatchOrAncestor, `${p} is neither a match, an ancestor of one, nor inside a matching folder`);
    }
    await shoot(page, 'search');

    await page.getByRole('combobox', { name: 'Search mode' }).selectOption('glob');
    const ext = target.includes('.') ? target.slice(target.lastIndexOf('.')) : '';
    const glob = ext ? `*${ext}` : `${query}*`;
    await search.fill(glob);
    const globExpected = names.filter((n) => (ext ? n.toLowerCase().endsWith(ext.toLowerCase()) : n.toLowerCase().startsWith(query))).length;
    await countShows(page, globExpected);

    await page.getByRole('combobox', { name: 'Search mode' }).selectOption('regex');
    await search.fill('(');
    await page.locator('.search-count', { hasText: 'invalid' }).waitFor();
    await search.fill('^/[^/]+$');
    await countShows(page, merged.paths.filter((p) => /^\/[^/]+$/.test(p)).length);
    await search.fill('');
    await page.getByRole('combobox', { name: 'Search mode' }).selectOption('text');
  });

  it('shows the merged filesystem with unchanged rows and the only-changes filter', async () => {
    const top = sample.layers.length - 1;
    const merged = await engineTree(h, sample.imageId, top, 'merged');
    await page.getByRole('button', { name: 'Expand all' }).click();
    const shown = await shownRows(page);
    const status = new Map(merged.paths.map((p, i) => [p, merged.status[i]]));
    assert.ok([...shown.values()].some((r) => r.status === 'U'), 'unchanged rows are shown in the merged view');
    for (const [p, row] of shown) assert.equal(row.status, status.get(p), p);
    merged.paths.forEach((p, i) => {
      if (merged.types[i] !== 'd') assert.ok(isShown(shown, p), `file ${p} of the merged filesystem is shown`);
    });
    // Unchanged rows are grey: one neutral colour, unlike the created, changed and deleted ones.
    const colourOf = (st: string) => new Set([...shown.values()].filter((r) => r.status === st).map((r) => r.color));
    const grey = colourOf('U');
    assert.equal(grey.size, 1, `unchanged rows have one colour: ${[...grey].join(' ')}`);
    const [ur, ug, ub] = rgb([...grey][0]);
    assert.ok(Math.max(ur, ug, ub) - Math.min(ur, ug, ub) < 40, `unchanged rows are grey, got ${[...grey][0]}`);
    for (const st of ['A', 'M']) for (const c of colourOf(st)) assert.notEqual(c, [...grey][0], `${st} rows are not grey`);
    // The size column: files their size, directories the sum of their subtree (deleted rows apart).
    const totals = subtreeTotals(merged);
    for (const [p, row] of shown) {
      const i = merged.paths.indexOf(p);
      const expected = 'fs'.includes(merged.types[i]) || totals[i] > 0 ? formatBytes(totals[i]) : '';
      assert.equal(row.size, expected, `size of ${p}`);
    }
    assert.ok([...shown].some(([p, row]) => merged.types[merged.paths.indexOf(p)] === 'd' && row.size !== ''), 'directories show their subtree size');
    await shoot(page, 'tree-merged');
    // Sort by size (largest first), then back to name order.
    await page.getByRole('button', { name: 'Collapse' }).click();
    const topLevel = () =>
      page.locator('.tree-row[aria-level="1"]').evaluateAll((rows) =>
        rows.map((r) => [parseFloat((r as any).style.top), r.getAttribute('data-head') ?? r.getAttribute('data-path') ?? ''] as const).sort((a, b) => a[0] - b[0]).map((r) => r[1]),
      );
    const byName = await topLevel();
    assert.deepEqual(byName, merged.paths.filter((p) => byName.includes(p)), 'name order is the engine’s path order');
    await page.locator('.tree-header').getByRole('button', { name: /^Size/ }).click();
    const bySize = await topLevel();
    const sizeOf = (p: string) => totals[merged.paths.indexOf(p)];
    assert.deepEqual(bySize, [...byName].sort((a, b) => sizeOf(b) - sizeOf(a)), 'largest first');
    assert.notDeepEqual(bySize, byName, 'the sample’s largest folder is not the first by name');
    await page.locator('.tree-header').getByRole('button', { name: /^Name/ }).click();
    assert.deepEqual(await topLevel(), byName);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.getByRole('checkbox', { name: 'Only changes' }).check();
    const filtered = await shownRows(page);
    const changed = merged.paths.filter((_, i) => merged.status[i] !== 'U');
    for (const [p, row] of filtered) {
      assert.ok(row.status !== 'U' || changed.some((c) => c.startsWith(`${p}/`)), `${p} is unchanged and holds no change`);
    }
    await page.getByRole('checkbox', { name: 'Only changes' }).uncheck();
  });

  it('shows a path’s details and its history across layers; a history entry selects its layer', async () => {
    const top = sample.layers.length - 1;
    const merged = await engineTree(h, sample.imageId, top, 'merged');
    // The path with the longest history in the image, found through the engine.
    let best = { path: '', length: 0 };
    for (const [i, p] of merged.paths.entries()) {
      if (merged.types[i] === 'd') continue;
      const d = await h.service.getPathDetails({ imageId: sample.imageId, layer: top, path: p });
      if (d.ok && d.value.history.length > best.length) best = { path: p, length: d.value.history.length };
    }
    assert.ok(best.length >= 2, 'the sample changes some file in a later layer');
    const details = await h.service.getPathDetails({ imageId: sample.imageId, layer: top, path: best.path });
    assert.ok(details.ok && details.value.entry);
    await (await revealRow(page, best.path)).click();
    await page.locator('.details-path', { hasText: best.path }).waitFor();
    const fields = await page.locator('.fields').innerText();
    const mode = details.value.entry.mode;
    const rwx = [6, 3, 0].map((shift) => ['r', 'w', 'x'].map((c, b) => ((mode >> shift) & (4 >> b) ? c : '-')).join('')).join('');
    assert.match(fields, new RegExp(rwx.replace(/-/g, '\\-')));
    assert.match(fields, new RegExp(`${details.value.entry.uid}:${details.value.entry.gid}`));
    assert.equal(await page.locator('.history-item').count(), details.value.history.length);
    const layersShown = await page.locator('.history-layer').allInnerTexts();
    assert.deepEqual(layersShown, details.value.history.map((item) => `#${item.layer}`));
    assert.deepEqual(
      await page.locator('.history-step').allInnerTexts(),
      details.value.history.map((item) => trimBuildStep(item.createdBy) || '(no build step recorded)'),
      'each history entry shows its layer’s build step',
    );
    const entry = details.value.entry;
    const shownFields = await fieldMap(page);
    assert.equal(await page.locator('.details-path').innerText(), best.path);
    assert.equal(shownFields.get('Type'), entry.type);
    assert.equal(shownFields.get('Size'), `${formatBytes(entry.size)} (${entry.size.toLocaleString()} bytes)`);
    assert.equal(shownFields.get('Modified'), new Date(entry.mtime * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC'));
    assert.equal(shownFields.get('Digest'), entry.digest);
    assert.match(entry.digest, /^sha256:[0-9a-f]{64}$/);
    await shoot(page, 'details');
    const first = details.value.history[0].layer;
    await page.locator('.history-layer').first().click();
    await page.locator(`.chain-layer[data-layer="${first}"][aria-selected="true"]`).waitFor();
    await treeShows(page, first, 'merged');
    // Links show their target.
    for (const [link, label] of [['/bin/sh', 'Link target'], ['/bin/ls', 'Hard link to']] as const) {
      const linkDetails = await h.service.getPathDetails({ imageId: sample.imageId, layer: first, path: link });
      assert.ok(linkDetails.ok && linkDetails.value.entry?.linkname);
      await (await revealRow(page, link)).click();
      await page.locator('.details-path', { hasText: link }).waitFor();
      const linkFields = await fieldMap(page);
      assert.equal(linkFields.get('Type'), linkDetails.value.entry.type);
      assert.equal(linkFields.get(label), linkDetails.value.entry.linkname);
    }
  });

  it('opens an archive dropped anywhere over an open image, and stages layer tarballs dropped over one', async () => {
    const archive = path.join(h.tempDir, 'dropped.tar');
    const written = await writeDockerOciArchive(archive, [
      { layers: [await makeLayerTar([dir('etc'), file('etc/dropped', 'yes')]), await makeLayerTar([file('srv/app', 'run')])], tags: ['dropped/app:v1'] },
    ]);
    const reference = await analyse(h, { kind: 'path', path: archive });
    await page.locator(`.chain-layer[data-layer="${sample.layers.length - 1}"]`).waitFor();
    // Files dragged over the open image show the drop overlay; leaving the window hides it.
    const drag = (type: string) =>
      page.evaluate((eventType) => {
        const g = globalThis as any;
        const transfer = new g.DataTransfer();
        transfer.items.add(new g.File(['x'], 'x.tar'));
        g.document.querySelector('.tree-row').dispatchEvent(new g.DragEvent(eventType, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }, type);
    await drag('dragenter');
    await page.locator('.drop-overlay', { hasText: 'Drop to open' }).waitFor();
    await drag('dragleave');
    await page.locator('.drop-overlay').waitFor({ state: 'detached' });
    // Dropped on a tree row of the open sample, far from any drop zone.
    await dropFiles(page, [{ name: 'dropped.tar', data: await readFile(archive) }], '.tree-row');
    await page.locator('.topbar-image', { hasText: 'dropped/app:v1' }).waitFor();
    assert.deepEqual(await chainDigests(page), reference.layers.map((l) => l.digest));
    assert.deepEqual(reference.layers.map((l) => l.digest), written.images[0].layers.map((l) => l.digest));
    // Several tarballs dropped on the chain pane of the open image: staged, in drop order.
    const one = await makeLayerTar([file('one.txt', '1')]);
    const two = await makeLayerTar([file('two.txt', '2')]);
    await dropFiles(page, [{ name: 'two.tar', data: two }, { name: 'one.tar', data: one }], '.chain');
    await page.locator('.staging-item').nth(1).waitFor();
    assert.deepEqual(await page.locator('.staging-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-file'))), ['two.tar', 'one.tar']);
    await page.locator('.staging').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Open the sample image' }).click();
    await page.locator(`.chain-layer[data-layer="${sample.layers.length - 1}"][aria-selected="true"]`).waitFor();
  });

  it('stacks dropped layer tarballs in drop order, reorders them, and analyses them like the engine', async () => {
    const base = await makeLayerTar([dir('app'), file('app/a.txt', 'one'), file('app/b.txt', 'two'), dir('etc'), file('etc/os-release', 'ID=test')]);
    const middle = await compressBuffer(await makeLayerTar([dir('app'), file('app/a.txt', 'one, edited'), whiteout('/app/b.txt'), file('app/c.txt', 'three')]), 'gzip');
    const top = await makeLayerTar([dir('etc'), file('etc/app.conf', 'x=1', { mode: 0o600 })]);
    const files = [
      { name: 'top.tar', data: top },
      { name: 'base.tar', data: base },
      { name: 'middle.tar.gz', data: middle },
    ];
    await page.getByRole('button', { name: 'Close image' }).click();
    await dropFiles(page, files);
    const order = () => page.locator('.staging-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-file')));
    await page.locator('.staging-item').first().waitFor();
    assert.deepEqual(await order(), ['top.tar', 'base.tar', 'middle.tar.gz'], 'drop order');
    await page.getByRole('button', { name: 'Move base.tar up' }).click();
    assert.deepEqual(await order(), ['base.tar', 'top.tar', 'middle.tar.gz']);
    // Drag top.tar onto the last row (dispatched one event per step, so React re-renders in between).
    for (const [index, type] of [[1, 'dragstart'], [2, 'dragover'], [2, 'drop'], [1, 'dragend']] as const) {
      await page.locator('.staging-item').nth(index).dispatchEvent(type, { dataTransfer: await page.evaluateHandle(() => new (globalThis as any).DataTransfer()) });
    }
    await page.locator('.staging-item:last-child[data-file="top.tar"]').waitFor();
    assert.deepEqual(await order(), ['base.tar', 'middle.tar.gz', 'top.tar']);
    await shoot(page, 'staging');

    const paths = await Promise.all(
      ['base.tar', 'middle.tar.gz', 'top.tar'].map(async (name) => {
        const p = path.join(h.tempDir, name);
        await writeFile(p, files.find((f) => f.name === name)?.data ?? Buffer.alloc(0));
        return p;
      }),
    );
    const reference = await analyse(h, { kind: 'layer-files', paths });
    await page.getByRole('button', { name: 'Analyse 3 layers' }).click();
    await page.locator('.chain-layer').nth(2).waitFor();
    assert.equal(await page.locator('.chain-layer').count(), 3);
    for (const layer of reference.layers) {
      const row = page.locator(`.chain-layer[data-layer="${layer.index}"]`);
      assert.equal(await row.locator('.badge-A').innerText(), `+${layer.counts.created}`);
      assert.equal(await row.locator('.badge-M').innerText(), `~${layer.counts.changed}`);
      assert.equal(await row.locator('.badge-D').innerText(), `−${layer.counts.deleted}`);
    }
    assert.equal(reference.layers[1].counts.deleted, 1, 'the middle layer deletes app/b.txt');
    await selectLayer(page, 1);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.locator('.tree-row[data-path="/app/b.txt"][data-status="D"]').waitFor();
    await page.locator('.tree-row[data-path="/app/a.txt"][data-status="M"]').waitFor();
    await page.locator('.tree-row[data-path="/app/c.txt"][data-status="A"]').waitFor();
  });

  it('names a corrupt file in a clear error instead of a blank window', async () => {
    await page.getByRole('button', { name: 'Close image' }).click();
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(2000, 0x5a)]);
    await dropFiles(page, [{ name: 'corrupt-layer.tar.gz', data: corrupt }]);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /corrupt-layer\.tar\.gz/);
    assert.doesNotMatch(text, /uploads/, 'the error names the dropped file, not where the server stored it');
    await page.getByRole('heading', { name: 'Strata' }).waitFor();
    await shoot(page, 'error');
    await page.getByRole('button', { name: 'Dismiss error' }).click();
    // A broken member inside an archive: the error names the file and the entry.
    const badConfig = path.join(h.tempDir, 'bad-config.tar');
    await writeTarArchive(badConfig, [
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'config.json', RepoTags: ['bad/config:1'], Layers: ['layer.tar'] }]) },
      { name: 'config.json', data: '{ not json' },
      { name: 'layer.tar', data: await makeLayerTar([file('a.txt', 'a')]) },
    ]);
    await dropFiles(page, [{ name: 'bad-config.tar', data: await readFile(badConfig) }]);
    await alert.waitFor();
    const where = await alert.locator('.error-banner-where').evaluate((dl) =>
      [...dl.querySelectorAll('dt')].map((dt) => `${dt.textContent}=${dt.nextElementSibling?.textContent}`),
    );
    assert.deepEqual(where, ['File=bad-config.tar', 'Entry=config.json']);
    assert.match(await alert.innerText(), /not valid JSON/);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('opens an OCI layout folder chosen or dropped in the browser (uploaded as an archive), and refuses other folders', async () => {
    const layout = path.join(h.tempDir, 'layout');
    await writeOciLayout(layout, [
      { layers: [await makeLayerTar([dir('etc'), file('etc/folder', 'oci')]), await makeLayerTar([file('app/main', 'x'.repeat(3000))])], tags: ['folder/app:v1'] },
    ]);
    const reference = await analyse(h, { kind: 'path', path: layout });
    const digests = reference.layers.map((l) => l.digest);
    // Chosen with "Choose folder…" (Chromium's real directory upload).
    await page.locator('input[webkitdirectory]').setInputFiles(layout);
    await page.locator('.chain-layer').nth(1).waitFor();
    assert.deepEqual(await chainDigests(page), digests);
    assert.equal(await page.locator('.topbar-image').innerText(), reference.name);
    await page.getByRole('button', { name: 'Close image' }).click();
    // Dropped as a folder.
    await dropFolder(page, 'layout', await folderFiles(layout));
    await page.locator('.chain-layer').nth(1).waitFor();
    assert.deepEqual(await chainDigests(page), digests);
    await page.getByRole('button', { name: 'Close image' }).click();
    // A folder that is not an OCI layout: a clear error naming it.
    await dropFolder(page, 'holiday-photos', [{ path: 'beach.jpg', data: Buffer.from('not an image layout') }]);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /holiday-photos is not an OCI image layout/);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('shows progress per layer and cancels: the job is cancelled and its late answer ignored', async () => {
    // The analysis answer is held back (the engine still runs and streams its progress), so the
    // progress screen stays up until the test has pressed Cancel.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/analyzeImage', async (route) => {
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    try {
      const analyse = page.waitForRequest('**/api/analyzeImage');
      await page.getByRole('button', { name: 'Open the sample image' }).click();
      const jobId = JSON.parse((await analyse).postData() ?? '{}').jobId;
      const bars = page.getByRole('progressbar');
      await page.locator('.progress-item[data-state="done"], .progress-item[data-state="cached"]').nth(sample.layers.length - 1).waitFor();
      assert.equal(await bars.count(), sample.layers.length, 'one progress bar per layer');
      for (const value of await bars.evaluateAll((els) => els.map((e) => e.getAttribute('aria-valuenow')))) assert.equal(value, '100');
      await shoot(page, 'progress');
      const cancelled = page.waitForRequest('**/api/cancelJob');
      await page.getByRole('button', { name: 'Cancel' }).click();
      assert.deepEqual(JSON.parse((await cancelled).postData() ?? '{}'), { jobId });
      await page.getByRole('heading', { name: 'Strata' }).waitFor();
      const late = page.waitForResponse('**/api/analyzeImage');
      release();
      await late;
      await page.evaluate(() => new Promise((resolve) => (globalThis as any).setTimeout(resolve, 100)));
      assert.equal(await page.locator('.chain-layer').count(), 0, 'the answer that came after Cancel opened nothing');
      assert.equal(await page.getByRole('alert').count(), 0);
    } finally {
      release();
      await page.unroute('**/api/analyzeImage');
    }
  });

  it('is driven by the keyboard: arrows, left/right, enter, / and [ ]', async () => {
    await page.getByRole('button', { name: 'Open the sample image' }).click();
    const top = sample.layers.length - 1;
    await page.locator(`.chain-layer[data-layer="${top}"][aria-selected="true"]`).waitFor();
    await page.getByRole('radio', { name: 'Merged' }).click();
    await treeShows(page, top, 'merged');
    await page.getByRole('button', { name: 'Collapse' }).click();
    const tree = page.getByRole('tree', { name: 'Files' });
    await tree.focus();
    const selectedPath = () => page.locator('.tree-row[aria-selected="true"]').getAttribute('data-path');
    // Rows sit in recycled DOM slots, so screen order is their `top`, not DOM order.
    const visible = () =>
      page.locator('.tree-row').evaluateAll((rows) =>
        rows.map((r) => [parseFloat((r as any).style.top), r.getAttribute('data-path')] as const).sort((a, b) => a[0] - b[0]).map((r) => r[1]),
      );
    const before = await visible();
    await page.keyboard.press('ArrowDown');
    assert.equal(await selectedPath(), before[0]);
    await page.keyboard.press('ArrowDown');
    assert.equal(await selectedPath(), before[1]);
    await page.keyboard.press('ArrowUp');
    assert.equal(await selectedPath(), before[0]);
    // Find a top-level folder and open it with the right arrow, close it with the left arrow.
    const folder = await page.locator('.tree-row[aria-expanded="false"]').first().getAttribute('data-path');
    assert.ok(folder);
    while ((await selectedPath()) !== folder) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.locator(`.tree-row[data-path="${folder}"][aria-expanded="true"]`).waitFor();
    assert.ok((await visible()).length > before.length, 'the folder’s children show');
    await page.keyboard.press('ArrowRight');
    const child = await selectedPath();
    assert.ok(child?.startsWith(`${folder}/`), `right arrow on an open folder moves to its first child (${child})`);
    await page.keyboard.press('ArrowLeft');
    if ((await selectedPath()) !== folder) await page.keyboard.press('ArrowLeft');
    assert.equal(await selectedPath(), folder);
    await page.keyboard.press('ArrowLeft');
    await page.locator(`.tree-row[data-path="${folder}"][aria-expanded="false"]`).waitFor();
    await page.keyboard.press('Enter');
    await page.locator(`.tree-row[data-path="${folder}"][aria-expanded="true"]`).waitFor();
    await page.keyboard.press('[');
    await page.locator(`.chain-layer[data-layer="${top - 1}"][aria-selected="true"]`).waitFor();
    await treeShows(page, top - 1, 'merged');
    await page.keyboard.press(']');
    await page.locator(`.chain-layer[data-layer="${top}"][aria-selected="true"]`).waitFor();
    await treeShows(page, top, 'merged');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('aria-label')), 'Search paths');
    await page.keyboard.type('[');
    assert.equal(await page.getByRole('searchbox', { name: 'Search paths' }).inputValue(), '[', 'typing in the search box does not switch layers');
    await page.locator(`.chain-layer[data-layer="${top}"][aria-selected="true"]`).waitFor();
    await page.keyboard.press('Escape');
  });

  it('follows a dark OS theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor as string);
    const [r, g, b] = rgb(background);
    assert.ok(r + g + b < 120, `dark background, got ${background}`);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await shoot(page, 'tree-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
