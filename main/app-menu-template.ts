// The native menu as data (pure; only electron *types* are imported): File (open image, folder, layer
// tarballs, recent), Edit, View (reload, theme), Window, Help. menu.ts installs it and runs the actions.
import type { MenuItemConstructorOptions } from 'electron';
import type { RecentSource, SourceSpec } from '../shared/api';

/** The theme choices of View > Theme, as `nativeTheme.themeSource` takes them. */
export type ThemeSource = 'system' | 'light' | 'dark';

/** What menu items do; menu.ts implements them with dialogs and the window. */
export interface MenuActions {
  openImageFile(): void;
  openFolder(): void;
  openLayerTarballs(): void;
  openRecent(source: SourceSpec): void;
  reload(): void;
  setTheme(theme: ThemeSource): void;
}

/** The state the menu shows. */
export interface MenuState {
  readonly platform: string;
  readonly recent: readonly RecentSource[];
  readonly theme: ThemeSource;
  /** Adds View > Toggle Developer Tools (unpackaged runs only). */
  readonly developerTools: boolean;
}

const MAX_LABEL = 72;

/** A recent source's label fit for a menu: `&` kept literal (not a mnemonic), long paths shortened in the middle. */
export function recentMenuLabel(label: string): string {
  const flat = label.replace(/[\r\n\t]+/g, ' ');
  const short = flat.length <= MAX_LABEL ? flat : `${flat.slice(0, 24)}…${flat.slice(-(MAX_LABEL - 25))}`;
  return short.replace(/&/g, '&&');
}

/** Loose layer tarballs picked in a dialog, in natural file-name order (`layer-2` before `layer-10`). */
export function layerTarballsSource(paths: readonly string[]): SourceSpec {
  const sorted = [...paths].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return { kind: 'layer-files', paths: sorted };
}

/** Builds the application menu template. */
export function buildMenuTemplate(state: MenuState, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin';
  const recent: MenuItemConstructorOptions[] =
    state.recent.length === 0
      ? [{ label: 'No Recent Sources', enabled: false }]
      : state.recent.map((r) => ({ label: recentMenuLabel(r.label), click: () => actions.openRecent(r.source) }));
  const theme = (label: string, value: ThemeSource): MenuItemConstructorOptions => ({
    label,
    type: 'radio',
    checked: state.theme === value,
    click: () => actions.setTheme(value),
  });
  const template: MenuItemConstructorOptions[] = [
    {
      label: '&File',
      submenu: [
        { label: 'Open Image File…', accelerator: 'CmdOrCtrl+O', click: () => actions.openImageFile() },
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openFolder() },
        { label: 'Open Layer Tarballs…', accelerator: 'CmdOrCtrl+Alt+O', click: () => actions.openLayerTarballs() },
        { type: 'separator' },
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { label: 'Reload', accelerator: 'CmdOrCtrl+R', click: () => actions.reload() },
        { label: 'Theme', submenu: [theme('System', 'system'), theme('Light', 'light'), theme('Dark', 'dark')] },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(state.developerTools ? [{ type: 'separator' } as const, { role: 'toggleDevTools' } as const] : []),
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about', label: 'About Strata' }] },
  ];
  return mac ? [{ role: 'appMenu' }, ...template] : template;
}
