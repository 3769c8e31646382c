import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isStrataError } from '../../shared/errors';
import type { Compression } from '../../shared/model';
import { decodeLayerIndex, encodeLayerIndex } from '../cache/index-codec';
import { compressBuffer, dir, file, makeLayerTar, opaque, whiteout } from '../test-support/layer-tar';
import { encodeLayerFile, indexLayerFile, indexLayerStream } from './layer-indexer';

const sha = (data: string | Buffer) => 'sha256:' + createHash('sha256').update(data).digest('hex');

/** A stream of `data` in chunks of `size` bytes. */
function chunks(data: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

/** A thread threshold the 5 MiB test blobs pass (the default, 24 MiB, would need far bigger fixtures). */
const THREAD_MIN = 4 * 1024 * 1024;
const THREADED = { threadMinBytes: THREAD_MIN } as const;

const isCode = (code: string, also?: RegExp) => (e: unknown) => isStrataError(e) && e.code === code && (!also || also.test(e.message));

test('indexes entries in tar order with normalised paths, modes, links and content digests', async () => {
  const tar = await makeLayerTar([
    dir('.'),
    dir('./usr', { mode: 0o40755 }),
    file('./usr/hello.txt', 'hello\n', { mode: 0o104755, uid: 5, gid: 6, mtime: 1_650_000_000 }),
    file('usr/empty', ''),
    { name: '/usr/hl', type: 'link', linkname: './usr/hello.txt' },
    { name: 'usr/sl', type: 'symlink', linkname: 'hello.txt' },
    { name: 'usr/dev', type: 'character-device', devmajor: 1, devminor: 5 },
    { name: 'usr/fifo/', type: 'fifo' },
  ]);
  const index = await indexLayerStream(chunks(tar, 333), { name: 'layer.tar' });
  assert.deepEqual(
    index.entries.map((e) => [e.path, e.type, e.size, e.mode, e.linkname, e.digest]),
    [
      ['/', 'dir', 0, 0o755, '', ''],
      ['/usr', 'dir', 0, 0o755, '', ''],
      ['/usr/hello.txt', 'file', 6, 0o4755, '', sha('hello\n')],
      ['/usr/empty', 'file', 0, 0o644, '', sha('')],
      ['/usr/hl', 'hardlink', 0, 0o644, '/usr/hello.txt', ''],
      ['/usr/sl', 'symlink', 0, 0o644, 'hello.txt', ''],
      ['/usr/dev', 'char', 0, 0o644, '', ''],
      ['/usr/fifo', 'fifo', 0, 0o644, '', ''],
    ],
  );
  assert.deepEqual([index.entries[2].uid, index.entries[2].gid, index.entries[2].mtime], [5, 6, 1_650_000_000]);
  assert.equal(index.diffId, sha(tar));
  assert.equal(index.compression, 'none');
  assert.equal(index.uncompressedSize, tar.length);
  assert.equal(index.compressedSize, tar.length);
  assert.deepEqual(index.warnings, []);
});

test('whiteouts at several depths and opaque markers are recorded, never listed as entries', async () => {
  const tar = await makeLayerTar([
    whiteout('/top'),
    dir('etc'),
    whiteout('/etc/passwd'),
    whiteout('/a/b/c/deep'),
    opaque('/var/cache'),
    opaque('/'),
    file('.wh..wh..aufs-meta', ''),
    file('etc/kept', 'k'),
  ]);
  const index = await indexLayerStream(chunks(tar), { name: 'w.tar' });
  assert.deepEqual(index.entries.map((e) => e.path), ['/etc', '/etc/kept']);
  assert.deepEqual(index.whiteouts, ['/top', '/etc/passwd', '/a/b/c/deep']);
  assert.deepEqual(index.opaqueDirs, ['/var/cache', '/']);
});

test('duplicate paths: the last one wins, with a warning', async () => {
  const tar = await makeLayerTar([file('a', 'one'), file('b', 'b'), file('./a', 'two')]);
  const index = await indexLayerStream(chunks(tar), { name: 'dup.tar' });
  assert.deepEqual(index.entries.map((e) => [e.path, e.digest]), [['/b', sha('b')], ['/a', sha('two')]]);
  assert.deepEqual(index.warnings.map((w) => [w.code, w.entry, w.offset]), [['duplicate-path', './a', 2048]]);
});

test('duplicate non-ASCII paths and link names: the last one wins at its position; the encoded form says the same', async (t) => {
  const tar = await makeLayerTar([
    file('ü/😀', 'one'),
    { name: 'ü/link', type: 'symlink', linkname: '😀/𝄞' },
    file('ü/empty', ''),
    file('./ü/😀', 'two'),
    file('ü/empty', ''),
    { name: 'ü/link', type: 'symlink', linkname: 'ä' },
  ]);
  const index = await indexLayerStream(chunks(tar), { name: 'dup.tar' });
  assert.deepEqual(
    index.entries.map((e) => [e.path, e.linkname, e.digest]),
    [['/ü/😀', '', sha('two')], ['/ü/empty', '', sha('')], ['/ü/link', 'ä', '']],
  );
  assert.deepEqual(
    index.warnings.map((w) => [w.code, w.message, w.entry]),
    [
      ['duplicate-path', '"/ü/😀" appears more than once; the last one wins', './ü/😀'],
      ['duplicate-path', '"/ü/empty" appears more than once; the last one wins', 'ü/empty'],
      ['duplicate-path', '"/ü/link" appears more than once; the last one wins', 'ü/link'],
    ],
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-dup-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const p = path.join(tmp, 'dup.tar');
  fs.writeFileSync(p, tar);
  const range = { path: p, offset: 0, length: tar.length };
  for (const headersOnly of [false, true]) {
    const direct = await indexLayerFile(range, { name: 'dup.tar', headersOnly });
    const encoded = await encodeLayerFile(range, { name: 'dup.tar', headersOnly });
    assert.deepEqual(encoded, encodeLayerIndex(direct), `headersOnly ${headersOnly}: encoded straight from the columns`);
    assert.deepEqual(decodeLayerIndex(encoded), direct);
  }
});

test('hostile names (.., NUL, hard links escaping the root) are dropped with unsafe-path warnings', async () => {
  const tar = await makeLayerTar([
    file('../escape', 'x'),
    file('a/../../etc/shadow', 'x'),
    file('/abs/ok', 'fine'),
    file('nul', 'x', { pax: { path: 'bad\0name' } }),
    { name: 'hl', type: 'link', linkname: '../../etc/passwd' },
  ]);
  const index = await indexLayerStream(chunks(tar), { name: 'evil.tar' });
  assert.deepEqual(index.entries.map((e) => e.path), ['/abs/ok']);
  assert.deepEqual(index.warnings.map((w) => [w.code, w.entry]), [
    ['unsafe-path', '../escape'],
    ['unsafe-path', 'a/../../etc/shadow'],
    ['unsafe-path', 'bad\0name'],
    ['unsafe-path', 'hl'],
  ]);
});

test('each compression gives the same index; the diff id is the uncompressed digest', async () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const tar = await makeLayerTar([dir('d'), file('d/big', big), file('d/small', 'small')]);
  const plain = await indexLayerStream(chunks(tar), { name: 'p' });
  for (const format of ['gzip', 'zstd', 'xz'] as Compression[]) {
    const blob = await compressBuffer(tar, format);
    const index = await indexLayerStream(chunks(blob, 4096), { name: `layer.${format}`, expectedDigest: sha(blob), expectedDiffId: sha(tar) });
    assert.equal(index.compression, format);
    assert.deepEqual(index.entries, plain.entries, format);
    assert.equal(index.diffId, sha(tar));
    assert.equal(index.compressedSize, blob.length);
    assert.equal(index.uncompressedSize, tar.length);
  }
  assert.equal(plain.entries[1].digest, sha(big));
  const bz = await compressBuffer(tar, 'bzip2');
  await assert.rejects(indexLayerStream(chunks(bz), { name: 'old.tar.bz2' }), isCode('unknown-format', /old\.tar\.bz2.*bzip2/));
});

test('an unknown format and corrupt compressed data fail naming the file', async () => {
  await assert.rejects(indexLayerStream(chunks(Buffer.from('<html>not a layer</html>'.padEnd(2000))), { name: 'page.html' }), isCode('unknown-format', /page\.html/));
  const noise = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * i * 31 + (i >> 3)) & 0xff));
  const gz = await compressBuffer(await makeLayerTar([file('a', noise)]), 'gzip');
  const broken = Buffer.from(gz);
  broken.fill(0x55, 100, 400);
  await assert.rejects(indexLayerStream(chunks(broken), { name: 'broken.gz' }), isCode('malformed', /broken\.gz/));
  await assert.rejects(indexLayerStream(chunks(gz.subarray(0, gz.length - 200)), { name: 'cut.gz' }), (e: unknown) => isStrataError(e) && /cut\.gz/.test(e.message));
  const zst = await compressBuffer(await makeLayerTar([file('a', noise)]), 'zstd');
  await assert.rejects(indexLayerStream(chunks(zst.subarray(0, zst.length - 100)), { name: 'cut.zst' }), isCode('malformed', /cut\.zst.*zstd/));
  const badZst = Buffer.from(zst);
  badZst.fill(0xaa, 20, 200);
  await assert.rejects(indexLayerStream(chunks(badZst), { name: 'bad.zst' }), (e: unknown) => isStrataError(e) && /bad\.zst/.test(e.message));
});

