// The desktop shell through Playwright's Electron driver: start on the bundled sample, open what the
// command line names, and the security settings (no Node in the page, navigation and new windows
// blocked, only `window.strataApi`, the app protocol refusing paths outside the renderer). Needs
// `npm run build` (dist/main/main.js) and the Electron binary; where the binary was not downloaded
// (ELECTRON_SKIP_BINARY_DOWNLOAD=1) every test prints a notice and skips.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { createStrataService } from '../main/services/strata-service';
import { writeDockerOciArchive } from '../main/test-support/image-fixtures';
import { dir, file, makeLayerTar, whiteout } from '../main/test-support/layer-tar';
import { ensureBuilt } from './browser-harness';

const ROOT = path.resolve(__dirname, '..');
const MAIN_JS = path.join(ROOT, 'dist', 'main', 'main.js');
const APP_PAGE = 'strata-app://app/index.html';

/** The Electron binary's path, or why there is none. */
function findElectron(): { readonly binary: string } | { readonly missing: string } {
  let binary: string;
  try {
    binary = createRequire(__filename)('electron') as string;
  } catch (error) {
    return { missing: `the Electron binary is not installed (${(error as Error).message.split('\n')[0]})` };
  }
  if (!existsSync(binary)) return { missing: `the Electron binary ${binary} is missing` };
  if (!existsSync(MAIN_JS)) return { missing: `${path.relative(ROOT, MAIN_JS)} is not built: run \`npm run build\`` };
  return { binary };
}

const electron = findElectron();

/** Skips the test, with a printed notice, where Electron cannot run. */
function needsElectron(t: TestContext): string | null {
  if ('binary' in electron) return electron.binary;
  const notice = `Electron e2e skipped: ${electron.missing}.`;
  console.log(notice);
  t.skip(notice);
  return null;
}

