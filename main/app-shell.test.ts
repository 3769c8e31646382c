// Runs main.ts (and through it window.ts, menu.ts, ipc/register-ipc.ts) against a recording stand-in
// for the `electron` module, since no Electron binary can run here: checks the wiring — protocol
// privileges and files served, window preferences, guards on every web contents, denied permissions,
// the sender check on real IPC calls into the real engine service and on the save dialog channel,
// sources from argv and open-file, and disposal on quit. The behaviour of Electron itself is covered by e2e/electron.spec.ts.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_SAVE_PATH_CHANNEL } from '../shared/api';

type Handler = (...args: unknown[]) => unknown;

/** A web contents stand-in recording guards, loads and sends. */
class FakeContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeContents.nextId++;
  readonly sent: unknown[][] = [];
  readonly loads: string[] = [];
  loading = true;
  openHandler: Handler | null = null;
  setWindowOpenHandler(handler: Handler) {
    this.openHandler = handler;
  }
  isDestroyed() {
    return false;
  }
  isLoadingMainFrame() {
    return this.loading;
  }
  send(...args: unknown[]) {
    this.sent.push(args);
  }
}

const windows: FakeWindow[] = [];
const app = Object.assign(new EventEmitter(), {
  ready: false,
  quits: 0,
  paths: new Map<string, string>(),
  isPackaged: false,
  readyResolve: () => undefined as void,
  whenReady() {
    return new Promise<void>((resolve) => (this.readyResolve = resolve));
  },
  isReady() {
    return this.ready;
  },
  requestSingleInstanceLock: () => true,
  setPath(name: string, value: string) {
    this.paths.set(name, value);
  },
  getPath(name: string) {
    return this.paths.get(name) ?? path.join(os.tmpdir(), 'unused');
  },
  getVersion: () => '0.1.0',
  setAboutPanelOptions: () => undefined,
  quit() {
    this.quits++;
  },
});

/** A BrowserWindow stand-in: records its options and fires `web-contents-created` like Electron. */
class FakeWindow extends EventEmitter {
  readonly webContents = new FakeContents();
  static fromWebContents(contents: unknown): FakeWindow | null {
    return windows.find((w) => w.webContents === contents) ?? null;
  }
  constructor(readonly options: { webPreferences: Record<string, unknown> }) {
    super();
    windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string) {
    this.webContents.loads.push(url);
    return Promise.resolve();
  }
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  show() {}
}

const electron = {
  app,
  BrowserWindow: FakeWindow,
  protocol: {
    schemes: [] as unknown[],
    handlers: new Map<string, (request: Request) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      this.schemes.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response>) {
      this.handlers.set(scheme, handler);
    },
  },
  session: {
    defaultSession: {
      handlers: {} as Record<string, Handler>,
      setPermissionRequestHandler(h: Handler) {
        this.handlers.request = h;
      },
      setPermissionCheckHandler(h: Handler) {
        this.handlers.check = h;
      },
      setDevicePermissionHandler(h: Handler) {
        this.handlers.device = h;
      },
    },
  },
  ipcMain: {
    handlers: new Map<string, Handler>(),
    handle(channel: string, h: Handler) {
      this.handlers.set(channel, h);
    },
    removeHandler(channel: string) {
      this.handlers.delete(channel);
    },
  },
  Menu: {
    installed: [] as unknown[],
    buildFromTemplate: (template: unknown) => ({ template }),
    setApplicationMenu(menu: unknown) {
      this.installed.push(menu);
    },
  },
  nativeTheme: { themeSource: 'system', shouldUseDarkColors: false },
  dialog: {
    showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    saveCalls: [] as unknown[][],
    async showSaveDialog(...args: unknown[]) {
      this.saveCalls.push(args);
      return { canceled: false, filePath: '/home/me/Downloads/app-v1.tar' };
    },
  },
  // Linux without a secret service: the credential store must fall back to memory, never plain text.
  safeStorage: {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'basic_text',
    encryptString: () => assert.fail('logins must not be encrypted with the basic_text backend'),
    decryptString: () => assert.fail('logins must not be decrypted with the basic_text backend'),
  },
};