test('digest mismatches of the blob and of the diff id are reported', async () => {
  const tar = await makeLayerTar([file('a', 'a')]);
  const gz = await compressBuffer(tar, 'gzip');
  const wrong = 'sha256:' + '0'.repeat(64);
  await assert.rejects(indexLayerStream(chunks(gz), { name: 'x.gz', expectedDigest: wrong }), isCode('digest-mismatch', /x\.gz.*blob digest/));
  await assert.rejects(indexLayerStream(chunks(gz), { name: 'x.gz', expectedDiffId: wrong }), isCode('digest-mismatch', /diff id/));
  await assert.rejects(indexLayerStream(chunks(tar), { name: 'x.tar', expectedDigest: wrong }), isCode('digest-mismatch', /x\.tar/));
  const ok = await indexLayerStream(chunks(tar), { name: 'x.tar', expectedDigest: sha(tar), expectedDiffId: sha(tar) });
  assert.equal(ok.entries.length, 1);
});

test('decompression bomb guard: byte cap and ratio cap', async () => {
  const zeros = await makeLayerTar([file('zeros', Buffer.alloc(2 * 1024 * 1024))]);
  const gz = await compressBuffer(zeros, 'gzip');
  await assert.rejects(indexLayerStream(chunks(gz), { name: 'bomb.gz', maxUncompressedBytes: 1024 * 1024 }), isCode('too-large', /bomb\.gz/));
  const huge = await makeLayerTar([file('zeros', Buffer.alloc(80 * 1024 * 1024))]);
  const hugeGz = await compressBuffer(huge, 'zstd');
  assert.ok(huge.length / hugeGz.length > 1000);
  await assert.rejects(indexLayerStream(chunks(hugeGz), { name: 'ratio.zst' }), isCode('too-large', /ratio/));
  const fine = await indexLayerStream(chunks(hugeGz), { name: 'ratio.zst', maxRatio: 1e9 });
  assert.equal(fine.entries[0].size, 80 * 1024 * 1024);
});

