// The one conformance suite every ImageStore backend passes (go-containerregistry's validate.Image):
// layers readable, digests and diff ids verified against the bytes, `file` ranges equal to `open()`,
// descriptors consistent with the layers, ancestry base first, history aligned. Test-only module.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Duplex, PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compression } from '../../shared/model';
import { createDecompressor } from '../layers/compression';
import { compressionOfMagic, openRange } from './range-layer';
import type { Image, ImageStore, Layer, OpenImageOptions } from './types';

/** What a test knows about the image a store should yield. */
export interface ExpectedImage {
  readonly layerCount: number;
  readonly name?: string;
  readonly id?: string;
  readonly platform?: string;
  /** Blob digests, base first. */
  readonly digests?: readonly string[];
  /** Diff ids, base first ('' where the format has none). */
  readonly diffIds?: readonly string[];
  /** `created_by` of each layer's step, base first. */
  readonly createdBy?: readonly string[];
  /** Total empty-layer history steps (before layers and after the top). */
  readonly emptySteps?: number;
}

/** Digest and size of a stream's bytes. */
async function digestStream(stream: Readable): Promise<{ digest: string; size: number; head: Buffer }> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (head.length < 8) head = Buffer.concat([head, b.subarray(0, 8 - head.length)]);
    hash.update(b);
    size += b.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size, head };
}

/** The indexer's decompressors; bzip2 (which the indexer refuses) through Debian's `bzip2` program. */
function decompressor(compression: Compression): Duplex {
  if (compression === 'bzip2') {
    const child = spawn('bzip2', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
    return Duplex.from({ writable: child.stdin, readable: child.stdout });
  }
  return createDecompressor(compression) ?? new PassThrough();
}

/** sha256 of a layer's uncompressed tar stream. */
async function uncompressedDigest(layer: Layer, compression: Compression): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(await layer.open(), decompressor(compression), async function* (source) {
    for await (const chunk of source) hash.update(chunk as Buffer);
  });
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Checks an image the way every backend must satisfy (throws an AssertionError or the store's own
 * StrataError, e.g. `digest-mismatch`, on the first violation).
 */
export async function verifyImage(image: Image): Promise<void> {
  const { descriptor, layers } = image;
  assert.ok(descriptor.name, 'the image has a name');
  assert.equal(layers.length, descriptor.layers.length, 'one Layer per layer descriptor');
  assert.ok(layers.length > 0, 'the image has layers');
  for (const [i, layer] of layers.entries()) {
    assert.equal(layer.descriptor, descriptor.layers[i], `layer ${i}: Layer.descriptor is descriptor.layers[${i}]`);
    assert.equal(layer.descriptor.index, i, `layer ${i}: indexes run base first from 0`);
    assert.ok(layer.name, `layer ${i}: has a name for errors`);
    assert.equal(layer.descriptor.step.emptyLayer, false, `layer ${i}: its own step made a layer`);
    for (const step of layer.descriptor.emptyStepsBefore) assert.equal(step.emptyLayer, true, `layer ${i}: emptyStepsBefore holds empty steps`);
    const opened = await digestStream(await layer.open());
    assert.equal(opened.size, layer.descriptor.size, `layer ${i}: open() yields descriptor.size bytes`);
    if (layer.descriptor.digest) assert.equal(opened.digest, layer.descriptor.digest, `layer ${i}: content matches its digest`);
    if (layer.file) {
      assert.equal(layer.file.length, layer.descriptor.size, `layer ${i}: file range length is the blob size`);
      const ranged = await digestStream(openRange(layer.file));
      assert.equal(ranged.digest, opened.digest, `layer ${i}: the file range holds the same bytes as open()`);
    }
    if (layer.descriptor.diffId) {
      const actual = await uncompressedDigest(layer, compressionOfMagic(opened.head));
      assert.equal(actual, layer.descriptor.diffId, `layer ${i}: uncompressed content matches its diff_id`);
    }
  }
  for (const step of descriptor.emptyStepsAfter) assert.equal(step.emptyLayer, true, 'emptyStepsAfter holds empty steps');
}

/** One backend case: how to open a fresh store, what it must yield, and which image to open. */
export interface ConformanceCase {
  readonly open: () => Promise<ImageStore>;
  readonly expected: ExpectedImage;
  readonly options?: OpenImageOptions;
}

/** Registers the conformance tests for one backend; `setup` (run once, lazily) writes the fixture and says what to expect. */
export function describeStoreConformance(title: string, setup: () => Promise<ConformanceCase>): void {
  let prepared: Promise<ConformanceCase> | undefined;
  const get = () => (prepared ??= setup());
  describe(`store conformance: ${title}`, () => {
    it('lists at least one image, including the expected one', async () => {
      const { open, expected } = await get();
      const store = await open();
      const list = await store.list();
      assert.ok(list.length > 0);
      if (expected.name) assert.ok(list.some((c) => c.name === expected.name), `list() names ${expected.name}: ${JSON.stringify(list)}`);
      await store.close();
    });
    it('opens the image with the expected layers and history', async () => {
      const { open, expected, options } = await get();
      const store = await open();
      const { descriptor } = await store.openImage(options);
      assert.equal(descriptor.layers.length, expected.layerCount);
      if (expected.name !== undefined) assert.equal(descriptor.name, expected.name);
      if (expected.id !== undefined) assert.equal(descriptor.id, expected.id);
      if (expected.platform !== undefined) assert.equal(descriptor.platform, expected.platform);
      if (expected.digests) assert.deepEqual(descriptor.layers.map((l) => l.digest), expected.digests);
      if (expected.diffIds) assert.deepEqual(descriptor.layers.map((l) => l.diffId), expected.diffIds);
      if (expected.createdBy) assert.deepEqual(descriptor.layers.map((l) => l.step.createdBy), expected.createdBy);
      if (expected.emptySteps !== undefined) {
        const empty = descriptor.layers.reduce((n, l) => n + l.emptyStepsBefore.length, 0) + descriptor.emptyStepsAfter.length;
        assert.equal(empty, expected.emptySteps);
      }
      await store.close();
    });
    it('passes verifyImage: readable layers, verified digests, file ranges equal to open()', async () => {
      const { open, options } = await get();
      const store = await open();
      await verifyImage(await store.openImage(options));
      await store.close();
    });
  });
}
