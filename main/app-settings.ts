// The desktop app's own preferences (today: the View > Theme choice), kept as small JSON under the
// app's data directory and written atomically. No electron import.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ThemeSource } from './app-menu-template';

/** The preferences the app remembers between runs. */
export interface AppSettings {
  readonly theme: ThemeSource;
}

const DEFAULTS: AppSettings = { theme: 'system' };
const THEMES: readonly string[] = ['system', 'light', 'dark'];

/** Reads the settings file; a missing, unreadable or odd file gives the defaults. */
export async function readAppSettings(file: string): Promise<AppSettings> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Record<keyof AppSettings, unknown>>;
    return { theme: THEMES.includes(parsed.theme as string) ? (parsed.theme as ThemeSource) : DEFAULTS.theme };
  } catch {
    return DEFAULTS;
  }
}

/** Writes the settings file (temp file + rename, so a crash never leaves half a file). */
export async function writeAppSettings(file: string, settings: AppSettings): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(settings)}\n`);
  await rename(tmp, file);
}