test('the watchdog fails a stream that stops moving', async () => {
  const tar = await makeLayerTar([file('a', 'x'.repeat(10_000))]);
  const stuck = new Readable({ read() {} });
  stuck.push(tar.subarray(0, 2000)); // then nothing, forever
  await assert.rejects(indexLayerStream(stuck, { name: 'stuck.tar', stallTimeoutMs: 200 }), isCode('stalled', /stuck\.tar/));
  assert.ok(stuck.destroyed, 'the source stream is destroyed');
});

test('an AbortSignal cancels indexing', async () => {
  const controller = new AbortController();
  const never = new Readable({ read() {} });
  const run = indexLayerStream(never, { name: 'slow.tar', signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(run, isCode('cancelled', /slow\.tar/));
});

test('file ranges: streamed with digests, or headers only with positioned reads over a plain tar', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-range-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const tar = await makeLayerTar([file('big', Buffer.alloc(1_000_000, 7)), dir('d'), file('d/small', 's'), whiteout('/gone')]);
  const prefix = Buffer.from('JUNK-BEFORE-THE-LAYER');
  const p = path.join(tmp, 'archive');
  fs.writeFileSync(p, Buffer.concat([prefix, tar, Buffer.from('TRAILER')]));
  const range = { path: p, offset: prefix.length, length: tar.length };
  const full = await indexLayerFile(range, { name: 'archive!layer' });
  assert.equal(full.diffId, sha(tar));
  const fast = await indexLayerFile(range, { name: 'archive!layer', headersOnly: true });
  assert.equal(fast.diffId, '');
  assert.deepEqual(
    fast.entries.map((e) => [e.path, e.type, e.size, e.digest]),
    full.entries.map((e) => [e.path, e.type, e.size, '']),
  );
  assert.deepEqual(fast.whiteouts, ['/gone']);
  const cut = { ...range, length: 512 + 4000 };
  await assert.rejects(indexLayerFile(cut, { name: 'cut', headersOnly: true }), isCode('malformed', /truncated.*"big"/));
  await assert.rejects(indexLayerFile(cut, { name: 'cut' }), isCode('malformed', /truncated.*"big"/));
  const empty = await indexLayerFile({ path: p, offset: 0, length: 0 }, { name: 'empty' });
  assert.deepEqual(empty.entries, []);
});

test('big blobs decompress on a separate thread with the same result and the same errors', async () => {
  const noise = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
  const tar = await makeLayerTar([file('noise.bin', noise), file('after', 'tail')]);
  for (const format of ['gzip', 'zstd'] as Compression[]) {
    const blob = await compressBuffer(tar, format);
    assert.ok(blob.length >= THREAD_MIN, 'large enough for the threaded path');
    const threaded = await indexLayerStream(chunks(blob, 1 << 20), { name: `big.${format}`, compressedSize: blob.length, threadMinBytes: THREAD_MIN });
    const inThread = await indexLayerStream(chunks(blob, 1 << 20), { name: `big.${format}` });
    assert.deepEqual(threaded, inThread, format);
    assert.equal(threaded.entries[0].digest, sha(noise));
    assert.equal(threaded.diffId, sha(tar));
    const cut = blob.subarray(0, blob.length - 1000);
    await assert.rejects(indexLayerStream(chunks(cut, 1 << 20), { name: `cut.${format}`, compressedSize: blob.length, threadMinBytes: THREAD_MIN }), (e: unknown) => isStrataError(e) && e.message.includes(`cut.${format}`));
  }
});

test('big gzip, zstd and plain file ranges are read by a thread of their own: same index, blob digest and guards checked', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-thread-read-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const noise = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
  const tar = await makeLayerTar([file('noise.bin', noise), dir('d'), file('d/after', 'tail')]);
  const prefix = Buffer.from('JUNK-BEFORE-THE-LAYER');
  for (const format of ['gzip', 'zstd', 'none'] as Compression[]) {
    const blob = format === 'none' ? tar : await compressBuffer(tar, format);
    assert.ok(blob.length >= THREAD_MIN, 'large enough for the threaded path');
    const p = path.join(tmp, `archive.${format}`);
    fs.writeFileSync(p, Buffer.concat([prefix, blob, Buffer.from('TRAILER')]));
    const range = { path: p, offset: prefix.length, length: blob.length };
    const progress: number[] = [];
    const fromFile = await indexLayerFile(range, {
      ...THREADED,
      name: `archive!${format}`,
      expectedDigest: sha(blob),
      expectedDiffId: sha(tar),
      onProgress: (done, total) => progress.push(done, total),
    });
    const streamed = await indexLayerStream(chunks(blob, 1 << 20), { name: `archive!${format}` });
    assert.deepEqual(fromFile, streamed, format);
    assert.equal(fromFile.compressedSize, blob.length);
    assert.deepEqual(progress.slice(-2), [blob.length, blob.length], 'the last progress report is the whole blob');
    await assert.rejects(indexLayerFile(range, { ...THREADED, name: `bad!${format}`, expectedDigest: sha('other') }), isCode('digest-mismatch', new RegExp(`bad!${format}.*blob digest`)));
    await assert.rejects(
      indexLayerFile({ ...range, length: blob.length - 1000 }, { ...THREADED, name: `cut!${format}` }),
      (e: unknown) => isStrataError(e) && e.message.includes(`cut!${format}`),
    );
    const shortFile = path.join(tmp, `short.${format}`);
    fs.writeFileSync(shortFile, Buffer.concat([prefix, blob.subarray(0, blob.length - 4096)]));
    await assert.rejects(
      indexLayerFile({ ...range, path: shortFile }, { ...THREADED, name: `short!${format}` }),
      (e: unknown) => isStrataError(e) && e.message.includes(`short!${format}`) && /the file ends at byte/.test(e.message),
      'a range past the end of the file is reported by the reading thread',
    );
    // Under the default threshold (24 MiB) a 5 MiB blob is not worth a thread's start: the stream path reads it.
    await assert.rejects(
      indexLayerFile({ ...range, path: shortFile }, { name: `short-default!${format}` }),
      (e: unknown) => isStrataError(e) && e.message.includes(`short-default!${format}`) && !/the file ends at byte/.test(e.message),
    );
    await assert.rejects(indexLayerFile(range, { ...THREADED, name: `capped!${format}`, maxUncompressedBytes: 1_000_000 }), isCode('too-large', new RegExp(`capped!${format}`)));
    // Headers only: no diff id, yet the blob digest is still checked.
    const headers = await indexLayerFile(range, { ...THREADED, name: `headers!${format}`, headersOnly: true, expectedDigest: sha(blob) });
    assert.equal(headers.diffId, '');
    assert.deepEqual(headers.entries.map((e) => e.path), streamed.entries.map((e) => e.path));
    await assert.rejects(indexLayerFile(range, { ...THREADED, name: `bad-headers!${format}`, headersOnly: true, expectedDigest: sha('other') }), isCode('digest-mismatch', /blob digest/));
  }
});

