// Live sources in Debian's Chromium against `strata serve` and real registries started here (Debian's
// docker-registry): a public one and an htpasswd-protected one. Tags with search, an image's ancestry
// chain with a lazily listed eStargz layer, the credentials prompt on 401, catalog browsing page by
// page, saving from the app (progress, Cancel) and reopening the saved layout; the Docker engine card
// when a private dockerd starts; one platform of a multi-platform index opened and another saved from
// the open image's top bar. Saves registry-open, registry-catalog, registry-login, registry-save,
// lazy-layer, save-from-image and docker-engine screenshots to docs/screenshots/.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import type { ImageView, SourceSpec } from '../shared/api';
import { formatBytes } from '../shared/format';
import { openLocalStore } from '../main/stores/detect';
import { saveReference } from '../main/stores/save-image';
import { makeEstargzLayer } from '../main/test-support/lazy-layer-fixtures';
import { dir, file, makeLayerTar } from '../main/test-support/layer-tar';
import { startPrivateDockerd, type PrivateDockerd } from '../main/test-support/private-dockerd';
import { freePort, pushLayout, startRegistry, writeOciLayout, type RunningRegistry } from '../main/test-support/registry-harness';
import { startHarness, type BrowserHarness } from './browser-harness';

const run = promisify(execFile);
const SHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
const WEB_TAGS = ['v1', 'v1.1', 'v2', 'latest', 'nightly'];
/** More repositories than one catalog page (the UI asks for 100 at a time). */
const EXTRA_REPOSITORIES = Array.from({ length: 104 }, (_, i) => `fleet/service-${String(i).padStart(3, '0')}`);

async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Opens a source through the service itself: the reference the UI is checked against. */
async function analyse(h: BrowserHarness, source: SourceSpec): Promise<ImageView> {
  const opened = await h.service.openSource({ source });
  assert.ok(opened.ok, JSON.stringify(opened));
  const image = await h.service.analyzeImage({ sourceId: opened.value.sourceId, jobId: 'reference' });
  assert.ok(image.ok, JSON.stringify(image));
  await h.service.closeSource({ sourceId: opened.value.sourceId });
  return image.value;
}

