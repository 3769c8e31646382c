// Starts what the browser specs and the UI benchmark drive: the real engine service and `strata serve`
// in-process (temp cache dir, random port), and Debian's Chromium through playwright-core.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { makeSampleImage } from '../main/sample/make-sample-image';
import { startServer, type RunningServer } from '../main/server/http-server';
import { createStrataService } from '../main/services/strata-service';
import type { StrataService } from '../main/services/strata-service-types';

/** Where the built renderer and the sample image are expected. */
const DIST = path.resolve(__dirname, '..', 'dist');
const SAMPLE = path.join(DIST, 'sample', 'strata-sample.tar');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A running engine + server + browser page. */
export interface BrowserHarness {
  readonly service: StrataService;
  readonly server: RunningServer;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly samplePath: string;
  /** Temp folder for fixtures; removed by close(). */
  readonly tempDir: string;
  close(): Promise<void>;
}

/** Options of the harness. */
export interface HarnessOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly colorScheme?: 'light' | 'dark';
  /** A script run in the page before its own scripts (benchmark probes). */
  readonly initScript?: string;
}

/** Checks the build outputs the specs need; builds the sample image when only it is missing. */
export async function ensureBuilt(): Promise<string> {
  if (!existsSync(path.join(DIST, 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is not built: run `npx vite build --config renderer/vite.config.mts` first.');
  }
  if (!existsSync(SAMPLE)) {
    await mkdir(path.dirname(SAMPLE), { recursive: true });
    await makeSampleImage(SAMPLE);
  }
  return SAMPLE;
}

/** Starts everything and opens the served page. */
export async function startHarness(options: HarnessOptions = {}): Promise<BrowserHarness> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium.`);
  const samplePath = await ensureBuilt();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-'));
  const service = createStrataService({ cacheDir: path.join(tempDir, 'cache'), samplePath });
  const server = await startServer({ service, rendererDir: path.join(DIST, 'renderer') });
  const context = await chromium.launchPersistentContext(path.join(tempDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.url);
  return {
    service,
    server,
    context,
    page,
    samplePath,
    tempDir,
    async close() {
      await context.close();
      await server.close();
      await service.dispose();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