describe('Electron shell', () => {
  let tempDir: string;
  const running: ElectronApplication[] = [];

  before(async () => {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'strata-electron-'));
  });
  after(async () => {
    await Promise.allSettled(running.map((a) => a.close()));
    await rm(tempDir, { recursive: true, force: true });
  });

  /** Launches the built app (`electron ROOT ARGS…`) with its own profile and cache; returns its first window. */
  async function launch(binary: string, name: string, args: readonly string[] = []): Promise<{ app: ElectronApplication; page: Page }> {
    await ensureBuilt();
    const sandboxArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    const app = await _electron.launch({
      executablePath: binary,
      args: [...sandboxArgs, ROOT, ...args],
      cwd: tempDir,
      env: {
        ...process.env,
        STRATA_USER_DATA_DIR: path.join(tempDir, name, 'user-data'),
        STRATA_CACHE_DIR: path.join(tempDir, name, 'cache'),
      } as Record<string, string>,
    });
    running.push(app);
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    return { app, page };
  }

  it('starts on the bundled sample image', async (t) => {
    const binary = needsElectron(t);
    if (!binary) return;
    const { page } = await launch(binary, 'sample');
    const url = new URL(page.url());
    assert.equal(`${url.protocol}//${url.host}${url.pathname}`, APP_PAGE);
    assert.deepEqual(JSON.parse(url.searchParams.get('source') ?? ''), { kind: 'sample' });

    const samplePath = await ensureBuilt();
    const service = createStrataService({ cacheDir: path.join(tempDir, 'reference-cache'), samplePath });
    try {
      const opened = await service.openSource({ source: { kind: 'sample' } });
      assert.ok(opened.ok, JSON.stringify(opened));
      const image = await service.analyzeImage({ sourceId: opened.value.sourceId, jobId: 'reference' });
      assert.ok(image.ok, JSON.stringify(image));
      await page.locator('.chain-layer').first().waitFor();
      assert.equal(await page.locator('.chain-layer').count(), image.value.layers.length);
    } finally {
      await service.dispose();
    }
  });

  it('opens the image archive, or the layer tarballs, named on the command line', async (t) => {
    const binary = needsElectron(t);
    if (!binary) return;
    const base = await makeLayerTar([dir('etc/'), file('etc/hostname', 'base\n'), file('etc/motd', 'hello\n')]);
    const top = await makeLayerTar([file('etc/hostname', 'top\n'), whiteout('etc/motd'), file('app/run.sh', '#!/bin/sh\n')]);
    const archive = await writeDockerOciArchive(path.join(tempDir, 'cli-image.tar'), [{ layers: [base, top], tags: ['cli/test:1'] }]);
    const fromArchive = await launch(binary, 'cli-archive', ['cli-image.tar']);
    assert.deepEqual(JSON.parse(new URL(fromArchive.page.url()).searchParams.get('source') ?? ''), { kind: 'path', path: archive.path });
    await fromArchive.page.locator('.chain-layer').nth(1).waitFor();
    assert.equal(await fromArchive.page.locator('.chain-layer').count(), 2);

    await writeFile(path.join(tempDir, 'base.tar'), base);
    await writeFile(path.join(tempDir, 'top.tar'), top);
    const fromLayers = await launch(binary, 'cli-layers', ['--', 'base.tar', 'top.tar']);
    assert.deepEqual(JSON.parse(new URL(fromLayers.page.url()).searchParams.get('source') ?? ''), {
      kind: 'layer-files',
      paths: [path.join(tempDir, 'base.tar'), path.join(tempDir, 'top.tar')],
    });
  });

  it('shows a missing command-line file as an error naming it', async (t) => {
    const binary = needsElectron(t);
    if (!binary) return;
    const { page } = await launch(binary, 'cli-missing', ['does-not-exist.tar']);
    await page.getByText('does-not-exist.tar').first().waitFor();
  });

  it('gives the page no Node, only window.strataApi with call, onEvent, pathForFile and chooseSavePath', async (t) => {
    const binary = needsElectron(t);
    if (!binary) return;
    const { page } = await launch(binary, 'security-globals');
    const globals = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown> & { strataApi: Record<string, unknown> };
      return {
        require: typeof w.require,
        process: typeof w.process,
        module: typeof w.module,
        Buffer: typeof w.Buffer,
        ipcRenderer: typeof w.ipcRenderer,
        electron: typeof w.electron,
        api: Object.keys(w.strataApi).sort(),
      };
    });
    assert.deepEqual(globals, {
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      Buffer: 'undefined',
      ipcRenderer: 'undefined',
      electron: 'undefined',
      api: ['call', 'chooseSavePath', 'onEvent', 'pathForFile'],
    });
    const answers = await page.evaluate(async () => {
      const api = (globalThis as unknown as { strataApi: { call(m: string, i: unknown): Promise<unknown> } }).strataApi;
      return { recent: await api.call('listRecent', {}), unknown: await api.call('dispose', {}), bad: await api.call('getLayerTree', { imageId: '..' }) };
    });
    assert.equal((answers.recent as { ok: boolean }).ok, true);
    assert.match(JSON.stringify(answers.unknown), /Unknown API method/);
    assert.match(JSON.stringify(answers.bad), /Invalid input for getLayerTree/);
    const dialog = await page.evaluate(async () => {
      const api = (globalThis as unknown as { strataApi: { chooseSavePath(r: unknown): Promise<unknown> } }).strataApi;
      return api.chooseSavePath({ suggestedName: '../escape', format: 'oci' });
    });
    assert.match(JSON.stringify(dialog), /Invalid input for chooseSavePath/);

  });

  it('blocks navigation away from the app and denies new windows', async (t) => {
    const binary = needsElectron(t);
    if (!binary) return;
    const { app, page } = await launch(binary, 'security-navigation');
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    assert.equal(page.url(), before);
    const opened = await page.evaluate(() => (globalThis as unknown as { open(u: string): unknown }).open('https://example.com/') === null);
    assert.equal(opened, true);
    await page.waitForTimeout(300);
    assert.equal(app.windows().length, 1);
    const fetched = await page.evaluate(() =>
      fetch('strata-app://app/index.html').then(
        () => 'fetched',
        () => 'refused',
      ),
    );
    assert.equal(fetched, 'refused', 'the CSP allows no network access from the page');
  });

  it('serves only built renderer files on the app protocol, with the CSP', async (t) => {
    const binary = needsElectron(t);
    if (!binary) return;
    const { app } = await launch(binary, 'security-protocol');
    const answers = await app.evaluate(async ({ net }) => {
      const get = async (url: string) => {
        const r = await net.fetch(url);
        return { status: r.status, csp: r.headers.get('content-security-policy') ?? '' };
      };
      return {
        index: await get('strata-app://app/index.html'),
        escape: await get('strata-app://app/..%2f..%2fpackage.json'),
        main: await get('strata-app://app/..%2fmain%2fmain.js'),
        otherHost: await get('strata-app://elsewhere/index.html'),
      };
    });
    assert.equal(answers.index.status, 200);
    assert.match(answers.index.csp, /script-src 'self'/);
    assert.doesNotMatch(answers.index.csp, /unsafe-inline|unsafe-eval/);
    assert.equal(answers.escape.status, 404);
    assert.equal(answers.main.status, 404);
    assert.equal(answers.otherHost.status, 404);
  });
});