test('the ratio guard trips on a big file range whose thread reads it (the compressed count comes from the thread)', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-thread-ratio-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // Mostly zeros with a sprinkle of noise: about 25:1 under zstd, so 120 MiB packs into more than 4 MiB.
  const sparse = Buffer.alloc(120 * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < sparse.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    if (x >>> 27 === 0) sparse[i] = x & 0xff;
  }
  const blob = await compressBuffer(await makeLayerTar([file('sparse.bin', sparse)]), 'zstd');
  assert.ok(blob.length >= THREAD_MIN && (120 * 1024 * 1024) / blob.length > 10, `compressed to ${blob.length} bytes`);
  const p = path.join(tmp, 'sparse.zst');
  fs.writeFileSync(p, blob);
  const range = { path: p, offset: 0, length: blob.length };
  await assert.rejects(indexLayerFile(range, { ...THREADED, name: 'sparse.zst', maxRatio: 10 }), isCode('too-large', /sparse\.zst.*ratio above 10/));
  // Under a cap above its real ratio the same range indexes: the thread's count of compressed bytes is right.
  const ratio = Math.ceil((120 * 1024 * 1024) / blob.length);
  const index = await indexLayerFile(range, { ...THREADED, name: 'sparse.zst', maxRatio: ratio + 2 });
  assert.equal(index.entries[0].size, sparse.length);
  assert.equal(index.compressedSize, blob.length);
});

