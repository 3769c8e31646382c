import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { LayerEntry, LayerIndex } from '../../shared/model';
import { IndexColumns, type IndexMeta } from './index-columns';
import { decodeLayerIndex, encodeLayerIndex } from './index-codec';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const META: IndexMeta = {
  diffId: 'sha256:' + 'ef'.repeat(32),
  compression: 'gzip',
  compressedSize: 1234,
  uncompressedSize: 99999,
  whiteouts: ['/gone', '/ü'],
  opaqueDirs: ['/var'],
  warnings: [{ code: 'duplicate-path', message: '"/a" appears more than once; the last one wins', entry: './a', offset: 512 }],
};

function sample(): LayerIndex {
  const entries: LayerEntry[] = [
    { path: '/', type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, linkname: '', digest: '' },
    { path: '/usr/bin/ünïcødé ☺', type: 'file', size: 2 ** 40 + 3, mode: 0o4755, uid: 4_000_000_000, gid: 7, mtime: 1_700_000_000.5, linkname: '', digest: 'sha256:' + 'cd'.repeat(32) },
    { path: '/emoji/😀/𝄞.txt', type: 'file', size: 0, mode: 0o644, uid: 1000, gid: 1000, mtime: -5, linkname: '', digest: EMPTY_SHA256 },
    { path: '/usr/bin/hl', type: 'hardlink', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 1, linkname: '/emoji/😀/𝄞.txt', digest: '' },
    { path: '/l\nnewline', type: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, mtime: 1, linkname: '../ünï/😀', digest: '' },
    { path: '/dev/sda', type: 'block', size: 0, mode: 0o660, uid: 0, gid: 6, mtime: 1, linkname: '', digest: '' },
    { path: '/s', type: 'sparse', size: 10, mode: 0o600, uid: 0, gid: 0, mtime: 1, linkname: '', digest: 'sha256:' + '01'.repeat(32) },
  ];
  return { ...META, entries };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function addEntry(table: IndexColumns, e: LayerEntry, digest: string | Buffer = e.digest): boolean {
  return table.add(e.path, e.type, e.size, e.mode, e.uid, e.gid, e.mtime, e.linkname, digest);
}

test('the encoding is byte for byte the cache format as it was before the columns (sha256 recorded then)', () => {
  const encoded = encodeLayerIndex(sample());
  assert.equal(encoded.length, 1074);
  assert.equal(sha256(encoded), 'f9fc9569ad7e93fdbc80b040ca7f5ab8157761fdd9da04c9dcf36ffaed2083c4');
  assert.deepEqual(decodeLayerIndex(encoded), sample());
  assert.deepEqual(IndexColumns.of(sample().entries).toIndex(META), sample());
});

test('raw sha256 bytes are written as sha256:<hex>; an empty file gets the empty sha256', () => {
  const table = new IndexColumns(true);
  const [root, file, empty] = sample().entries;
  addEntry(table, root);
  addEntry(table, file, Buffer.from('cd'.repeat(32), 'hex'));
  addEntry(table, empty, createHash('sha256').digest());
  const expected = { ...META, entries: [root, file, empty] };
  assert.equal(table.toIndex(META).entries[2].digest, EMPTY_SHA256);
  const encoded = table.encode(META);
  assert.deepEqual(encoded, encodeLayerIndex(expected));
  assert.deepEqual(decodeLayerIndex(encoded), expected);
});

test('unique paths: a repeated path drops the earlier row, the last one wins at its own position', () => {
  const table = new IndexColumns(true, 4);
  const row = (path: string, size: number, linkname = ''): LayerEntry => ({
    path,
    type: linkname ? 'symlink' : 'file',
    size,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 1,
    linkname,
    digest: linkname ? '' : 'sha256:' + String(size % 10).repeat(64),
  });
  const added: LayerEntry[] = [];
  const replaced: boolean[] = [];
  const add = (e: LayerEntry) => {
    added.push(e);
    replaced.push(addEntry(table, e));
  };
  add(row('/a', 1));
  add(row('/ü/😀', 2, 'ziel/𝄞'));
  add(row('/b', 3));
  add(row('/a', 4)); // replaces the first row
  add(row('/ü/😀', 5)); // same UTF-8 bytes, now a file
  add(row('/ü/😁', 6)); // differs in the last byte of an astral character
  // Enough rows to grow the columns and the path set several times, with duplicates across the growth.
  for (let i = 0; i < 3000; i++) add(row(`/many/${i % 1000}/é`, 10 + i));
  add(row('/b', 7));
  const expectedReplaced = added.map((e, i) => added.findIndex((o) => o.path === e.path) < i);
  assert.deepEqual(replaced, expectedReplaced);
  const winners = added.filter((e, i) => !added.some((o, j) => j > i && o.path === e.path));
  assert.equal(table.rows, winners.length);
  assert.equal(winners.length, 1004);
  const index = table.toIndex(META);
  assert.deepEqual(index.entries.slice(0, 3), [row('/a', 4), row('/ü/😀', 5), row('/ü/😁', 6)]);
  assert.deepEqual(index.entries.at(-1), row('/b', 7));
  assert.deepEqual(index, { ...META, entries: winners });
  const encoded = table.encode(META);
  assert.deepEqual(encoded, encodeLayerIndex({ ...META, entries: winners }), 'same bytes as the index of the surviving rows');
  assert.deepEqual(decodeLayerIndex(encoded), index);
});

test('without unique paths every row is kept; long multi-byte texts grow the text block', () => {
  const long = '/ä'.repeat(3000) + '😀';
  const entries: LayerEntry[] = [];
  for (let i = 0; i < 50; i++) entries.push({ path: long, type: 'symlink', size: 0, mode: 0o777, uid: i, gid: i, mtime: i, linkname: long + i, digest: '' });
  const table = IndexColumns.of(entries);
  assert.equal(table.rows, 50);
  const index = { ...META, entries };
  assert.deepEqual(table.toIndex(META), index);
  assert.deepEqual(decodeLayerIndex(table.encode(META)), index);
});

test('meta too big for the room kept in front of the text: encoded into a buffer of its own, same layout', () => {
  const whiteouts = Array.from({ length: 20_000 }, (_, i) => `/removed/ü-${i}`);
  const index = { ...sample(), whiteouts };
  const encoded = encodeLayerIndex(index);
  assert.equal(encoded.byteOffset, 0);
  assert.equal(encoded.buffer.byteLength, encoded.length);
  assert.deepEqual(decodeLayerIndex(encoded), index);
  // The same rows with a small meta are encoded in place: header, meta and columns in front of the text.
  const small = encodeLayerIndex(sample());
  assert.ok(small.byteOffset > 0);
  assert.deepEqual(encoded.subarray(encoded.length - 200), small.subarray(small.length - 200), 'same text block');
});

test('an empty table encodes and decodes to an index without entries', () => {
  assert.deepEqual(decodeLayerIndex(new IndexColumns(true).encode(META)), { ...META, entries: [] });
  assert.deepEqual(new IndexColumns(true).toIndex(META), { ...META, entries: [] });
});
