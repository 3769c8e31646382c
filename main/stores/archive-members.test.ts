import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { writeTarArchive } from '../test-support/image-fixtures';
import { readArchiveMembers, resolveMember } from './archive-members';
import { readExactly } from './blob-source';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-members-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('readArchiveMembers', () => {
  it('maps each member to the byte range of its data, PAX long names included', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const p = await writeTarArchive(path.join(tmp, 'a.tar'), [
      { name: './dir/', type: 'directory' },
      { name: './dir/one', data: 'first' },
      { name: long, data: 'long name body' },
      { name: 'empty', data: '' },
      { name: 'dir/one', data: 'second wins' },
    ]);
    const archive = await readArchiveMembers(p);
    assert.equal(archive.complete, true);
    assert.deepEqual([...archive.members.keys()], ['dir', 'dir/one', long, 'empty']);
    const read = async (name: string) => {
      const m = resolveMember(archive, name)!;
      return (await readExactly(p, m.offset, m.size)).toString();
    };
    assert.equal(await read('dir/one'), 'second wins');
    assert.equal(await read(long), 'long name body');
    assert.equal(await read('./empty'), '');
    assert.equal(resolveMember(archive, 'dir'), undefined, 'a directory has no bytes');
  });

  it('follows symlinks and hard links inside the archive and refuses ones that leave it', async () => {
    const p = await writeTarArchive(path.join(tmp, 'links.tar'), [
      { name: 'blobs/x', data: 'payload' },
      { name: 'a/layer.tar', type: 'symlink', linkname: '../blobs/x' },
      { name: 'b/layer.tar', type: 'link', linkname: 'blobs/x' },
      { name: 'c/layer.tar', type: 'symlink', linkname: '../../outside' },
      { name: 'd/layer.tar', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'loop1', type: 'symlink', linkname: 'loop2' },
      { name: 'loop2', type: 'symlink', linkname: 'loop1' },
    ]);
    const archive = await readArchiveMembers(p);
    assert.equal(resolveMember(archive, 'a/layer.tar')?.name, 'blobs/x');
    assert.equal(resolveMember(archive, 'b/layer.tar')?.name, 'blobs/x');
    for (const bad of ['c/layer.tar', 'd/layer.tar']) {
      assert.throws(() => resolveMember(archive, bad), (e: unknown) => isStrataError(e) && e.code === 'unsafe-path' && e.message.includes(bad));
    }
    assert.equal(resolveMember(archive, 'loop1'), undefined);
  });

  it('stops early when asked, and refuses truncated or corrupt headers naming the file and offset', async () => {
    const p = await writeTarArchive(path.join(tmp, 'deep.tar'), [{ name: 'manifest.json', data: '[]' }, { name: 'usr/bin/x', data: 'x' }, { name: 'z', data: 'z' }]);
    const partial = await readArchiveMembers(p, (name) => name.split('/').length > 2);
    assert.equal(partial.complete, false);
    assert.deepEqual([...partial.members.keys()], ['manifest.json']);

    const bytes = await readFile(p);
    const truncated = path.join(tmp, 'truncated.tar');
    await writeFile(truncated, bytes.subarray(0, 700));
    await assert.rejects(readArchiveMembers(truncated), (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.message.includes(truncated));
    const corrupt = Buffer.from(bytes);
    corrupt[1024 + 10] ^= 0xff; // inside the second header's name: its checksum no longer matches
    const corruptPath = path.join(tmp, 'corrupt.tar');
    await writeFile(corruptPath, corrupt);
    await assert.rejects(readArchiveMembers(corruptPath), (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.message.includes('byte 1024'));
  });
});
