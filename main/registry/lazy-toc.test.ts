// Lazy listing against a real registry: eStargz and zstd:chunked layers list their files through
// Range requests only, matching a full read of the same blob; plus dive's real eStargz image (corpus).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isStrataError } from '../../shared/errors';
import type { LayerIndex } from '../../shared/model';
import { IndexCache } from '../cache/index-cache';
import { IndexPool, indexLayerCached } from '../layers/index-pool';
import { indexLayerStream } from '../layers/layer-indexer';
import { RegistryStore } from '../stores/registry-store';
import type { Layer } from '../stores/types';
import { makeEstargzLayer, makeZstdChunkedLayer } from '../test-support/lazy-layer-fixtures';
import { dir, file, makeLayerTar, whiteout } from '../test-support/layer-tar';
import { startProxy } from '../test-support/http-proxy';
import { until } from '../test-support/poll';
import { freePort, pushLayout, startRegistry, writeOciLayout, type RunningRegistry } from '../test-support/registry-harness';
import { parseImageReference } from './image-reference';
import { estargzFooterOffset, lazyLayerIndex, zstdChunkedFooter } from './lazy-toc';
import { RegistryClient } from './registry-client';

const run = promisify(execFile);
const CORPUS = path.resolve(__dirname, '../../../shared/corpus/dive-images/test-oci-estargz-image.tar');
const ENTRIES = [
  dir('etc'),
  file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n', { uid: 0, gid: 0, mode: 0o644 }),
  file('usr/bin/tool', randomBytes(3 * 1024 * 1024), { mode: 0o755, uid: 10, gid: 20 }),
  { name: 'usr/bin/alias', type: 'symlink' as const, linkname: 'tool' },
  file('var/empty', ''),
  whiteout('/etc/shadow'),
];

const withoutToc = (index: LayerIndex) => index.entries.filter((e) => e.path !== '/stargz.index.json');

