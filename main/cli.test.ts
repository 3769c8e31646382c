import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './test-support/cli-run';
import { compressBuffer, dir, file, makeLayerTar, opaque, whiteout } from './test-support/layer-tar';

/** Three loose layers: a base, a layer that changes and deletes, a layer with an opaque directory. */
async function writeLayers(dirPath: string): Promise<string[]> {
  const base = await makeLayerTar([
    dir('etc/'),
    file('etc/os-release', 'ID=strata\n'),
    file('etc/motd', 'hello\n'),
    dir('var/cache/'),
    file('var/cache/a', 'aaaa'),
    file('var/cache/b', 'bbbb'),
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
  ]);
  const middle = await makeLayerTar([file('etc/motd', 'hello again\n'), { ...file('etc/os-release', 'ID=strata\n'), mode: 0o600 }, whiteout('/var/cache')]);
  const top = await makeLayerTar([dir('etc/'), opaque('/etc'), file('etc/hostname', 'box\n')]);
  const files = [
    ['0-base.tar.gz', await compressBuffer(base, 'gzip')],
    ['1-middle.tar.zst', await compressBuffer(middle, 'zstd')],
    ['2-top.tar', top],
  ] as const;
  return files.map(([name, data]) => {
    const p = path.join(dirPath, name);
    writeFileSync(p, data);
    return p;
  });
}

test('strata ls/diff/inspect --json over loose layer tarballs', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'strata-cli-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const cache = path.join(tmp, 'cache');
  const layers = await writeLayers(tmp);

  const ls = await runCli(['ls', ...layers, '--layer', '0', '--json'], tmp, cache);
  assert.equal(ls.code, 0, ls.stderr);
  const entries = JSON.parse(ls.stdout).entries as Array<Record<string, unknown>>;
  assert.deepEqual(entries.map((e) => e.path), ['/etc', '/etc/os-release', '/etc/motd', '/var/cache', '/var/cache/a', '/var/cache/b', '/bin/sh']);
  assert.deepEqual(Object.keys(entries[1]), ['path', 'type', 'size', 'mode', 'uid', 'gid', 'mtime', 'linkname', 'digest']);
  assert.equal(entries[1].digest, 'sha256:' + require('node:crypto').createHash('sha256').update('ID=strata\n').digest('hex'));
  assert.equal(entries[6].linkname, 'busybox');

  const diff = await runCli(['diff', ...layers, '--layer', '1', '--json'], tmp, cache);
  assert.equal(diff.code, 0, diff.stderr);
  const d = JSON.parse(diff.stdout);
  assert.deepEqual(d.created, []);
  assert.deepEqual(d.changed.map((e: { path: string; what: string[] }) => [e.path, e.what]), [
    ['/etc/motd', ['content']],
    ['/etc/os-release', ['mode']],
  ]);
  assert.deepEqual(d.deleted.map((e: { path: string; size: number; layer: number }) => [e.path, e.size, e.layer]), [
    ['/var/cache', 0, 0],
    ['/var/cache/a', 4, 0],
    ['/var/cache/b', 4, 0],
  ]);

  const top = JSON.parse((await runCli(['diff', ...layers, '--json'], tmp, cache)).stdout);
  assert.deepEqual(top.deleted.map((e: { path: string }) => e.path), ['/etc/motd', '/etc/os-release']);
  assert.deepEqual(top.created.map((e: { path: string }) => e.path), ['/etc/hostname']);

  const merged = JSON.parse((await runCli(['ls', ...layers, '--merged', '--json'], tmp, cache)).stdout);
  assert.deepEqual(merged.entries.map((e: { path: string; layer: number }) => [e.path, e.layer]), [
    ['/bin', 0],
    ['/bin/sh', 0],
    ['/etc', 2],
    ['/etc/hostname', 2],
    ['/var', 0],
  ]);

  const inspect = await runCli(['inspect', ...layers, '--json'], tmp, cache);
  assert.equal(inspect.code, 0, inspect.stderr);
  const chain = JSON.parse(inspect.stdout).layers as Array<{ index: number; counts: Record<string, number>; compression: string }>;
  assert.deepEqual(chain.map((l) => [l.index, l.compression, l.counts]), [
    [0, 'gzip', { entries: 7, created: 7, changed: 0, deleted: 0 }],
    [1, 'zstd', { entries: 2, created: 0, changed: 2, deleted: 3 }],
    [2, 'none', { entries: 2, created: 1, changed: 1, deleted: 2 }],
  ]);

  const text = await runCli(['inspect', ...layers], tmp, cache);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /3 layers/);
});

test('strata exit codes: 2 for usage, 1 for bad input with a one-line reason naming the file', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'strata-cli-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const cache = path.join(tmp, 'cache');
  assert.equal((await runCli([], tmp, cache)).code, 2);
  assert.equal((await runCli(['frobnicate'], tmp, cache)).code, 2);
  assert.equal((await runCli(['ls', 'x.tar', '--bogus'], tmp, cache)).code, 2);
  const help = await runCli(['diff', '--help'], tmp, cache);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: strata diff SOURCE/);

  const junk = path.join(tmp, 'junk.bin');
  writeFileSync(junk, Buffer.alloc(2048, 7));
  const bad = await runCli(['inspect', junk], tmp, cache);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /junk\.bin/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);

  const layers = await writeLayers(tmp);
  const range = await runCli(['ls', ...layers, '--layer', '9'], tmp, cache);
  assert.equal(range.code, 2);
  assert.match(range.stderr, /3 layers/);
});
