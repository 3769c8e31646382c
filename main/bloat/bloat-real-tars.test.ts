// Bloat figures on real layer tars (built in memory, compressed, indexed by the engine's indexer), and on
// dive's own test image from the corpus, where our dive-compatible figures must equal dive's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import type { ImageDescriptor, LayerIndex } from '../../shared/model';
import { indexLayerStream } from '../layers/layer-indexer';
import { compressBuffer, dir, file, makeLayerTar, opaque, whiteout, type FixtureEntry } from '../test-support/layer-tar';
import { analyzeBloat } from './analyze-bloat';

const descriptor = (steps: readonly string[]): ImageDescriptor => ({
  name: 'tars', id: '', platform: '', created: '', runtimeConfig: '', emptyStepsAfter: [],
  layers: steps.map((createdBy, i) => ({
    index: i, digest: '', diffId: '', mediaType: '', size: 0,
    step: { createdBy, created: '', comment: '', emptyLayer: false }, emptyStepsBefore: [],
  })),
});

async function indexTar(entries: readonly FixtureEntry[], format: 'none' | 'gzip' | 'zstd', name: string): Promise<LayerIndex> {
  const blob = await compressBuffer(await makeLayerTar(entries), format);
  return indexLayerStream(Readable.from([blob]), { name });
}

test('real tars: overwrite, chmod-only, deleted directory, opaque directory and hard links', async () => {
  const indexes = [
    await indexTar([
      dir('app/'), file('app/big.bin', 'B'.repeat(4000)), file('app/tool', 'T'.repeat(300)),
      dir('cache/'), dir('cache/pip/'), file('cache/pip/a.whl', 'A'.repeat(1500)), file('cache/pip/b.whl', 'W'.repeat(500)),
      dir('etc/'), file('etc/conf', 'C'.repeat(100)), file('etc/other', 'O'.repeat(60)),
      dir('lib/'), file('lib/libz.so', 'Z'.repeat(800)), { name: 'lib/libz.so.1', type: 'link', linkname: 'lib/libz.so' },
    ], 'gzip', 'layer0'),
    await indexTar([
      dir('app/'), file('app/big.bin', 'b'.repeat(1000)),
      file('app/tool', 'T'.repeat(300), { mode: 0o755 }),
      whiteout('/cache'),
      dir('etc/'), opaque('/etc'), file('etc/conf', 'c'.repeat(40)),
      whiteout('/lib/libz.so'),
    ], 'zstd', 'layer1'),
  ];
  const r = analyzeBloat(descriptor(['/bin/sh -c #(nop) ADD file:base in /', '/bin/sh -c chmod +x /app/tool && rm -rf /cache']), indexes);
  // Lost: big.bin 4000 (overwritten), tool 300 (chmod), a.whl 1500 + b.whl 500 (dir deleted), conf 100 + other 60 (opaque).
  // libz.so survives through its hard link libz.so.1.
  assert.equal(r.totals.wastedBytes, 4000 + 300 + 1500 + 500 + 100 + 60);
  assert.deepEqual(r.wasted.map((w) => [w.path, w.cause, w.metadataOnly]), [
    ['/app/big.bin', 'overwritten', false],
    ['/cache/pip/a.whl', 'deleted', false],
    ['/cache/pip/b.whl', 'deleted', false],
    ['/app/tool', 'overwritten', true],
    ['/etc/conf', 'overwritten', false], // re-written under the opaque marker: an overwrite
    ['/etc/other', 'opaque-dir', false],
  ]);
  assert.equal(r.wasted[3].lost.step, 'RUN chmod +x /app/tool && rm -rf /cache');
  assert.equal(r.totals.metadataOnlyBytes, 300);
  assert.equal(r.totals.visibleBytes, 1000 + 300 + 40 + 800);
  assert.equal(r.totals.contentBytes, r.totals.visibleBytes + r.totals.wastedBytes);
  assert.ok(r.layers.every((l) => l.tarBytes > 0 && l.compressedBytes > 0));
  // dive: leaves of layer 0: big.bin 4000, tool 300, a.whl 1500, b.whl 500, conf 100, other 60, libz.so 800, libz.so.1 0.
  // Layer 1 leaves: big.bin 1000, tool 300, .wh.cache (dir: 0+0+1500+500 = 2000), conf 40, .wh.libz.so (a file: 0).
  // Paths twice: big.bin 5000 (min 1000), tool 600 (300), libz.so 800 (0), conf 140 (40); once: the rest.
  const sum = 4000 + 300 + 1500 + 500 + 100 + 60 + 800 + 1000 + 300 + 2000 + 40;
  const min = 1000 + 300 + 1500 + 500 + 40 + 60 + 0 + 0 + 2000;
  assert.equal(r.dive.efficiency, min / sum);
  assert.equal(r.dive.wastedBytes, 5000 + 600 + 800 + 140);
  assert.equal(r.dive.userSizeBytes, 1000 + 300 + 40);
  assert.equal(r.dive.userWastedPercent, (5000 + 600 + 800 + 140) / 1340);
});

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/dive-images/test-docker-image.tar');

/** The layer tars of a `docker save` archive, in manifest order. */
async function dockerArchiveLayers(path: string): Promise<{ steps: string[]; layers: Buffer[] }> {
  const members = new Map<string, Buffer>();
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      members.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  Readable.from([readFileSync(path)]).pipe(extract);
  await done;
  const [manifest] = JSON.parse((members.get('manifest.json') as Buffer).toString()) as { Config: string; Layers: string[] }[];
  const config = JSON.parse((members.get(manifest.Config) as Buffer).toString()) as { history?: { created_by?: string; empty_layer?: boolean }[] };
  const steps = (config.history ?? []).filter((h) => !h.empty_layer).map((h) => h.created_by ?? '');
  return { steps, layers: manifest.Layers.map((l) => members.get(l) as Buffer) };
}

test('corpus: dive test image — our dive-compatible figures equal dive 0.13\'s own test expectations', async (t) => {
  if (!existsSync(CORPUS)) {
    console.log(`corpus absent: ${CORPUS} not found, dive comparison skipped`);
    t.skip('corpus absent');
    return;
  }
  const { steps, layers } = await dockerArchiveLayers(CORPUS);
  const indexes = await Promise.all(layers.map((blob, i) => indexLayerStream(Readable.from([blob]), { name: `layer ${i}` })));
  const r = analyzeBloat(descriptor(steps), indexes);
  // dive/image/docker/image_archive_analysis_test.go: {0.9844212134184309, 1220598, 66237, 32025, 0.4834911001404049}
  assert.equal(r.dive.efficiency, 0.9844212134184309);
  assert.equal(r.dive.sizeBytes, 1220598);
  assert.equal(r.dive.userSizeBytes, 66237);
  assert.equal(r.dive.wastedBytes, 32025);
  assert.equal(r.dive.userWastedPercent, 0.4834911001404049);
  console.log(`corpus dive figures: efficiency ${r.dive.efficiency}, wasted ${r.dive.wastedBytes}, user wasted ${r.dive.userWastedPercent}; ours: wasted ${r.totals.wastedBytes} in ${r.totals.wastedItems} copies`);
});