describe('lazy listing on a real registry', () => {
  let work: string;
  let registry: RunningRegistry;
  let port: number;
  let estargzTarSize = 0;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'strata-lazy-'));
    port = await freePort();
    registry = await startRegistry({ storage: path.join(work, 'storage'), port }, work);
    const estargz = await makeEstargzLayer(ENTRIES);
    estargzTarSize = estargz.tar.length;
    const chunked = await makeZstdChunkedLayer(ENTRIES);
    const base = await makeLayerTar([file('base.txt', 'base')]);
    await writeOciLayout(path.join(work, 'layout'), 'v1', [
      {
        platform: 'linux/amd64',
        layers: [base, estargz.tar, chunked.tar],
        blobs: [
          { bytes: gzipSync(base), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
          { bytes: estargz.blob, mediaType: estargz.mediaType, annotations: estargz.annotations },
          { bytes: chunked.blob, mediaType: chunked.mediaType, annotations: chunked.annotations },
        ],
      },
    ]);
    await pushLayout(path.join(work, 'layout'), 'v1', registry.host, 'lazy/app');
  });

  after(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const open = async (ref: string) =>
    new RegistryStore(new RegistryClient(`127.0.0.1:${port}`), parseImageReference(`127.0.0.1:${port}/${ref}`)).openImage();

  async function compare(layer: Layer, format: 'estargz' | 'zstd-chunked') {
    const lazy = await layer.lazyIndex!();
    assert.ok(lazy, 'lazy index expected');
    assert.equal(lazy.lazy?.format, format);
    const full = await indexLayerStream(await layer.open(), {
      name: layer.name,
      expectedDigest: layer.descriptor.digest,
      expectedDiffId: layer.descriptor.diffId,
    });
    assert.deepEqual(lazy.entries, withoutToc(full));
    assert.deepEqual(lazy.whiteouts, full.whiteouts);
    assert.equal(lazy.diffId, full.diffId);
    assert.ok(lazy.lazy!.bytesFetched > 0);
    assert.ok(lazy.lazy!.bytesFetched < layer.descriptor.size * 0.05, `${lazy.lazy!.bytesFetched} of ${layer.descriptor.size} bytes fetched`);
    return lazy;
  }

  it('lists an eStargz layer from its TOC, equal to a full read, fetching under 5 %', async () => {
    const image = await open('lazy/app:v1');
    assert.equal(image.layers[0].lazyIndex, undefined);
    const lazy = await compare(image.layers[1], 'estargz');
    // The size comes from the layer's `io.containers.estargz.uncompressed-size` annotation.
    assert.equal(lazy.uncompressedSize, estargzTarSize);
  });

  it('lists a zstd:chunked layer from its TOC, equal to a full read, fetching under 5 %', async () => {
    const image = await open('lazy/app:v1');
    await compare(image.layers[2], 'zstd-chunked');
  });

  it('is what indexLayerCached returns for such layers, and is not cached', async () => {
    const image = await open('lazy/app:v1');
    const pool = new IndexPool();
    const cacheDir = path.join(work, 'cache');
    try {
      const result = await indexLayerCached(image.layers[1], { pool, cache: new IndexCache(cacheDir) });
      assert.equal(result.index.lazy?.format, 'estargz');
      assert.equal(result.fromCache, false);
      assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
    } finally {
      await pool.close();
    }
  });

  it('requests ahead only the layer without a TOC, none of the lazily listed blobs', async () => {
    const whole: string[] = [];
    const proxy = await startProxy(`127.0.0.1:${port}`, () => (req) => {
      if (req.method === 'GET' && req.url?.includes('/blobs/') && !req.headers.range) whole.push(req.url.split('/blobs/')[1]);
      return false;
    });
    try {
      const s = new RegistryStore(new RegistryClient(proxy.host), parseImageReference(`${proxy.host}/lazy/app:v1`));
      const image = await s.openImage({ prefetch: { layers: 3, needed: async () => true } });
      const base = image.layers[0].descriptor.digest;
      await until(() => whole.includes(base), 'the base layer\'s request', 5_000);
      await new Promise((r) => setTimeout(r, 100)); // requests sent with the base one have arrived too
      assert.deepEqual(whole.filter((d) => d !== image.descriptor.id), [base]);
      await s.close();
    } finally {
      await proxy.close();
    }
  });

  it('finds TOCs from the footers alone, and rejects a TOC that fails its digest', async () => {
    const estargz = await makeEstargzLayer(ENTRIES);
    const offset = estargzFooterOffset(estargz.blob.subarray(estargz.blob.length - 51));
    assert.ok(offset !== null && offset > 0);
    assert.equal(gunzipSync(estargz.blob.subarray(offset, estargz.blob.length - 51)).toString('utf8', 0, 17), 'stargz.index.json');
    const chunked = await makeZstdChunkedLayer(ENTRIES);
    const position = zstdChunkedFooter(chunked.blob.subarray(chunked.blob.length - 72));
    assert.equal(`${position!.offset}:${position!.length}:${position!.uncompressedLength}:${position!.type}`, chunked.annotations['io.github.containers.zstd-chunked.manifest-position']);
    const read = async (s: number, e: number) => chunked.blob.subarray(s, e);
    const footerOnly = await lazyLayerIndex(read, { size: chunked.blob.length, mediaType: chunked.mediaType, annotations: { 'io.github.containers.zstd-chunked.manifest-position': '' }, diffId: '' }, 'x');
    assert.equal(footerOnly, null, 'no position annotation: not declared lazy');
    const tampered = { ...estargz.annotations, 'containerd.io/snapshot/stargz/toc.digest': `sha256:${'0'.repeat(64)}` };
    await assert.rejects(
      lazyLayerIndex(async (s, e) => estargz.blob.subarray(s, e), { size: estargz.blob.length, mediaType: estargz.mediaType, annotations: tampered, diffId: '' }, 'blob'),
      (e: unknown) => isStrataError(e) && e.code === 'digest-mismatch' && /eStargz TOC's digest/.test(e.message),
    );
    const ignoresRanges = await lazyLayerIndex(async () => null, { size: estargz.blob.length, mediaType: estargz.mediaType, annotations: estargz.annotations, diffId: '' }, 'blob');
    assert.equal(ignoresRanges, null);
  });

  it('lists dive\'s real eStargz image lazily (corpus)', async (t) => {
    if (!existsSync(CORPUS)) {
      console.log(`# corpus absent (${CORPUS}): real eStargz check skipped`);
      return t.skip('corpus absent');
    }
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${CORPUS}`, `docker://127.0.0.1:${port}/corpus/estargz:v1`], { timeout: 60_000 });
    const image = await open('corpus/estargz:v1');
    const layer = image.layers[0];
    assert.ok(layer.lazyIndex, 'the corpus layer carries the eStargz annotation');
    const lazy = await layer.lazyIndex!();
    assert.deepEqual(lazy!.entries.map((e) => [e.path, e.size, e.digest]), [
      ['/README.md', 11189, 'sha256:f8b8addc28295c264c4d32a90e4a1dc34160f2c150f8f9c5f4f7906ea8bf27dc'],
    ]);
    const full = await indexLayerStream(await layer.open(), { name: layer.name });
    assert.deepEqual(lazy!.entries, withoutToc(full));
  });
});