describe('Electron main process wiring (recording stand-in for electron)', () => {
  let dir: string;
  let image: string;
  const originalLoad = (Module as unknown as { _load: Handler })._load;
  const originalArgv = process.argv;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-shell-'));
    image = path.join(dir, 'image.tar');
    process.env.STRATA_CACHE_DIR = path.join(dir, 'cache');
    process.env.STRATA_USER_DATA_DIR = path.join(dir, 'user-data');
    process.argv = ['/opt/Strata/strata-app', '--no-sandbox', image];
    (Module as unknown as { _load: Handler })._load = function (request: unknown, ...rest: unknown[]) {
      return request === 'electron' ? electron : originalLoad.call(this, request, ...rest);
    };
    require('./main');
    app.ready = true;
    app.readyResolve();
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  after(async () => {
    (Module as unknown as { _load: Handler })._load = originalLoad;
    process.argv = originalArgv;
    await rm(dir, { recursive: true, force: true });
  });

  it('registers the app scheme as standard and secure, not CORS-readable and not CSP-bypassing', () => {
    assert.deepEqual(electron.protocol.schemes, [
      { scheme: 'strata-app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    ]);
    assert.equal(app.paths.get('userData'), path.join(dir, 'user-data'));
  });

  it('serves renderer files with the CSP and refuses paths outside the renderer', async () => {
    const handler = electron.protocol.handlers.get('strata-app');
    assert.ok(handler);
    const index = await handler(new Request('strata-app://app/index.html'));
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(index.headers.get('content-security-policy') ?? '', /^default-src 'none'; script-src 'self'/);
    assert.equal(await index.text(), await readFile(path.join(__dirname, '..', 'renderer', 'index.html'), 'utf8'));
    for (const url of ['strata-app://app/..%2fpackage.json', 'strata-app://app/..%2fmain%2fmain.ts', 'strata-app://other/index.html', 'strata-app://app/missing.js']) {
      const response = await handler(new Request(url));
      assert.equal(response.status, 404, url);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
    assert.equal((await handler(new Request('strata-app://app/index.html', { method: 'POST', body: 'x' }))).status, 404);
  });

  it('opens one sandboxed, isolated window on the command-line source', () => {
    assert.equal(windows.length, 1);
    const prefs = windows[0].options.webPreferences;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.webviewTag, false);
    assert.equal(path.basename(String(prefs.preload)), 'preload.js');
    const url = new URL(windows[0].webContents.loads[0]);
    assert.equal(`${url.protocol}//${url.host}${url.pathname}`, 'strata-app://app/index.html');
    assert.deepEqual(JSON.parse(url.searchParams.get('source') ?? ''), { kind: 'path', path: image });
  });

  it('guards every web contents: navigation, redirects, webviews prevented; new windows denied', () => {
    const contents = new FakeContents();
    app.emit('web-contents-created', {}, contents);
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(name, { preventDefault: () => (prevented = true) });
      assert.equal(prevented, true, name);
    }
    assert.deepEqual(contents.openHandler?.({ url: 'https://example.com/' }), { action: 'deny' });
  });

  it('denies permission requests and checks', () => {
    const { handlers } = electron.session.defaultSession;
    let granted: unknown = 'unanswered';
    handlers.request({}, 'media', (answer: unknown) => (granted = answer), {});
    assert.equal(granted, false);
    assert.equal(handlers.check({}, 'clipboard-read', 'strata-app://app', {}), false);
    assert.equal(handlers.device({}), false);
  });

  it('answers IPC calls from the window main frame only, through the real engine service', async () => {
    const handler = electron.ipcMain.handlers.get(IPC_CALL_CHANNEL);
    assert.ok(handler);
    const win = windows[0].webContents;
    const mainFrame = { url: 'strata-app://app/index.html?source=x', parent: null };
    assert.deepEqual(await handler({ sender: win, senderFrame: mainFrame }, 'listRecent', {}), { ok: true, value: [] });
    const refused = [
      { sender: win, senderFrame: { url: 'strata-app://app/index.html', parent: mainFrame } },
      { sender: new FakeContents(), senderFrame: mainFrame },
      { sender: win, senderFrame: { url: 'https://example.com/', parent: null } },
      { sender: win, senderFrame: null },
    ];
    for (const event of refused) {
      const result = (await handler(event, 'listRecent', {})) as { ok: boolean; error?: { code: string } };
      assert.equal(result.error?.code, 'forbidden', JSON.stringify(event.senderFrame));
    }
    const missing = (await handler({ sender: win, senderFrame: mainFrame }, 'openSource', { source: { kind: 'path', path: image } })) as {
      ok: boolean;
      error?: { file?: string };
    };
    assert.equal(missing.ok, false);
  });

  it('installs the native menu', () => {
    assert.ok(electron.Menu.installed.length >= 1);
    const { template } = electron.Menu.installed.at(-1) as { template: { label?: string }[] };
    assert.ok(template.some((m) => m.label === '&File'));
  });

  it('applies and remembers a theme chosen in View > Theme', async () => {
    const { template } = electron.Menu.installed.at(-1) as { template: { label?: string; submenu?: { label?: string; submenu?: unknown[] }[] }[] };
    const view = template.find((m) => m.label === '&View');
    const themes = view?.submenu?.find((i) => i.label === 'Theme')?.submenu as { label: string; click(): void }[];
    themes.find((t) => t.label === 'Dark')?.click();
    assert.equal(electron.nativeTheme.themeSource, 'dark');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'user-data', 'settings.json'), 'utf8')), { theme: 'dark' });
  });

  it('sends a file opened through the OS to the loaded page as an open-source event', () => {
    const win = windows[0].webContents;
    win.loading = false;
    const other = path.join(dir, 'other.tar.gz');
    let prevented = false;
    app.emit('open-file', { preventDefault: () => (prevented = true) }, other);
    assert.equal(prevented, true);
    assert.deepEqual(win.sent.at(-1), [IPC_EVENT_CHANNEL, { type: 'open-source', source: { kind: 'path', path: other } }]);
  });

  it('opens the sources of a second launch, resolved against its working directory', () => {
    const win = windows[0].webContents;
    app.emit('second-instance', {}, ['/opt/Strata/strata-app', 'a.tar', 'b.tar'], '/home/me/layers');
    assert.deepEqual(win.sent.at(-1), [
      IPC_EVENT_CHANNEL,
      { type: 'open-source', source: { kind: 'layer-files', paths: ['/home/me/layers/a.tar', '/home/me/layers/b.tar'] } },
    ]);
    const count = win.sent.length;
    app.emit('second-instance', {}, ['/opt/Strata/strata-app'], '/');
    assert.equal(win.sent.length, count, 'a bare second launch only focuses the window');
  });

  it('opens the save dialog for the window main frame only, after validating the request', async () => {
    const handler = electron.ipcMain.handlers.get(IPC_SAVE_PATH_CHANNEL);
    assert.ok(handler);
    const win = windows[0].webContents;
    const mainFrame = { url: 'strata-app://app/index.html', parent: null };
    const request = { suggestedName: 'app-v1', format: 'docker-archive' };
    const subframe = (await handler({ sender: win, senderFrame: { url: mainFrame.url, parent: mainFrame } }, request)) as { error?: { code: string } };
    assert.equal(subframe.error?.code, 'forbidden');
    const otherContents = (await handler({ sender: new FakeContents(), senderFrame: mainFrame }, request)) as { error?: { code: string } };
    assert.equal(otherContents.error?.code, 'forbidden');
    const badName = (await handler({ sender: win, senderFrame: mainFrame }, { ...request, suggestedName: '../../etc/passwd' })) as { error?: { code: string } };
    assert.equal(badName.error?.code, 'usage');
    assert.equal(electron.dialog.saveCalls.length, 0, 'no dialog for a refused call');
    assert.deepEqual(await handler({ sender: win, senderFrame: mainFrame }, request), { ok: true, value: '/home/me/Downloads/app-v1.tar' });
    assert.equal(electron.dialog.saveCalls.length, 1);
    const [parent, options] = electron.dialog.saveCalls[0] as [unknown, { defaultPath: string }];
    assert.equal(parent, windows[0], 'the dialog is modal to the Strata window');
    assert.match(options.defaultPath, /[\\/]app-v1\.tar$/);
  });

  it('disposes the engine before quitting', async () => {
    let prevented = false;
    app.emit('will-quit', { preventDefault: () => (prevented = true) });
    assert.equal(prevented, true);
    assert.equal(electron.ipcMain.handlers.has(IPC_CALL_CHANNEL), false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(app.quits, 1);
    let preventedAgain = false;
    app.emit('will-quit', { preventDefault: () => (preventedAgain = true) });
    assert.equal(preventedAgain, false);
  });
});
