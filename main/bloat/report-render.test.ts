// Renderings of a report: hostile names stay text in HTML, Markdown and the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ImageDescriptor, LayerEntry, LayerIndex } from '../../shared/model';
import { diffLayers } from '../layers/layer-diff';
import { analyzeBloat, analyzeBloatWithFiles } from './analyze-bloat';
import { layoutTreemap, renderBloatHtml } from './html-report';
import { renderBloatMarkdown } from './report-markdown';
import { renderBloatText } from './report-text';
import { buildSizeTree } from './size-tree';

const HOSTILE = '/srv/<script>alert(1)</script>&"\'`|\u001b[31mred';
const file = (path: string, content: string): LayerEntry => ({
  path, type: 'file', size: content.length, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: '', digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
});
const layer = (entries: LayerEntry[], whiteouts: string[] = []): LayerIndex => ({
  diffId: '', compression: 'none', compressedSize: 0, uncompressedSize: 0, entries, whiteouts, opaqueDirs: [], warnings: [],
});
const step = (createdBy: string) => ({ createdBy, created: '', comment: '', emptyLayer: false });
const image: ImageDescriptor = {
  name: '<img src=x onerror=alert(2)>', id: '', platform: 'linux/amd64', created: '', runtimeConfig: '', emptyStepsAfter: [],
  layers: [0, 1].map((i) => ({ index: i, digest: '', diffId: '', mediaType: '', size: 0, step: step(`RUN echo </td><b>${i}`), emptyStepsBefore: [] })),
};
const indexes = [layer([file(HOSTILE, 'a'.repeat(500)), file('/usr/bin/tool', 'b'.repeat(300))]), layer([file('/usr/bin/tool', 'c'.repeat(200))], [HOSTILE])];

test('the HTML report escapes every name and has no scripts or network references', async () => {
  const report = analyzeBloat(image, indexes);
  const tree = buildSizeTree(analyzeBloatWithFiles(image, indexes, diffLayers(indexes)).files);
  const html = renderBloatHtml(report, await layoutTreemap(tree, 800, 400));
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(!html.includes('<img'), 'no injected element');
  assert.ok(!html.includes('</td><b>'), 'steps are text');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;'), 'the hostile path appears escaped');
  assert.ok(!/(src|href)=["']?https?:/i.test(html), 'no network references');
  assert.match(html, /<svg [^>]*role="img"/);
  assert.match(html, /<rect [^>]*fill="hsl\(/, 'treemap has coloured boxes');
  assert.ok(html.includes('<title>/usr/bin/tool — 200 B (layer 1)</title>'), 'hover text gives path, size, layer');
});

test('terminal and Markdown output neutralise control characters, backticks and pipes', () => {
  const report = analyzeBloat(image, indexes);
  const text = renderBloatText(report);
  assert.ok(!text.includes('\u001b'), 'no raw escape sequence');
  assert.ok(text.includes('\\x1b[31mred'));
  const md = renderBloatMarkdown(report);
  assert.ok(!md.includes('\u001b'));
  const row = md.split('\n').find((l) => l.includes('alert(1)')) as string;
  assert.equal(row.split(/(?<!\\)\|/).length, 7, 'the path cannot add table columns');
});

test('the size tree folds small siblings and keeps totals', () => {
  const many = layer(Array.from({ length: 60 }, (_, i) => file(`/d/f${String(i).padStart(2, '0')}`, 'x'.repeat(i + 1))));
  const tree = buildSizeTree(analyzeBloatWithFiles(image, [many], diffLayers([many])).files, 100, 10);
  const d = tree.children?.[0];
  assert.equal(d?.path, '/d');
  assert.equal(d?.size, (60 * 61) / 2);
  assert.equal(d?.children?.length, 11);
  assert.equal(d?.children?.[0].path, '/d/f59');
  assert.equal(d?.children?.[10].name, '50 smaller items');
  assert.equal(d?.children?.reduce((s, c) => s + c.size, 0), d?.size);
});

test('content kept only by a hard link is in the size tree under the link, once', () => {
  const link: LayerEntry = { path: '/lib/libfoo.so.1', type: 'hardlink', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: '/lib/libfoo.so', digest: '' };
  const kept = [layer([file('/lib/libfoo.so', 'f'.repeat(50)), link, file('/lib/other', 'o'.repeat(7))]), layer([], ['/lib/libfoo.so'])];
  const lib = buildSizeTree(analyzeBloatWithFiles(image, kept, diffLayers(kept)).files).children?.[0];
  assert.equal(lib?.size, 57);
  assert.deepEqual(lib?.children?.map((c) => [c.path, c.size, c.layer]), [['/lib/libfoo.so.1', 50, 0], ['/lib/other', 7, 0]]);
  const both = buildSizeTree(analyzeBloatWithFiles(image, [kept[0]], diffLayers([kept[0]])).files).children?.[0];
  assert.deepEqual(both?.children?.map((c) => [c.path, c.size]), [['/lib/libfoo.so', 50], ['/lib/other', 7]], 'listed once while both names are visible');
});
