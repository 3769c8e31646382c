import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const root = path.join(__dirname, '..');
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  fileAssociations: { ext: string | string[]; mimeType?: string }[];
  linux: { target: string[]; executableName: string };
  mac: { target: string };
  win: { target: string };
  files: string[];
  asarUnpack: string[];
};

/** electron-builder's own configuration check (the one `electron-builder` runs before packaging). */
async function validate(candidate: unknown): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(candidate, new DebugLogger(false));
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema, which rejects a broken copy', async () => {
    await validate(structuredClone(config));
    await assert.rejects(validate({ ...structuredClone(config), executableNme: 'strata-app' }), /does not match the API schema/);
    await assert.rejects(validate({ ...structuredClone(config), asar: 'yes' }), /does not match the API schema/);
  });

  it('names the app and its executable', () => {
    assert.equal(config.productName, 'Strata');
    assert.equal(config.executableName, 'strata-app');
    assert.equal(config.linux.executableName, 'strata-app');
    assert.match(String(config.appId), /^[a-z0-9]+(\.[a-z0-9-]+)+$/);
  });

  it('builds AppImage and deb for Linux, dmg for macOS, nsis for Windows', () => {
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.equal(config.mac.target, 'dmg');
    assert.equal(config.win.target, 'nsis');
  });

  it('packs the compiled app into an asar with the package manifest, unpacking the sample', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    assert.equal(config.asar, true);
    assert.ok(config.files.includes('dist/**'));
    assert.ok(config.files.includes('package.json'));
    assert.ok(pkg.main.startsWith('dist/'), pkg.main);
    assert.ok(config.asarUnpack.includes('dist/sample/**'));
  });

  it('associates .tar, .tar.gz, .tgz, .tar.zst and .tar.xz files by their last extension, with Linux MIME types', () => {
    const exts = new Map<string, string | undefined>();
    for (const association of config.fileAssociations) {
      for (const ext of [association.ext].flat()) exts.set(ext, association.mimeType);
    }
    for (const name of ['image.tar', 'layer.tar.gz', 'image.tgz', 'layer.tar.zst', 'layer.tar.xz']) {
      const last = name.slice(name.lastIndexOf('.') + 1);
      assert.ok(exts.has(last), `${name} is associated`);
      assert.match(exts.get(last) ?? '', /^application\/x-[a-z-]*tar$/, `${name} has a MIME type`);
    }
  });
});
