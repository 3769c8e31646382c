import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAppSettings, writeAppSettings } from './app-settings';

describe('app settings', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-settings-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('remembers the theme across reads, leaving no temp file', async () => {
    const file = path.join(dir, 'nested', 'settings.json');
    assert.deepEqual(await readAppSettings(file), { theme: 'system' });
    await writeAppSettings(file, { theme: 'dark' });
    assert.deepEqual(await readAppSettings(file), { theme: 'dark' });
    await writeAppSettings(file, { theme: 'light' });
    assert.deepEqual(await readAppSettings(file), { theme: 'light' });
    assert.deepEqual(await readdir(path.dirname(file)), ['settings.json']);
  });

  it('falls back to the system theme for a corrupt or unexpected file', async () => {
    const file = path.join(dir, 'bad.json');
    for (const text of ['{"theme":"neon"}', '{"theme":', '[]', 'null', '{"theme":{"toString":1}}']) {
      await writeFile(file, text);
      assert.deepEqual(await readAppSettings(file), { theme: 'system' }, text);
    }
  });
});
