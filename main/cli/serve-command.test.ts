// `strata serve` as a command: prints a loopback URL with a token, answers the API, stops on Ctrl-C.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { serveCommand } from './serve-command';

describe('strata serve', () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'strata-serve-'));
  });
  after(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('prints the URL, serves the API behind the token and stops on SIGINT', async () => {
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const io = { stdout, stderr: new PassThrough(), env: { STRATA_CACHE_DIR: cacheDir }, cwd: cacheDir };
    const running = serveCommand.run({ positionals: [], values: { port: '0' } }, io);
    while (!/http:\/\/\S+/.test(printed)) await new Promise((resolve) => setTimeout(resolve, 10));
    const url = new URL(/http:\/\/\S+/.exec(printed)?.[0] ?? '');
    assert.equal(url.hostname, '127.0.0.1');
    const token = url.searchParams.get('token') ?? '';
    const call = (headers: Record<string, string>) =>
      fetch(new URL('/api/listRecent', url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    assert.equal((await call({})).status, 403);
    const answer = await call({ 'x-strata-token': token });
    assert.deepEqual(await answer.json(), { ok: true, value: [] });
    process.emit('SIGINT');
    assert.equal(await running, 0);
    await assert.rejects(call({ 'x-strata-token': token }), 'the server is closed');
  });

  it('refuses a port that is not a number', async () => {
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: { STRATA_CACHE_DIR: cacheDir }, cwd: cacheDir };
    await assert.rejects(serveCommand.run({ positionals: [], values: { port: 'http' } }, io), (error) => isStrataError(error) && error.code === 'usage');
  });
});