/** Copies an image to another repository of the same registry with cross-repository blob mounts. */
async function mountCopy(host: string, from: string, to: string, manifest: Buffer, mediaType: string, blobs: readonly string[]): Promise<void> {
  for (const digest of blobs) {
    const res = await fetch(`http://${host}/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST' });
    assert.equal(res.status, 201, `mount ${digest} into ${to}`);
  }
  const put = await fetch(`http://${host}/v2/${to}/manifests/v1`, { method: 'PUT', headers: { 'content-type': mediaType }, body: manifest });
  assert.equal(put.status, 201, `manifest of ${to}`);
}

/** A proxy in front of a registry that sends the first 64 KiB of one blob and then stalls. */
async function startStallingProxy(target: string, digest: string): Promise<{ host: string; stalled: Promise<void>; close(): Promise<void> }> {
  let reached: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (reached = resolve));
  const server = http.createServer((req, res) => {
    const [hostname, port] = target.split(':');
    const upstream = http.request({ hostname, port: Number(port), path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!req.url?.endsWith(digest)) return void up.pipe(res);
      up.once('data', (chunk: Buffer) => {
        res.write(chunk.subarray(0, 65536));
        up.destroy();
        reached();
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    stalled,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The "Open from registry" card. */
const registryCard = (page: Page) => page.locator('section[aria-labelledby="registry-heading"]');

/** Types a reference into the registry card's field. */
async function typeReference(page: Page, text: string): Promise<void> {
  await page.locator('#registry-ref-input').fill(text);
}

/** The layer digests the ancestry chain shows, base first (from the digest's title). */
async function chainDigests(page: Page): Promise<string[]> {
  const titles = await page.locator('.chain-layer .chain-digest').evaluateAll((els) => els.map((el) => el.getAttribute('title') ?? ''));
  return titles.map((t) => t.split('\n')[0]);
}

async function backToStart(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Close image' }).click();
  await page.getByRole('heading', { name: 'Open from registry' }).waitFor();
}

describe('browser: registries and the Docker engine', () => {
  let work: string;
  let h: BrowserHarness;
  let page: Page;
  let pub: RunningRegistry;
  let priv: RunningRegistry;
  let daemon: PrivateDockerd | null = null;
  const why: string[] = [];
  let web: Awaited<ReturnType<typeof writeOciLayout>>;
  let lazy: Awaited<ReturnType<typeof writeOciLayout>>;
  let multi: Awaited<ReturnType<typeof writeOciLayout>>;
  const savedEnv = { DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONFIG: process.env.DOCKER_CONFIG };

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-remote-'));
    pub = await startRegistry({ storage: path.join(work, 'public'), port: await freePort() }, work);

    web = await writeOciLayout(path.join(work, 'web'), 'v1', [
      {
        platform: 'linux/amd64',
        layers: [await makeLayerTar([dir('etc'), file('etc/os-release', 'ID=strata\n')]), await makeLayerTar([file('srv/index.html', '<h1>web</h1>')])],
        createdBy: ['ADD rootfs.tar /', 'COPY index.html /srv/'],
      },
    ]);
    for (const tag of WEB_TAGS) await pushLayout(path.join(work, 'web'), 'v1', pub.host, 'apps/web', tag);

    // An eStargz layer of 2 MiB of incompressible data over a gzip base: listed from its TOC alone.
    const estargz = await makeEstargzLayer([dir('opt'), file('opt/model.bin', randomBytes(2 * 1024 * 1024)), file('opt/README', 'lazy\n')]);
    const base = await makeLayerTar([file('etc/hostname', 'lazy\n')]);
    lazy = await writeOciLayout(path.join(work, 'lazy'), 'v1', [
      {
        platform: 'linux/amd64',
        layers: [base, estargz.tar],
        blobs: [
          { bytes: gzipSync(base), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
          { bytes: estargz.blob, mediaType: estargz.mediaType, annotations: estargz.annotations },
        ],
        createdBy: ['ADD base.tar /', 'COPY model.bin /opt/ # eStargz'],
      },
    ]);
    await pushLayout(path.join(work, 'lazy'), 'v1', pub.host, 'lazy/estargz');

    // A multi-platform index: different bytes per platform, so every digest differs.
    multi = await writeOciLayout(path.join(work, 'multi'), 'v1', [
      { platform: 'linux/amd64', layers: [await makeLayerTar([file('etc/arch', 'amd64\n')]), await makeLayerTar([file('app/bin', 'x86-64 code')])] },
      { platform: 'linux/arm64', layers: [await makeLayerTar([file('etc/arch', 'arm64\n')]), await makeLayerTar([file('app/bin', 'aarch64 code')])] },
    ]);
    await pushLayout(path.join(work, 'multi'), 'v1', pub.host, 'multi/app');

    const manifest = await readFile(path.join(work, 'web', 'blobs', 'sha256', web.images[0].digest.slice(7)));
    const blobs = [web.images[0].config.digest, ...web.images[0].layers.map((l) => l.digest)];
    for (const repo of EXTRA_REPOSITORIES) await mountCopy(pub.host, 'apps/web', repo, manifest, web.images[0].mediaType, blobs);

    // The private registry: the same image pushed anonymously, then served behind htpasswd.
    const privateStorage = path.join(work, 'private');
    const seeding = await startRegistry({ storage: privateStorage, port: await freePort() }, work);
    await pushLayout(path.join(work, 'web'), 'v1', seeding.host, 'team/secret');
    await seeding.stop();
    const { stdout } = await run('htpasswd', ['-Bbn', 'alice', 's3cret']);
    await writeFile(path.join(work, 'htpasswd'), stdout);
    priv = await startRegistry({ storage: privateStorage, port: await freePort(), htpasswd: path.join(work, 'htpasswd') }, work);

    // The engine service reads DOCKER_HOST and DOCKER_CONFIG from the environment of this process.
    daemon = await startPrivateDockerd(path.join(work, 'dockerd'), why);
    if (daemon) {
      const archive = path.join(work, 'engine-image.tar');
      await saveReference(`${pub.host}/apps/web:v1`, archive, { env: {} });
      await daemon.docker(['load', '-q', '-i', archive]);
      await daemon.docker(['tag', `${pub.host}/apps/web:v1`, 'strata/engine-demo:v1']);
      await daemon.docker(['rmi', `${pub.host}/apps/web:v1`]);
    } else {
      console.log(`# dockerd could not start here (${why.join('; ') || 'unknown reason'}): the Docker engine card checks are skipped`);
    }
    process.env.DOCKER_HOST = daemon?.host ?? `unix://${path.join(work, 'no-docker.sock')}`;
    process.env.DOCKER_CONFIG = path.join(work, 'docker-config');

    h = await startHarness({ viewport: { width: 1440, height: 1000 } });
    page = h.page;
    await page.getByRole('heading', { name: 'Open from registry' }).waitFor();
  });

  after(async () => {
    await h?.close();
    await daemon?.stop();
    await pub?.stop();
    await priv?.stop();
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lists a repository’s tags and searches them', async () => {
    await typeReference(page, `${pub.host}/apps/web`);
    await registryCard(page).getByRole('button', { name: 'Tags', exact: true }).click();
    const search = page.getByRole('searchbox', { name: `Search the tags of ${pub.host}/apps/web` });
    await search.waitFor();
    const shown = () => page.locator('.remote-tags .remote-tag-list button').allInnerTexts();
    assert.deepEqual(await shown(), [...WEB_TAGS].sort());
    await search.fill('v1');
    await page.locator('.remote-tags .remote-tag-list button').nth(1).waitFor();
    assert.deepEqual(await shown(), ['v1', 'v1.1']);
    await shoot(page, 'registry-open');
    await search.fill('nothing-like-this');
    await page.getByText('No tag matches.').waitFor();
    await search.fill('lat');
    await page.getByRole('button', { name: 'latest', exact: true }).click();
    assert.equal(await page.locator('#registry-ref-input').inputValue(), `${pub.host}/apps/web:latest`);
  });

  it('opens an image: the ancestry chain matches the engine, and the eStargz layer says it was listed lazily', async () => {
    const ref = `${pub.host}/lazy/estargz:v1`;
    const expected = await analyse(h, { kind: 'reference', ref });
    await typeReference(page, ref);
    await registryCard(page).getByRole('button', { name: 'Open', exact: true }).click();
    await page.locator('.chain-layer').nth(1).waitFor();
    assert.deepEqual(await chainDigests(page), lazy.images[0].layers.map((l) => l.digest));
    assert.deepEqual(expected.layers.map((l) => l.digest), lazy.images[0].layers.map((l) => l.digest));
    // The base layer was read whole: no badge. The eStargz layer: the badge with the engine's numbers.
    assert.equal(expected.layers[0].lazy, undefined);
    assert.equal(await page.locator('.chain-layer[data-layer="0"] .chain-lazy').count(), 0);
    const top = expected.layers[1];
    assert.equal(top.lazy?.format, 'estargz');
    const fetched = top.lazy?.bytesFetched ?? 0;
    assert.ok(fetched > 0 && fetched < top.size * 0.05, `fetched ${fetched} of ${top.size}`);
    const badge = page.locator('.chain-layer[data-layer="1"] .chain-lazy');
    assert.equal(await badge.innerText(), `lazy · ${formatBytes(fetched)} fetched of ${formatBytes(top.size)}`);
    assert.match((await badge.getAttribute('title')) ?? '', /eStargz table of contents with HTTP Range requests/);
    await page.locator('.chain-layer[data-layer="1"]').click();
    await page.locator('.tree-pane[data-layer="1"][aria-busy="false"]').waitFor();
    await page.locator('.chain-lazy').hover();
    await shoot(page, 'lazy-layer');
    await backToStart(page);
  });

  it('asks for credentials on 401: a wrong password is refused, the right one opens the image', async () => {
    const ref = `${priv.host}/team/secret:v1`;
    await typeReference(page, ref);
    await registryCard(page).getByRole('button', { name: 'Open', exact: true }).click();
    const login = page.locator('.remote-login');
    await login.waitFor();
    assert.match(await login.innerText(), new RegExp(`${priv.host.replace(/\./g, '\\.')} needs a login`));
    await login.getByRole('textbox', { name: 'Username' }).fill('alice');
    await login.getByLabel('Password or token').fill('wrong');
    await login.getByRole('button', { name: 'Sign in' }).click();
    await login.getByRole('alert').waitFor();
    assert.match(await login.getByRole('alert').innerText(), /rejected the credentials|requires a username/);
    await login.getByLabel('Password or token').fill('s3cret');
    await shoot(page, 'registry-login');
    await login.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.chain-layer').nth(1).waitFor();
    assert.deepEqual(await chainDigests(page), web.images[0].layers.map((l) => l.digest));
    await backToStart(page);
  });

  it('browses a registry’s catalog page by page, searches it, and lists a repository’s tags from it', async () => {
    await typeReference(page, pub.host);
    await registryCard(page).getByRole('button', { name: 'Browse', exact: true }).click();
    const list = page.getByRole('list', { name: `Repositories of ${pub.host}` });
    await list.waitFor();
    const all = ['apps/web', 'lazy/estargz', 'multi/app', ...EXTRA_REPOSITORIES].sort();
    assert.equal(await list.getByRole('button').count(), 100);
    assert.deepEqual(await list.getByRole('button').allInnerTexts(), all.slice(0, 100));
    await page.getByText('Showing the first 100').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText(`All ${all.length} loaded.`).waitFor();
    assert.deepEqual(await list.getByRole('button').allInnerTexts(), all);
    const search = page.getByRole('searchbox', { name: `Search the repositories of ${pub.host}` });
    await search.fill('service-10');
    await page.getByText(`All ${all.length} loaded.`).waitFor();
    assert.deepEqual(await list.getByRole('button').allInnerTexts(), ['fleet/service-100', 'fleet/service-101', 'fleet/service-102', 'fleet/service-103']);
    await search.fill('apps/');
    await list.getByRole('button', { name: 'apps/web' }).waitFor();
    await shoot(page, 'registry-catalog');
    await list.getByRole('button', { name: 'apps/web' }).click();
    await page.getByRole('searchbox', { name: `Search the tags of ${pub.host}/apps/web` }).waitFor();
    assert.equal(await page.locator('#registry-ref-input').inputValue(), `${pub.host}/apps/web`);
    assert.equal(await page.locator('.remote-tags .remote-tag-list button').count(), WEB_TAGS.length);
  });

  it('saves an image from the app: a bad destination is refused, the saved layout reopens with the same digests', async () => {
    await typeReference(page, `${pub.host}/lazy/estargz:v1`);
    await page.getByRole('button', { name: 'Save image…' }).click();
    const form = page.getByRole('form', { name: `Save ${pub.host}/lazy/estargz:v1` });
    await form.waitFor();
    const destination = form.getByLabel(/Destination/);
    await destination.fill('relative/folder');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByRole('alert').waitFor();
    assert.match(await form.getByRole('alert').innerText(), /not an absolute path/);

    const dest = path.join(work, 'saved-layout');
    await destination.fill(dest);
    await form.getByRole('radio', { name: /OCI layout/ }).check();
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    const done = form.getByRole('status');
    await done.waitFor();
    const total = lazy.images[0].layers.reduce((n, l) => n + l.size, 0) + lazy.images[0].config.size + lazy.images[0].size;
    assert.match(await done.innerText(), new RegExp(`Saved ${formatBytes(total).replace('.', '\\.')} as an OCI layout`));
    await shoot(page, 'registry-save');
    const store = await openLocalStore(dest);
    const image = await store.openImage();
    assert.equal(image.descriptor.id, lazy.images[0].config.digest);
    assert.deepEqual(image.descriptor.layers.map((l) => l.digest), lazy.images[0].layers.map((l) => l.digest));
    await store.close();

    await form.getByRole('button', { name: 'Open the saved image' }).click();
    await page.locator('.chain-layer').nth(1).waitFor();
    assert.deepEqual(await chainDigests(page), lazy.images[0].layers.map((l) => l.digest));
    // From disk the eStargz layer is read whole: no lazy badge.
    assert.equal(await page.locator('.chain-lazy').count(), 0);
    await backToStart(page);
  });

  it('shows a save’s progress and cancels it from the app, leaving nothing behind', async () => {
    const big = lazy.images[0].layers[1];
    const proxy = await startStallingProxy(pub.host, big.digest);
    try {
      const ref = `${proxy.host}/lazy/estargz:v1`;
      await typeReference(page, ref);
      await page.getByRole('button', { name: 'Save image…' }).click();
      const form = page.getByRole('form', { name: `Save ${ref}` });
      const dest = path.join(work, 'cancelled-layout');
      await form.getByLabel(/Destination/).fill(dest);
      await form.getByRole('button', { name: 'Save', exact: true }).click();
      await proxy.stalled;
      const bar = form.getByRole('progressbar', { name: 'Saving' });
      await bar.waitFor();
      // The base layer and the first 64 KiB of the eStargz blob are written; the rest never comes.
      await form.locator('.progress-bytes', { hasText: ` / ${formatBytes(lazy.images[0].layers.reduce((n, l) => n + l.size, 0) + lazy.images[0].config.size + lazy.images[0].size)}` }).waitFor();
      assert.ok(Number(await bar.getAttribute('aria-valuenow')) < 100);
      await form.getByRole('button', { name: 'Cancel' }).click();
      await bar.waitFor({ state: 'detached' });
      assert.equal(await form.getByRole('alert').count(), 0);
      assert.equal(await form.getByRole('status').count(), 0);
      await assert.rejects(readdir(dest));
      assert.deepEqual((await readdir(work)).filter((f) => f.includes('partial')), []);
      await form.getByRole('button', { name: 'Close the save form' }).click();
    } finally {
      await proxy.close();
    }
  });

  it('saves one platform of an index from the start screen, opens the chosen platform, and saves another from the top bar', async () => {
    const ref = `${pub.host}/multi/app:v1`;
    const [amd64, arm64] = multi.images;
    const DEFAULT = 'default (the server’s platform)';
    // From the registry card: the form asks the registry for the index's platforms.
    await typeReference(page, ref);
    await registryCard(page).getByRole('button', { name: 'Save image…' }).click();
    const startForm = page.getByRole('form', { name: `Save ${ref}` });
    const startPicker = startForm.getByRole('combobox', { name: 'Platform' });
    await startPicker.waitFor();
    assert.deepEqual(await startPicker.locator('option').allInnerTexts(), [DEFAULT, 'linux/amd64', 'linux/arm64']);
    assert.equal(await startPicker.inputValue(), '');
    await startPicker.selectOption('linux/arm64');
    const armDest = path.join(work, 'saved-arm64');
    await startForm.getByLabel(/Destination/).fill(armDest);
    await startForm.getByRole('button', { name: 'Save', exact: true }).click();
    await startForm.getByRole('status').waitFor();
    const armStore = await openLocalStore(armDest);
    assert.equal((await armStore.openImage()).descriptor.id, arm64.config.digest, 'the picked platform was saved');
    await armStore.close();
    await startForm.getByRole('button', { name: 'Close the save form' }).click();
    // A single-platform image offers no picker.
    await typeReference(page, `${pub.host}/apps/web:v1`);
    const answered = page.waitForResponse('**/api/listPlatforms');
    await registryCard(page).getByRole('button', { name: 'Save image…' }).click();
    const single = page.getByRole('form', { name: `Save ${pub.host}/apps/web:v1` });
    assert.deepEqual(await (await answered).json(), { ok: true, value: [] });
    await page.evaluate(() => new Promise((resolve) => (globalThis as any).requestAnimationFrame(() => (globalThis as any).requestAnimationFrame(resolve))));
    assert.equal(await single.getByRole('combobox', { name: 'Platform' }).count(), 0);
    await single.getByRole('button', { name: 'Close the save form' }).click();

    await typeReference(page, ref);
    await registryCard(page).getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('heading', { name: /holds 2 images/ }).waitFor();
    await page.getByRole('button', { name: /linux\/arm64/ }).click();
    await page.locator('.chain-layer').nth(1).waitFor();
    assert.deepEqual(await chainDigests(page), arm64.layers.map((l) => l.digest), 'the chain is the chosen platform’s');

    await page.locator('.topbar').getByRole('button', { name: 'Save image…' }).click();
    const form = page.getByRole('form', { name: `Save ${ref}` });
    await form.waitFor();
    const platform = form.getByRole('combobox', { name: 'Platform' });
    assert.equal(await platform.inputValue(), 'linux/arm64', 'the platform open in the app is picked first');
    assert.deepEqual(await platform.locator('option').allInnerTexts(), [DEFAULT, 'linux/amd64', 'linux/arm64']);
    await platform.selectOption('linux/amd64');
    const dest = path.join(work, 'saved-amd64');
    await form.getByLabel(/Destination/).fill(dest);
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByRole('status').waitFor();
    await shoot(page, 'save-from-image');
    const store = await openLocalStore(dest);
    const saved = await store.openImage();
    assert.equal(saved.descriptor.id, amd64.config.digest, 'the picked platform was saved');
    assert.deepEqual(saved.descriptor.layers.map((l) => l.digest), amd64.layers.map((l) => l.digest));
    await store.close();
    await form.getByRole('button', { name: 'Open the saved image' }).click();
    await page.locator(`.topbar-image[title="${dest}"]`).waitFor();
    assert.deepEqual(await chainDigests(page), amd64.layers.map((l) => l.digest));
    assert.equal(await page.locator('.topbar').getByRole('button', { name: 'Save image…' }).count(), 0, 'an image opened from disk offers no save');
    await backToStart(page);
  });

  it('lists the Docker engine’s images, opens one and saves it as a docker-save archive', async (t) => {
    const card = page.locator('section[aria-labelledby="engine-heading"]');
    if (!daemon) {
      await card.getByText(/no-docker\.sock/).waitFor();
      return t.skip(`dockerd unavailable here (${why.join('; ') || 'unknown reason'}): only the card's error sentence was checked`);
    }
    await card.getByRole('button', { name: 'Refresh' }).click();
    const row = card.locator('tr', { hasText: 'strata/engine-demo' });
    await row.waitFor();
    assert.equal(await row.locator('td').nth(1).innerText(), 'v1');

    await row.getByRole('button', { name: 'Save strata/engine-demo:v1…' }).click();
    const form = page.getByRole('form', { name: 'Save docker://strata/engine-demo:v1' });
    assert.equal(await form.getByRole('radio', { name: /OCI layout/ }).isDisabled(), true);
    const dest = path.join(work, 'engine-saved.tar');
    await form.getByLabel(/Destination/).fill(dest);
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByRole('status').waitFor();
    await shoot(page, 'docker-engine');
    const saved = await openLocalStore(dest);
    assert.equal((await saved.openImage()).descriptor.id, web.images[0].config.digest);
    await saved.close();
    await form.getByRole('button', { name: 'Close the save form' }).click();

    // The engine's export holds the same layers: the chain shows the config's diff ids, base first.
    await row.getByRole('button', { name: 'strata/engine-demo', exact: true }).click();
    await page.locator('.chain-layer').nth(1).waitFor();
    const config = JSON.parse(await readFile(path.join(work, 'web', 'blobs', 'sha256', web.images[0].config.digest.slice(7)), 'utf8')) as { rootfs: { diff_ids: string[] } };
    const titles = await page.locator('.chain-layer .chain-digest').evaluateAll((els) => els.map((el) => el.getAttribute('title') ?? ''));
    assert.deepEqual(titles.map((t) => t.split('diff id ')[1]), config.rootfs.diff_ids);
    await backToStart(page);
  });
});
