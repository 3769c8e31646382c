// Installs the native menu and runs its actions: file and folder dialogs hand the chosen source to
// `openSource` (which reaches the renderer as an `open-source` event); Open Recent reads the service.
import { dialog, Menu, nativeTheme, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { SourceSpec } from '../shared/api';
import { buildMenuTemplate, layerTarballsSource, type MenuActions, type ThemeSource } from './app-menu-template';
import type { StrataService } from './services/strata-service-types';

/** Options of `installMenu`. */
export interface MenuOptions {
  readonly service: StrataService;
  readonly window: () => BrowserWindow | null;
  /** Opens a source in the window. */
  readonly openSource: (source: SourceSpec) => void;
  /** Reloads the window on the source it shows. */
  readonly reload: () => void;
  readonly developerTools: boolean;
  /** Remembers a theme chosen in View > Theme. */
  readonly saveTheme: (theme: ThemeSource) => void;
}

const ARCHIVE_FILTERS = [
  { name: 'Image archives and layers', extensions: ['tar', 'gz', 'tgz', 'zst', 'xz', 'bz2'] },
  { name: 'All files', extensions: ['*'] },
];

/** Installs the application menu; returns the function that rebuilds it (after Open Recent changes). */
export function installMenu(options: MenuOptions): () => Promise<void> {
  const pick = async (dialogOptions: OpenDialogOptions): Promise<string[]> => {
    const window = options.window();
    const result = window ? await dialog.showOpenDialog(window, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
    return result.canceled ? [] : result.filePaths;
  };
  const openPicked = (dialogOptions: OpenDialogOptions, toSource: (paths: string[]) => SourceSpec) => {
    void pick(dialogOptions).then((paths) => {
      if (paths.length > 0) options.openSource(toSource(paths));
    });
  };
  const actions: MenuActions = {
    openImageFile: () =>
      openPicked({ title: 'Open Image File', properties: ['openFile'], filters: ARCHIVE_FILTERS }, ([file]) => ({ kind: 'path', path: file })),
    openFolder: () =>
      openPicked({ title: 'Open Folder (OCI layout or registry v1 store)', properties: ['openDirectory'] }, ([folder]) => ({
        kind: 'path',
        path: folder,
      })),
    openLayerTarballs: () =>
      openPicked({ title: 'Open Layer Tarballs', properties: ['openFile', 'multiSelections'], filters: ARCHIVE_FILTERS }, layerTarballsSource),
    openRecent: (source) => options.openSource(source),
    reload: () => options.reload(),
    setTheme: (theme) => {
      nativeTheme.themeSource = theme;
      options.saveTheme(theme);
      void refresh();
    },
  };
  const refresh = async () => {
    const recent = await options.service.listRecent({});
    const state = {
      platform: process.platform,
      recent: recent.ok ? recent.value : [],
      theme: nativeTheme.themeSource,
      developerTools: options.developerTools,
    };
    Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(state, actions)));
  };
  return refresh;
}
