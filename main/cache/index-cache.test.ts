import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ENGINE_VERSION, type LayerEntry, type LayerIndex } from '../../shared/model';
import { IndexCache } from './index-cache';
import { decodeLayerIndex, encodeLayerIndex } from './index-codec';

const DIGEST = 'sha256:' + 'ab'.repeat(32);

function sampleIndex(): LayerIndex {
  const entries: LayerEntry[] = [
    { path: '/', type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, linkname: '', digest: '' },
    { path: '/usr/bin/ünïcødé ☺', type: 'file', size: 2 ** 40 + 3, mode: 0o4755, uid: 4_000_000_000, gid: 7, mtime: 1_700_000_000, linkname: '', digest: 'sha256:' + 'cd'.repeat(32) },
    { path: '/usr/bin/hl', type: 'hardlink', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: -5, linkname: '/usr/bin/ünïcødé ☺', digest: '' },
    { path: '/l\nnewline', type: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, mtime: 1, linkname: '../x\0y', digest: '' },
    { path: '/dev/sda', type: 'block', size: 0, mode: 0o660, uid: 0, gid: 6, mtime: 1, linkname: '', digest: '' },
    { path: '/s', type: 'sparse', size: 10, mode: 0o600, uid: 0, gid: 0, mtime: 1, linkname: '', digest: 'sha256:' + '01'.repeat(32) },
  ];
  return {
    diffId: 'sha256:' + 'ef'.repeat(32),
    compression: 'zstd',
    compressedSize: 1234,
    uncompressedSize: 99999,
    entries,
    whiteouts: ['/gone'],
    opaqueDirs: ['/var'],
    warnings: [{ code: 'duplicate-path', message: 'dup', entry: './x', offset: 512 }],
  };
}

test('the codec round-trips every field and rejects any corruption or truncation', () => {
  const index = sampleIndex();
  const encoded = encodeLayerIndex(index);
  assert.deepEqual(decodeLayerIndex(encoded), index);
  const unaligned = Buffer.concat([Buffer.alloc(3), encoded]).subarray(3);
  assert.deepEqual(decodeLayerIndex(unaligned), index, 'decodes from an unaligned slice');
  for (const at of [0, 9, 20, 60, encoded.length - 1]) {
    const bad = Buffer.from(encoded);
    bad[at] ^= 0x40;
    assert.equal(decodeLayerIndex(bad), null, `flipped byte ${at}`);
  }
  assert.equal(decodeLayerIndex(encoded.subarray(0, encoded.length - 10)), null);
  assert.equal(decodeLayerIndex(Buffer.alloc(0)), null);
  const empty = { ...index, entries: [], warnings: [] };
  assert.deepEqual(decodeLayerIndex(encodeLayerIndex(empty)), empty);
});

test('put then get; a corrupt or truncated file is a miss; files stay inside the cache dir', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cache-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'layers');
  const cache = new IndexCache(dir);
  assert.equal(await cache.get(DIGEST), null);
  assert.equal(await cache.has(DIGEST), false);
  await cache.put(DIGEST, sampleIndex());
  assert.deepEqual(await cache.get(DIGEST), sampleIndex());
  assert.equal(await cache.has(DIGEST), true);
  const file = cache.fileFor(DIGEST)!;
  assert.equal(path.dirname(file), dir);
  assert.ok(file.includes(`v${ENGINE_VERSION}`), 'the engine version is part of the key');
  assert.deepEqual(fs.readdirSync(dir), [path.basename(file)], 'no temp file left behind');

  const good = fs.readFileSync(file);
  fs.writeFileSync(file, good.subarray(0, good.length >> 1));
  assert.equal(await cache.get(DIGEST), null, 'truncated');
  const flipped = Buffer.from(good);
  flipped[flipped.length - 5] ^= 1;
  fs.writeFileSync(file, flipped);
  assert.equal(await cache.get(DIGEST), null, 'corrupt');
  await cache.put(DIGEST, sampleIndex());
  assert.deepEqual(await cache.get(DIGEST), sampleIndex(), 'recomputed entry replaces the bad one');

  for (const hostile of ['../../etc/passwd', 'sha256:../../x', 'sha256:ABC', '']) {
    assert.equal(cache.fileFor(hostile), null);
    await cache.put(hostile, sampleIndex());
    assert.equal(await cache.get(hostile), null);
    assert.equal(await cache.has(hostile), false);
  }
  assert.deepEqual(fs.readdirSync(root), ['layers']);
});

test('putEncoded stores the bytes as they are; a get still verifies them', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cache-enc-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const cache = new IndexCache(root);
  const encoded = encodeLayerIndex(sampleIndex());
  await cache.putEncoded(DIGEST, encoded);
  assert.deepEqual(fs.readFileSync(cache.fileFor(DIGEST)!), encoded);
  assert.deepEqual(await cache.get(DIGEST), sampleIndex());
  const bad = Buffer.from(encoded);
  bad[bad.length - 3] ^= 1;
  await cache.putEncoded(DIGEST, bad);
  assert.equal(await cache.get(DIGEST), null, 'corrupt bytes are written but never served');
});

test('a large index (200k entries) reloads from the cache', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cache-big-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const entries: LayerEntry[] = [];
  for (let i = 0; i < 200_000; i++) {
    entries.push({ path: `/usr/share/doc/package-${i >> 8}/file-${i}.txt`, type: 'file', size: i, mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, linkname: '', digest: `sha256:${(i % 9).toString().repeat(64)}` });
  }
  const index: LayerIndex = { ...sampleIndex(), entries };
  const cache = new IndexCache(root);
  await cache.put(DIGEST, index);
  const back = await cache.get(DIGEST);
  assert.equal(back?.entries.length, 200_000);
  assert.deepEqual(back?.entries[165_432], entries[165_432]);
});
