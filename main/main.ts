// The Electron entry: one instance, the UI served from `strata-app://app/` (built renderer files only,
// with the CSP), one engine service, the IPC contract, native menus, and sources from the command
// line, second launches and OS file associations. Decisions live in app-*.ts and ipc/ipc-dispatch.ts.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { app, nativeTheme, protocol, session, type BrowserWindow } from 'electron';
import { sourceSpecSchema, type SourceSpec } from '../shared/api';
import { appCacheDir, appPageUrl, initialSource, launchSource, unpackedPath } from './app-launch';
import { readAppSettings, writeAppSettings } from './app-settings';
import { APP_RESPONSE_HEADERS, APP_SCHEME, resolveAppAsset } from './app-security';
import { registerIpc, sendApiEvent } from './ipc/register-ipc';
import { installMenu } from './menu';
import { defaultSamplePath } from './services/cache-location';
import { createSafeCredentialStore } from './credentials/safe-credential-store';
import { createStrataService } from './services/strata-service';
import type { StrataService } from './services/strata-service-types';
import { createMainWindow, denyPermissions, guardWebContents } from './window';

const RENDERER_DIR = path.join(__dirname, '..', 'renderer');
const PRELOAD = path.join(__dirname, 'preload.js');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

/** Serves a built renderer file for an app-protocol request, with the security headers; 404 otherwise. */
async function serveAsset(request: Request): Promise<Response> {
  const asset = request.method === 'GET' ? resolveAppAsset(RENDERER_DIR, request.url) : null;
  const body = asset ? await readFile(asset.file).catch(() => null) : null;
  if (!asset || !body) {
    return new Response('Not found.', { status: 404, headers: { ...APP_RESPONSE_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
  }
  return new Response(body, { status: 200, headers: { ...APP_RESPONSE_HEADERS, 'content-type': asset.contentType } });
}

function main(): void {
  if (process.env.STRATA_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.STRATA_USER_DATA_DIR));
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const launch = { defaultApp: process.defaultApp === true, cwd: process.cwd() };
  let mainWindow: BrowserWindow | null = null;
  let service: StrataService | null = null;
  let current: SourceSpec | null = null;
  let pending: SourceSpec | null = null;
  let refreshMenu: () => Promise<void> = async () => undefined;
  let disposeIpc: () => void = () => undefined;
  let disposed = false;
  let started = false;

  const openWindow = (source: SourceSpec | null) => {
    mainWindow = createMainWindow({ preloadPath: PRELOAD, url: appPageUrl(source) });
    mainWindow.on('closed', () => (mainWindow = null));
  };

  /** Opens a source in the window: in the URL while the page loads, else as an `open-source` event. */
  const deliver = (source: SourceSpec) => {
    if (!started) {
      pending = source;
      return;
    }
    if (!mainWindow || mainWindow.isDestroyed()) return openWindow(source);
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
    if (mainWindow.webContents.isLoadingMainFrame()) void mainWindow.loadURL(appPageUrl(source));
    else sendApiEvent(mainWindow.webContents, { type: 'open-source', source });
  };

  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  app.on('open-file', (event, file) => {
    event.preventDefault();
    deliver({ kind: 'path', path: file });
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const source = launchSource(argv, { defaultApp: launch.defaultApp, cwd: workingDirectory });
    if (source) deliver(source);
    else if (mainWindow) mainWindow.focus();
    else if (started) openWindow(null);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (disposed || !service) return;
    event.preventDefault();
    disposed = true;
    disposeIpc();
    void service.dispose().finally(() => app.quit());
  });

  void app.whenReady().then(async () => {
    const settingsFile = path.join(app.getPath('userData'), 'settings.json');
    nativeTheme.themeSource = (await readAppSettings(settingsFile)).theme;
    denyPermissions(session.defaultSession);
    protocol.handle(APP_SCHEME, serveAsset);
    const engine = createStrataService({
      cacheDir: appCacheDir(process.env, process.platform, app.getPath('userData')),
      samplePath: unpackedPath(defaultSamplePath()),
      credentials: createSafeCredentialStore(app.getPath('userData')),
    });
    service = engine;
    disposeIpc = registerIpc({
      service: engine,
      appContents: () => mainWindow?.webContents ?? null,
      afterCall: (method, input, result) => {
        if (method !== 'openSource' || !result.ok) return;
        const opened = sourceSpecSchema.safeParse((input as { source?: unknown }).source);
        if (opened.success) current = opened.data;
        void refreshMenu();
      },
    });
    refreshMenu = installMenu({
      service: engine,
      window: () => mainWindow,
      openSource: deliver,
      reload: () => void mainWindow?.loadURL(appPageUrl(current)),
      developerTools: !app.isPackaged,
      saveTheme: (theme) => void writeAppSettings(settingsFile, { theme }).catch(() => undefined),
    });
    void refreshMenu();
    app.setAboutPanelOptions({ applicationName: 'Strata', applicationVersion: app.getVersion() });
    app.on('activate', () => {
      if (!mainWindow) openWindow(null);
    });
    started = true;
    openWindow(pending ?? initialSource(process.argv, launch));
    pending = null;
  });
}

main();
