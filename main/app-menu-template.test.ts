import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import type { RecentSource, SourceSpec } from '../shared/api';
import { buildMenuTemplate, layerTarballsSource, recentMenuLabel, type MenuActions, type ThemeSource } from './app-menu-template';

/** Actions that record what was clicked. */
function recorder() {
  const log: string[] = [];
  const actions: MenuActions = {
    openImageFile: () => log.push('openImageFile'),
    openFolder: () => log.push('openFolder'),
    openLayerTarballs: () => log.push('openLayerTarballs'),
    openRecent: (s: SourceSpec) => log.push(`openRecent ${JSON.stringify(s)}`),
    reload: () => log.push('reload'),
    setTheme: (t: ThemeSource) => log.push(`setTheme ${t}`),
  };
  return { log, actions };
}

/** Finds an item by label path (`['File', 'Open Recent']`), ignoring `&` mnemonics. */
function item(template: readonly MenuItemConstructorOptions[], ...labels: string[]): MenuItemConstructorOptions {
  let items = template;
  let found: MenuItemConstructorOptions | undefined;
  for (const label of labels) {
    found = items.find((i) => i.label?.replace(/&(?!&)/g, '') === label);
    assert.ok(found, `menu item ${labels.join(' > ')}`);
    items = (found.submenu ?? []) as MenuItemConstructorOptions[];
  }
  return found as MenuItemConstructorOptions;
}

const click = (i: MenuItemConstructorOptions) => (i.click as unknown as () => void)();

const recent: RecentSource[] = [
  { label: '/images/app.tar', source: { kind: 'path', path: '/images/app.tar' }, openedAt: '2026-01-01T00:00:00Z' },
  { label: 'ghcr.io/o/a:1', source: { kind: 'reference', ref: 'ghcr.io/o/a:1' }, openedAt: '2026-01-01T00:00:00Z' },
];

describe('application menu', () => {
  it('has the open commands, each wired to its action', () => {
    const { log, actions } = recorder();
    const template = buildMenuTemplate({ platform: 'linux', recent: [], theme: 'system', developerTools: false }, actions);
    click(item(template, 'File', 'Open Image File…'));
    click(item(template, 'File', 'Open Folder…'));
    click(item(template, 'File', 'Open Layer Tarballs…'));
    click(item(template, 'View', 'Reload'));
    assert.deepEqual(log, ['openImageFile', 'openFolder', 'openLayerTarballs', 'reload']);
    const accelerators = item(template, 'File').submenu as MenuItemConstructorOptions[];
    const keys = accelerators.map((i) => i.accelerator).filter(Boolean);
    assert.equal(new Set(keys).size, keys.length, 'accelerators are distinct');
  });

  it('lists recent sources in order and opens the one clicked', () => {
    const { log, actions } = recorder();
    const template = buildMenuTemplate({ platform: 'linux', recent, theme: 'system', developerTools: false }, actions);
    const items = item(template, 'File', 'Open Recent').submenu as MenuItemConstructorOptions[];
    assert.deepEqual(items.map((i) => i.label), ['/images/app.tar', 'ghcr.io/o/a:1']);
    click(items[1]);
    assert.deepEqual(log, [`openRecent ${JSON.stringify(recent[1].source)}`]);
  });

  it('shows a disabled placeholder when nothing was opened yet', () => {
    const template = buildMenuTemplate({ platform: 'linux', recent: [], theme: 'system', developerTools: false }, recorder().actions);
    const items = item(template, 'File', 'Open Recent').submenu as MenuItemConstructorOptions[];
    assert.deepEqual(items, [{ label: 'No Recent Sources', enabled: false }]);
  });

  it('offers System, Light and Dark themes as radio items with the current one checked', () => {
    const { log, actions } = recorder();
    const template = buildMenuTemplate({ platform: 'linux', recent: [], theme: 'dark', developerTools: false }, actions);
    const themes = item(template, 'View', 'Theme').submenu as MenuItemConstructorOptions[];
    assert.deepEqual(themes.map((t) => [t.label, t.type, t.checked]), [
      ['System', 'radio', false],
      ['Light', 'radio', false],
      ['Dark', 'radio', true],
    ]);
    click(themes[1]);
    assert.deepEqual(log, ['setTheme light']);
  });

  it('adds the macOS app menu and closes windows there instead of quitting from File', () => {
    const mac = buildMenuTemplate({ platform: 'darwin', recent: [], theme: 'system', developerTools: false }, recorder().actions);
    assert.equal(mac[0].role, 'appMenu');
    assert.ok((item(mac, 'File').submenu as MenuItemConstructorOptions[]).some((i) => i.role === 'close'));
    const linux = buildMenuTemplate({ platform: 'linux', recent: [], theme: 'system', developerTools: false }, recorder().actions);
    assert.notEqual(linux[0].role, 'appMenu');
    assert.ok((item(linux, 'File').submenu as MenuItemConstructorOptions[]).some((i) => i.role === 'quit'));
    for (const role of ['editMenu', 'windowMenu', 'help']) assert.ok(linux.some((i) => i.role === role), role);
  });

  it('offers developer tools only when asked', () => {
    const roles = (developerTools: boolean) =>
      (item(buildMenuTemplate({ platform: 'linux', recent: [], theme: 'system', developerTools }, recorder().actions), 'View')
        .submenu as MenuItemConstructorOptions[]).map((i) => i.role);
    assert.ok(!roles(false).includes('toggleDevTools'));
    assert.ok(roles(true).includes('toggleDevTools'));
  });
});

describe('menu helpers', () => {
  it('keeps ampersands literal and shortens long labels in the middle', () => {
    assert.equal(recentMenuLabel('/images/R&D/app.tar'), '/images/R&&D/app.tar');
    const long = `/home/me/${'very-long-directory/'.repeat(10)}image.tar`;
    const label = recentMenuLabel(long);
    assert.ok(label.length <= 72, label);
    assert.ok(label.startsWith('/home/me/') && label.endsWith('image.tar') && label.includes('…'));
    assert.equal(recentMenuLabel('a\nb'), 'a b');
  });

  it('orders picked layer tarballs by natural file name', () => {
    assert.deepEqual(layerTarballsSource(['/l/layer-10.tar', '/l/layer-2.tar', '/l/layer-1.tar']), {
      kind: 'layer-files',
      paths: ['/l/layer-1.tar', '/l/layer-2.tar', '/l/layer-10.tar'],
    });
  });
});
