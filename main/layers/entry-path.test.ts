import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyEntryPath, normalizeEntryPath } from './entry-path';

test('normalises every spelling of a path to one absolute key', () => {
  for (const name of ['./a', '/a', 'a', 'a/', './a/', '//a', 'a/.']) assert.equal(normalizeEntryPath(name), '/a', name);
  assert.equal(normalizeEntryPath('a//b'), '/a/b');
  assert.equal(normalizeEntryPath('./a/./b/'), '/a/b');
  assert.equal(normalizeEntryPath('usr/lib/x86_64-linux-gnu/libc.so.6'), '/usr/lib/x86_64-linux-gnu/libc.so.6');
  for (const name of ['.', './', '/', '']) assert.equal(normalizeEntryPath(name), '/', JSON.stringify(name));
  assert.equal(normalizeEntryPath('a/..b/c..'), '/a/..b/c..', 'dots inside a name are not ".." components');
});

test('refuses ".." components and NUL bytes', () => {
  for (const name of ['../x', 'a/../../etc/passwd', '/..', 'a/..', 'a\0b']) {
    assert.equal(normalizeEntryPath(name), null, JSON.stringify(name));
    assert.equal(classifyEntryPath(name).kind, 'unsafe', JSON.stringify(name));
  }
});

test('recognises whiteouts at any depth, opaque markers and aufs metadata', () => {
  assert.deepEqual(classifyEntryPath('.wh.foo'), { kind: 'whiteout', path: '/foo' });
  assert.deepEqual(classifyEntryPath('./etc/.wh.passwd'), { kind: 'whiteout', path: '/etc/passwd' });
  assert.deepEqual(classifyEntryPath('a/b/c/.wh.d'), { kind: 'whiteout', path: '/a/b/c/d' });
  assert.deepEqual(classifyEntryPath('a/b/.wh..wh..opq'), { kind: 'opaque', dir: '/a/b' });
  assert.deepEqual(classifyEntryPath('.wh..wh..opq'), { kind: 'opaque', dir: '/' });
  assert.deepEqual(classifyEntryPath('.wh..wh.plnk/12.34'), { kind: 'aufs-meta' });
  assert.deepEqual(classifyEntryPath('a/.wh.x/b'), { kind: 'path', path: '/a/.wh.x/b' });
  assert.deepEqual(classifyEntryPath('.wh..wh.aufs'), { kind: 'aufs-meta' });
  assert.deepEqual(classifyEntryPath('a/.wh.'), { kind: 'unsafe', reason: 'whiteout names no file' });
  assert.deepEqual(classifyEntryPath('a/x.wh.y'), { kind: 'path', path: '/a/x.wh.y' });
});

test('dots inside names are kept; only "." and ".." components are special', () => {
  assert.equal(normalizeEntryPath('./usr/lib/libc.so.6'), '/usr/lib/libc.so.6');
  assert.equal(normalizeEntryPath('..a/b..'), '/..a/b..');
  assert.equal(normalizeEntryPath('.hidden/.x'), '/.hidden/.x');
  assert.equal(normalizeEntryPath('a/./b/'), '/a/b');
  assert.equal(normalizeEntryPath('a/b/.'), '/a/b');
  assert.equal(normalizeEntryPath('a/b/..'), null);
  assert.equal(normalizeEntryPath('./'), '/');
});