test('index size guard: too many members, or too many bytes of names, are refused naming the layer', async (t) => {
  const many = await makeLayerTar(Array.from({ length: 600 }, (_, i) => file(`d/f${i}`, 'x')));
  await assert.rejects(indexLayerStream(chunks(many, 4096), { name: 'many.tar', maxEntries: 500 }), isCode('too-large', /many\.tar: more than 500 entries/));
  // Members that leave no entry count too: whiteouts and unsafe names (each of which leaves a warning).
  const ghosts = await makeLayerTar(Array.from({ length: 600 }, (_, i) => (i % 2 ? whiteout(`/gone/w${i}`) : file(`../escape${i}`, 'x'))));
  await assert.rejects(indexLayerStream(chunks(ghosts, 4096), { name: 'ghosts.tar', maxEntries: 500 }), isCode('too-large', /ghosts\.tar: more than 500 entries/));
  const long = await makeLayerTar(Array.from({ length: 50 }, (_, i) => file(`${'n'.repeat(300)}/${i}`, 'x')));
  await assert.rejects(indexLayerStream(chunks(long, 4096), { name: 'long.tar', maxNameBytes: 10_000 }), isCode('too-large', /long\.tar: more than 10000 bytes of entry names/));
  assert.equal((await indexLayerStream(chunks(many, 4096), { name: 'many.tar', maxEntries: 600 })).entries.length, 600);
  // The headers-only path over a plain file range keeps the same guard.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-guard-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  fs.writeFileSync(path.join(tmp, 'many.tar'), many);
  const range = { path: path.join(tmp, 'many.tar'), offset: 0, length: many.length };
  await assert.rejects(indexLayerFile(range, { name: 'many.tar', headersOnly: true, maxEntries: 500 }), isCode('too-large', /more than 500 entries/));
});
