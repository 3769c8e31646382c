import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStrataError } from '../../shared/errors';
import type { Compression } from '../../shared/model';
import { compressBuffer, file, makeLayerTar } from '../test-support/layer-tar';
import { createDecompressor, detectCompression } from './compression';

test('detects each format by its magic bytes, never by name', async () => {
  const tar = await makeLayerTar([file('a', 'hello')]);
  for (const format of ['none', 'gzip', 'zstd', 'xz', 'bzip2'] as Compression[]) {
    const blob = await compressBuffer(tar, format);
    assert.equal(detectCompression(blob.subarray(0, 512), 'layer.tar'), format, format);
  }
  assert.equal(detectCompression(Buffer.alloc(1024)), 'none', 'an empty tar is all zero blocks');
});

test('anything else is an unknown-format error naming the file', () => {
  const junk = Buffer.from('{"this is": "json, not a layer"}'.padEnd(600, ' '));
  assert.throws(
    () => detectCompression(junk, 'blobs/sha256/abc'),
    (e: unknown) => isStrataError(e) && e.code === 'unknown-format' && e.file === 'blobs/sha256/abc' && e.message.includes('blobs/sha256/abc'),
  );
  const brokenTar = Buffer.alloc(512, 0x41);
  assert.throws(() => detectCompression(brokenTar, 'x'), (e: unknown) => isStrataError(e) && e.code === 'unknown-format');
});

test('decompressors round-trip gzip, zstd and xz; bzip2 is a clear unsupported error', async () => {
  const tar = await makeLayerTar([file('a', 'x'.repeat(100_000))]);
  for (const format of ['gzip', 'zstd', 'xz'] as Compression[]) {
    const d = createDecompressor(format)!;
    const out: Buffer[] = [];
    d.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve, reject) => (d.on('end', resolve), d.on('error', reject)));
    d.end(await compressBuffer(tar, format));
    await done;
    assert.ok(Buffer.concat(out).equals(tar), format);
  }
  assert.equal(createDecompressor('none'), null);
  assert.throws(() => createDecompressor('bzip2', 'old.tar.bz2'), (e: unknown) => isStrataError(e) && e.code === 'unknown-format' && /bzip2.*not supported/.test(e.message) && e.file === 'old.tar.bz2');
});
