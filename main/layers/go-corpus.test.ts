// Extra suite over Go's archive/tar test archives: each one lists, or fails with a clear StrataError naming it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { indexLayerFile } from './layer-indexer';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'go-archive-tar');
const present = fs.existsSync(CORPUS);

/** Archives Go's reader rejects, which we must reject too (a listing of garbage would be a bug). */
const MUST_FAIL = new Set(['neg-size.tar', 'issue10968.tar', 'issue11169.tar', 'issue12435.tar', 'writer-big.tar', 'writer-big-long.tar', 'pax-path-hdr.tar', 'pax-bad-hdr-large.tar.bz2']);

test('Go archive/tar corpus: every archive lists or fails with a StrataError naming it', { skip: !present && 'corpus folder absent' }, async (t) => {
  if (!present) {
    console.log(`notice: ${CORPUS} is absent; the Go tar corpus suite is skipped`);
    return;
  }
  for (const name of fs.readdirSync(CORPUS).sort()) {
    // The test timeout is the hang guard (the watchdog would catch a stalled stream); nothing here times speed.
    await t.test(name, { timeout: 10_000 }, async () => {
      const file = path.join(CORPUS, name);
      const length = fs.statSync(file).size;
      try {
        const index = await indexLayerFile({ path: file, offset: 0, length }, { name: file, stallTimeoutMs: 1000 });
        assert.ok(!MUST_FAIL.has(name), `${name} should have been rejected`);
        for (const e of index.entries) assert.match(e.path, /^\/[^\0]*$/);
        if (name === 'gnu.tar' || name === 'v7.tar' || name === 'star.tar') assert.deepEqual(index.entries.map((e) => [e.path, e.size]), [['/small.txt', 5], ['/small2.txt', 11]]);
        if (name === 'pax-nul-path.tar') assert.deepEqual(index.warnings.map((w) => w.code), ['unsafe-path']);
        if (name === 'hardlink.tar') assert.equal(index.entries[1].linkname, '/file.txt');
        if (name === 'gnu-sparse-big.tar' || name === 'pax-sparse-big.tar') assert.deepEqual([index.entries[0].type, index.entries[0].size], ['sparse', 60_000_000_000]);
      } catch (error) {
        if (!isStrataError(error)) throw error;
        assert.ok(MUST_FAIL.has(name), `${name} failed unexpectedly: ${error.message}`);
        assert.ok(error.message.includes(file), `the message names the file: ${error.message}`);
      }
    });
  }
});
