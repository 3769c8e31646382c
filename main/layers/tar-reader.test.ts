import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { isStrataError } from '../../shared/errors';
import type { LayerWarning } from '../../shared/model';
import { dir, file, makeLayerTar } from '../test-support/layer-tar';
import { headerChecksumOk, parseNumeric, TarReader, type TarHeader } from './tar-reader';

interface Read {
  readonly headers: TarHeader[];
  readonly bodies: string[];
  readonly warnings: LayerWarning[];
}

/** Feeds `tar` to a reader in chunks of `chunk` bytes (odd sizes exercise headers split across chunks). */
function read(tar: Buffer, chunk = 97): Read {
  const headers: TarHeader[] = [];
  const bodies: string[] = [];
  const warnings: LayerWarning[] = [];
  let body: Buffer[] = [];
  const reader = new TarReader(
    {
      entry: (h) => {
        headers.push(h);
        body = [];
        return h.type === 'file' || h.type === 'sparse';
      },
      data: (c) => body.push(Buffer.from(c)),
      entryEnd: () => bodies.push(Buffer.concat(body).toString('latin1')),
      warning: (w) => warnings.push(w),
    },
    'test.tar',
  );
  for (let i = 0; i < tar.length; i += chunk) reader.write(tar.subarray(i, i + chunk));
  reader.end();
  return { headers, bodies, warnings };
}

/** Rewrites header fields of the block at `at` and fixes its checksum. */
function patchHeader(tar: Buffer, at: number, patch: (block: Buffer) => void): Buffer {
  const out = Buffer.from(tar);
  const block = out.subarray(at, at + 512);
  patch(block);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return out;
}

