import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sourceSpecSchema } from '../shared/api';
import { appCacheDir, appPageUrl, initialSource, launchArguments, launchSource, unpackedPath } from './app-launch';

describe('launch arguments', () => {
  let dir: string;
  let image: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-launch-'));
    image = path.join(dir, 'image.tar');
    await writeFile(image, '');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads `npm start -- PATH` (electron . -- PATH) as that path, resolved against the working directory', () => {
    const argv = ['/repo/node_modules/electron/dist/electron', '.', '--', 'image.tar'];
    assert.deepEqual(launchArguments(argv, { defaultApp: true }), ['image.tar']);
    assert.deepEqual(launchSource(argv, { defaultApp: true, cwd: dir }), { kind: 'path', path: image });
  });

  it('reads a packaged `strata-app PATH` and drops Chromium and OS switches', () => {
    const argv = ['/opt/Strata/strata-app', '--no-sandbox', '-psn_0_1234', image, '--enable-logging'];
    assert.deepEqual(launchSource(argv, { defaultApp: false, cwd: '/' }), { kind: 'path', path: image });
  });

  it('skips the app path Playwright passes after its own switches', () => {
    const argv = ['/x/electron', '--inspect=0', '--remote-debugging-port=0', '/repo/dist/main/main.js', image];
    assert.deepEqual(launchArguments(argv, { defaultApp: true }), [image]);
  });

  it('reads file:// URLs from desktop launchers (Exec=strata-app %U) as paths', () => {
    const argv = ['/opt/Strata/strata-app', 'file:///home/me/My%20Images/app.tar.gz'];
    assert.deepEqual(launchSource(argv, { defaultApp: false, cwd: '/' }), { kind: 'path', path: '/home/me/My Images/app.tar.gz' });
    assert.deepEqual(launchArguments(['x', 'file://remote-host/share/a.tar'], { defaultApp: false }), ['file://remote-host/share/a.tar']);
  });

  it('takes everything after `--` literally, even names that look like switches', () => {
    const argv = ['/x/electron', '.', '--', '--weird-name.tar'];
    assert.deepEqual(launchArguments(argv, { defaultApp: true }), ['--weird-name.tar']);
  });

  it('reads several paths as loose layer tarballs in the order given', () => {
    const argv = ['strata-app', 'base.tar.gz', 'top.tar.zst'];
    assert.deepEqual(launchSource(argv, { defaultApp: false, cwd: dir }), {
      kind: 'layer-files',
      paths: [path.join(dir, 'base.tar.gz'), path.join(dir, 'top.tar.zst')],
    });
  });

  it('reads a registry or docker reference as a reference', () => {
    assert.deepEqual(launchSource(['strata-app', 'docker://alpine:3.20'], { defaultApp: false, cwd: dir }), {
      kind: 'reference',
      ref: 'docker://alpine:3.20',
    });
    assert.deepEqual(launchSource(['strata-app', 'ghcr.io/org/app:1.0'], { defaultApp: false, cwd: dir }), {
      kind: 'reference',
      ref: 'ghcr.io/org/app:1.0',
    });
  });

  it('opens the bundled sample when no source is named, and nothing on a bare second launch', () => {
    assert.deepEqual(initialSource(['/x/electron', '.'], { defaultApp: true, cwd: dir }), { kind: 'sample' });
    assert.deepEqual(initialSource(['/x/electron', '.', '--'], { defaultApp: true, cwd: dir }), { kind: 'sample' });
    assert.deepEqual(initialSource(['strata-app', '--no-sandbox'], { defaultApp: false, cwd: dir }), { kind: 'sample' });
    assert.equal(launchSource(['strata-app'], { defaultApp: false, cwd: dir }), null);
  });

  it('builds sources the API schema accepts', () => {
    for (const argv of [['strata-app', image], ['strata-app', 'a.tar', 'b.tar'], ['strata-app']]) {
      assert.equal(sourceSpecSchema.safeParse(initialSource(argv, { defaultApp: false, cwd: dir })).success, true);
    }
  });
});

describe('page URL and cache directory', () => {
  it('carries the initial source in the page URL as the renderer reads it', () => {
    const source = { kind: 'path', path: '/images/a b&c?.tar' } as const;
    const url = new URL(appPageUrl(source));
    assert.equal(url.protocol, 'strata-app:');
    assert.equal(url.host, 'app');
    assert.equal(url.pathname, '/index.html');
    assert.deepEqual(JSON.parse(url.searchParams.get('source') ?? ''), source);
    assert.equal(appPageUrl(null), 'strata-app://app/index.html');
  });

  it('shares the CLI cache on Linux and honours STRATA_CACHE_DIR; uses userData elsewhere', () => {
    assert.equal(appCacheDir({ STRATA_CACHE_DIR: '/tmp/c' }, 'darwin', '/u'), path.resolve('/tmp/c'));
    assert.equal(appCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/u'), path.join('/xdg', 'strata'));
    assert.equal(appCacheDir({}, 'linux', '/u'), path.join(os.homedir(), '.cache', 'strata'));
    assert.equal(appCacheDir({}, 'darwin', '/Users/me/Library/Application Support/Strata'), '/Users/me/Library/Application Support/Strata/layer-cache');
    assert.equal(appCacheDir({}, 'win32', 'C:/Users/me/AppData/Roaming/Strata'), path.join('C:/Users/me/AppData/Roaming/Strata', 'layer-cache'));
  });
});

describe('unpacked paths', () => {
  it('points files inside app.asar at app.asar.unpacked and leaves others alone', () => {
    assert.equal(
      unpackedPath('/opt/Strata/resources/app.asar/dist/sample/strata-sample.tar'),
      '/opt/Strata/resources/app.asar.unpacked/dist/sample/strata-sample.tar',
    );
    assert.equal(unpackedPath('C:\\Strata\\resources\\app.asar\\dist\\sample\\s.tar'), 'C:\\Strata\\resources\\app.asar.unpacked\\dist\\sample\\s.tar');
    assert.equal(unpackedPath('/work/main/dist/sample/strata-sample.tar'), '/work/main/dist/sample/strata-sample.tar');
    assert.equal(unpackedPath('/x/my.app.asar.d/sample.tar'), '/x/my.app.asar.d/sample.tar');
  });
});