test('reads every entry type with its metadata and body', async () => {
  const tar = await makeLayerTar([
    dir('etc', { mode: 0o750, uid: 1, gid: 2, mtime: 1_600_000_000 }),
    file('etc/hosts', '127.0.0.1 localhost\n', { mode: 0o644, uid: 1000, gid: 1001 }),
    { name: 'etc/hosts.lnk', type: 'link', linkname: 'etc/hosts' },
    { name: 'etc/sym', type: 'symlink', linkname: '../usr/x' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
    { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 },
    { name: 'run/pipe', type: 'fifo' },
    { name: 'data/contig', type: 'contiguous-file', content: 'contiguous' },
  ]);
  const { headers, bodies, warnings } = read(tar);
  assert.deepEqual(
    headers.map((h) => [h.name, h.type, h.size, h.linkname]),
    [
      ['etc', 'dir', 0, ''],
      ['etc/hosts', 'file', 20, ''],
      ['etc/hosts.lnk', 'hardlink', 0, 'etc/hosts'],
      ['etc/sym', 'symlink', 0, '../usr/x'],
      ['dev/null', 'char', 0, ''],
      ['dev/sda', 'block', 0, ''],
      ['run/pipe', 'fifo', 0, ''],
      ['data/contig', 'file', 10, ''],
    ],
  );
  assert.deepEqual([headers[0].mode & 0o7777, headers[0].uid, headers[0].gid, headers[0].mtime], [0o750, 1, 2, 1_600_000_000]);
  assert.deepEqual([headers[1].uid, headers[1].gid], [1000, 1001]);
  assert.deepEqual(bodies, ['127.0.0.1 localhost\n', 'contiguous']);
  assert.deepEqual(warnings, []);
  assert.equal(headers[1].offset, 512);
});

test('long names: ustar prefix (>100 chars) and PAX path and linkpath (>255 chars)', async () => {
  const mid = 'd'.repeat(60) + '/' + 'e'.repeat(60) + '/f.txt';
  const long = ('segment-' + 'x'.repeat(40) + '/').repeat(7) + 'leaf.txt';
  assert.ok(long.length > 255);
  const tar = await makeLayerTar([file(mid, 'm'), file(long, 'l'), { name: 'lnk', type: 'symlink', linkname: long }]);
  const { headers, bodies } = read(tar, 512);
  assert.deepEqual(headers.map((h) => h.name), [mid, long, 'lnk']);
  assert.equal(headers[2].linkname, long);
  assert.deepEqual(bodies, ['m', 'l']);
});

test('PAX records override path, size, uid, gid and mtime; malformed numbers warn', async () => {
  const tar = await makeLayerTar([
    file('short', 'abc', { pax: { path: 'renamed/by-pax', uid: '4000000000', gid: '77', mtime: '1700000123.75' } }),
    file('after', 'x'),
  ]);
  const { headers, warnings } = read(tar);
  assert.deepEqual(
    headers.map((h) => [h.name, h.uid, h.gid, h.mtime, h.size]),
    [
      ['renamed/by-pax', 4_000_000_000, 77, 1_700_000_123, 3],
      ['after', 0, 0, 1_700_000_000, 1],
    ],
    'local PAX records apply to one entry only',
  );
  assert.deepEqual(warnings, []);
  const badUid = await makeLayerTar([file('f', 'y', { pax: { uid: 'nope' } })]);
  const bad = read(badUid);
  assert.equal(bad.headers[0].uid, 0);
  assert.deepEqual(bad.warnings.map((w) => [w.code, w.entry]), [['bad-header-field', 'f']]);
});

/** A PAX record member ('x' local, 'g' global) written by hand: its header block and padded body. */
function paxMember(typeflag: 'x' | 'g', records: Record<string, string>): Buffer {
  const body = Buffer.from(
    Object.entries(records)
      .map(([key, value]) => {
        const rest = ` ${key}=${value}\n`;
        let len = rest.length + 1;
        while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
        return `${len}${rest}`;
      })
      .join(''),
  );
  const header = patchHeader(Buffer.alloc(512), 0, (b) => {
    b.write('PaxHeaders/record', 0);
    b.write('0000644\0', 100);
    b.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    b.write(typeflag, 156);
    b.write('ustar\x0000', 257, 'latin1');
  });
  return Buffer.concat([header, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

test('a PAX size record wins over the header size field', async () => {
  const tar = await makeLayerTar([file('big', 'hello world'), file('next', 'n')]);
  // Zero the header size and put the real one in a PAX record written by hand before the entry.
  const zeroSize = patchHeader(tar, 0, (b) => b.write('00000000000\0', 124));
  const { headers, bodies } = read(Buffer.concat([paxMember('x', { size: '11' }), zeroSize]));
  assert.deepEqual(headers.map((h) => [h.name, h.size]), [['big', 11], ['next', 1]]);
  assert.deepEqual(bodies, ['hello world', 'n']);
});

test('a global PAX header sets ownership and times for every later entry, under local records; never a path', async () => {
  const entries = await makeLayerTar([file('a', 'x'), file('b', 'y'), file('c', 'z')]);
  const tar = Buffer.concat([
    entries.subarray(0, 1024),
    paxMember('g', { uid: '4242', mtime: '1650000000', path: 'not/a/name' }),
    entries.subarray(1024, 2048),
    paxMember('x', { uid: '7' }),
    entries.subarray(2048),
  ]);
  const { headers } = read(tar);
  assert.deepEqual(
    headers.map((h) => [h.name, h.uid, h.mtime]),
    [
      ['a', 0, 1_700_000_000],
      ['b', 4242, 1_650_000_000],
      ['c', 7, 1_650_000_000],
    ],
  );
});

test('GNU base-256 numeric fields and signed/negative values', async () => {
  const field = Buffer.alloc(12);
  field[0] = 0x80;
  field.writeUIntBE(2 ** 40 + 5, 6, 6);
  assert.equal(parseNumeric(field, 0, 12), 2 ** 40 + 5);
  assert.equal(parseNumeric(Buffer.from([0xff, 0xff, 0xff, 0xfe]), 0, 4), -1);
  assert.equal(parseNumeric(Buffer.from('0000755 \0'), 0, 9), 0o755);
  assert.ok(Number.isNaN(parseNumeric(Buffer.from('12x4'), 0, 4)));

  const tar = await makeLayerTar([file('owned', 'z')]);
  const patched = patchHeader(tar, 0, (b) => {
    b.fill(0, 108, 116);
    b[108] = 0x80;
    b.writeUInt32BE(3_000_000_000, 112); // uid in base-256
  });
  assert.equal(read(patched).headers[0].uid, 3_000_000_000);
  const negative = patchHeader(tar, 0, (b) => b.fill(0xff, 124, 136));
  assert.throws(() => read(negative), (e: unknown) => isStrataError(e) && e.code === 'malformed' && /negative size/.test(e.message) && e.entry === 'owned');
});

test('GNU long names and links (L/K records) and sparse files, written by GNU tar', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-gnu-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const src = path.join(tmp, 'src');
  const long = 'n'.repeat(120) + '/' + 'm'.repeat(150);
  fs.mkdirSync(path.join(src, 'n'.repeat(120)), { recursive: true });
  fs.writeFileSync(path.join(src, long), 'long file\n');
  fs.symlinkSync(long, path.join(src, 'to-long'));
  const sparse = path.join(src, 'sparse.img');
  fs.writeFileSync(sparse, 'head');
  fs.truncateSync(sparse, 1024 * 1024);
  const out = path.join(tmp, 'gnu.tar');
  execFileSync('tar', ['--format=gnu', '-S', '-C', src, '-cf', out, '.'], { env: { ...process.env, LC_ALL: 'C' } });
  const { headers, warnings } = read(fs.readFileSync(out), 4096);
  const byName = new Map(headers.map((h) => [h.name, h]));
  assert.equal(byName.get(`./${long}`)?.type, 'file');
  assert.equal(byName.get('./to-long')?.linkname, long);
  const sp = byName.get('./sparse.img');
  assert.equal(sp?.type, 'sparse');
  assert.equal(sp?.size, 1024 * 1024, 'a sparse file reports its real size');
  assert.ok(sp!.dataSize < sp!.size);
  assert.deepEqual(warnings, []);
  // Cross-check the member list against libarchive.
  const bsdtar = execFileSync('bsdtar', ['-tf', out], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(headers.map((h) => h.name), bsdtar);
});

test('PAX sparse (GNU 1.0) entries written by GNU tar', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-pax-sparse-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const sparse = path.join(tmp, 'holes.img');
  fs.writeFileSync(sparse, 'data');
  fs.truncateSync(sparse, 4 * 1024 * 1024);
  const out = path.join(tmp, 'pax.tar');
  execFileSync('tar', ['--format=posix', '-S', '-C', tmp, '-cf', out, 'holes.img']);
  const { headers } = read(fs.readFileSync(out), 1000);
  assert.deepEqual(headers.map((h) => [h.name, h.type, h.size]), [['holes.img', 'sparse', 4 * 1024 * 1024]]);
});

test('a stream without end-of-archive blocks warns; a truncated entry fails naming entry and offset', async () => {
  const tar = await makeLayerTar([file('a', 'x'.repeat(600)), file('b', 'yy')]);
  const noEnd = tar.subarray(0, 512 + 1024 + 512 + 512); // both members, no zero blocks
  const r = read(noEnd);
  assert.deepEqual(r.headers.map((h) => h.name), ['a', 'b']);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.offset]), [['missing-end-of-archive', 2560]]);

  const cut = tar.subarray(0, 512 + 300);
  assert.throws(
    () => read(cut),
    (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.entry === 'a' && /truncated/.test(e.message) && /test\.tar/.test(e.message) && /812/.test(e.message),
  );
  const halfHeader = tar.subarray(0, 512 + 1024 + 100);
  assert.throws(() => read(halfHeader), (e: unknown) => isStrataError(e) && /truncated/.test(e.message));
});

test('a corrupt header checksum fails naming the entry and its offset', async () => {
  const tar = await makeLayerTar([file('ok', 'x'), file('broken', 'y')]);
  const bad = Buffer.from(tar);
  bad[1024 + 100] ^= 0x01; // a mode byte of the second header, checksum left as it was
  assert.throws(
    () => read(bad),
    (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.entry === 'broken' && /checksum/.test(e.message) && /byte 1024/.test(e.message),
  );
});

test('header checksums check at every byte alignment, unsigned and old signed sums alike', async () => {
  const tar = await makeLayerTar([file('caf\u00e9-\u00fcber', 'x', { uid: 0o7777777 })]);
  // The same header signed-summed, as some old tars wrote it: each byte above 127 counts 256 less.
  const signed = Buffer.from(tar.subarray(0, 512));
  signed.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of signed) sum += b > 127 ? b - 256 : b;
  signed.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  for (let shift = 0; shift < 4; shift++) {
    for (const [label, header] of [['unsigned', tar.subarray(0, 512)], ['signed', signed]] as const) {
      const at = Buffer.alloc(shift + 512);
      header.copy(at, shift);
      assert.equal(headerChecksumOk(at, shift), true, `${label}, shifted by ${shift}`);
      at[shift + 300] ^= 0x40;
      assert.equal(headerChecksumOk(at, shift), false, `${label} with a changed byte, shifted by ${shift}`);
    }
  }
});

test('header-only types carry no data even when their size field is set (Go hdr-only.tar rule)', async () => {
  const tar = await makeLayerTar([{ name: 'd', type: 'symlink', linkname: 't' }, file('after', 'ok')]);
  const sized = patchHeader(tar, 0, (b) => b.write('00000001000\0', 124));
  const { headers, bodies } = read(sized);
  assert.deepEqual(headers.map((h) => [h.name, h.size, h.dataSize]), [['d', 0, 0], ['after', 2, 2]]);
  assert.deepEqual(bodies, ['ok']);
});

test('skipData jumps over a declined body and its padding', async () => {
  const tar = await makeLayerTar([file('big', 'q'.repeat(5000)), file('small', 's')]);
  const names: string[] = [];
  const reader = new TarReader({ entry: (h) => (names.push(h.name), false), data: () => assert.fail('no data wanted'), entryEnd: () => undefined, warning: () => undefined });
  reader.write(tar.subarray(0, 512 + 100));
  const jump = reader.skipData();
  assert.equal(jump, 5120 - 100);
  reader.write(tar.subarray(512 + 5120));
  reader.end();
  assert.deepEqual(names, ['big', 'small']);
  assert.ok(reader.ended);
});
