import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isStrataError } from '../../shared/errors';
import type { Compression, LayerDescriptor } from '../../shared/model';
import { IndexCache } from '../cache/index-cache';
import { ownedChunks } from '../stores/owned-chunks';
import type { Layer } from '../stores/types';
import { until } from '../test-support/poll';
import { compressBuffer, dir, file, makeLayerTar, whiteout } from '../test-support/layer-tar';
import { IndexPool, indexLayerCached } from './index-pool';
import { indexLayerStream } from './layer-indexer';

const sha = (data: Buffer) => 'sha256:' + createHash('sha256').update(data).digest('hex');

function descriptor(blob: Buffer, diffId = ''): LayerDescriptor {
  return {
    index: 0,
    digest: sha(blob),
    diffId,
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    size: blob.length,
    step: { createdBy: '', created: '', comment: '', emptyLayer: false },
    emptyStepsBefore: [],
  };
}

/** A tar of a `size`-byte patterned file and a small one, and its index read in one piece. */
async function patternedLayer(size: number) {
  const body = Buffer.alloc(size);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 9)) & 0xff;
  const tar = await makeLayerTar([file('big.bin', body), file('small.txt', 'x')]);
  return { tar, expected: await indexLayerStream(Readable.from([tar]), { name: 'expected' }) };
}

/** A layer read through `open()` only (as registry or nested-archive layers are), in small chunks. */
function streamLayer(name: string, blob: Buffer, opened?: () => void): Layer {
  return {
    descriptor: descriptor(blob),
    name,
    open: async () => {
      opened?.();
      const parts: Buffer[] = [];
      for (let i = 0; i < blob.length; i += 8192) parts.push(blob.subarray(i, i + 8192));
      return Readable.from(parts);
    },
  };
}

/** A stream-only layer that gives the first `bytes` bytes of `tar`, then stalls (or, with `close`, closes). */
function cutLayer(name: string, tar: Buffer, bytes: number, close: boolean): Layer {
  return {
    descriptor: descriptor(tar),
    name,
    open: async () => {
      const s = new Readable({ read() {} });
      s.push(tar.subarray(0, bytes));
      if (close) setImmediate(() => s.destroy());
      return s;
    },
  };
}

async function sampleTar(seed: number): Promise<Buffer> {
  const body = Buffer.alloc(200_000 + seed * 1000);
  for (let i = 0; i < body.length; i++) body[i] = (i * (seed + 3) + (i >> 5)) & 0xff;
  return makeLayerTar([dir('app'), file('app/data.bin', body), file(`app/n${seed}.txt`, `seed ${seed}`), whiteout('/old'), { name: 'app/l', type: 'symlink', linkname: 'data.bin' }]);
}

test('pooled indexing equals in-thread indexing, from file ranges and from streams, for each compression', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-pool-'));
  const pool = new IndexPool({ size: 2 });
  t.after(async () => {
    await pool.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const formats: Compression[] = ['none', 'gzip', 'zstd', 'xz'];
  await Promise.all(
    formats.map(async (format, i) => {
      const tar = await sampleTar(i);
      const blob = await compressBuffer(tar, format);
      const p = path.join(tmp, `layer-${format}`);
      fs.writeFileSync(p, blob);
      const expected = await indexLayerStream(Readable.from([blob]), { name: p });
      const progress: number[] = [];
      const fromFile = await pool.index(
        { descriptor: descriptor(blob, sha(tar)), name: p, file: { path: p, offset: 0, length: blob.length }, open: () => assert.fail('file layers are read by the worker') },
        { onProgress: (done, total) => (progress.push(done), assert.equal(total, blob.length)) },
      );
      const fromStream = await pool.index(streamLayer(p, blob));
      assert.deepEqual(fromFile, expected, `${format} from a file range`);
      assert.deepEqual(fromStream, expected, `${format} from a stream`);
      assert.equal(progress.at(-1), blob.length, 'progress ends at the blob size');
    }),
  );
});

test('pool errors are StrataErrors naming the layer; the pool keeps working afterwards', async (t) => {
  const pool = new IndexPool({ size: 1 });
  t.after(() => pool.close());
  const tar = await sampleTar(1);
  const bad = Buffer.from(tar);
  bad[512 + 100] ^= 1; // the second header's mode: a checksum error
  await assert.rejects(pool.index(streamLayer('img.tar!corrupt', bad)), (e: unknown) => isStrataError(e) && e.code === 'malformed' && /img\.tar!corrupt/.test(e.message));
  const wrong = { ...streamLayer('img.tar!wrong', tar), descriptor: { ...descriptor(tar), digest: 'sha256:' + 'f'.repeat(64) } };
  await assert.rejects(pool.index(wrong), (e: unknown) => isStrataError(e) && e.code === 'digest-mismatch' && e.file === 'img.tar!wrong');
  const missing: Layer = { descriptor: descriptor(tar), name: 'gone.tar', file: { path: '/nonexistent/strata/gone.tar', offset: 0, length: 10 }, open: async () => assert.fail() };
  await assert.rejects(pool.index(missing), (e: unknown) => isStrataError(e) && /gone\.tar/.test(e.message));
  const ok = await pool.index(streamLayer('fine', tar));
  assert.equal(ok.entries.length, 4);
});

test('cancelling a running job stops it; a stalled stream-only layer trips the worker watchdog', async (t) => {
  const pool = new IndexPool({ size: 1 });
  t.after(() => pool.close());
  const tar = await sampleTar(2);
  const endless = cutLayer('endless.tar', tar, 1000, false);
  const controller = new AbortController();
  const run = pool.index(endless, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(run, (e: unknown) => isStrataError(e) && e.code === 'cancelled' && e.file === 'endless.tar');
  await assert.rejects(pool.index(endless, { stallTimeoutMs: 150 }), (e: unknown) => isStrataError(e) && e.code === 'stalled' && /endless\.tar/.test(e.message));
  const ok = await pool.index(streamLayer('after', tar));
  assert.equal(ok.entries.length, 4);
});

test('indexLayerCached indexes once, then serves the cache without opening the layer', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cached-'));
  const pool = new IndexPool({ size: 1 });
  t.after(async () => {
    await pool.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const cache = new IndexCache(path.join(tmp, 'cache'));
  const blob = await compressBuffer(await sampleTar(3), 'gzip');
  let opens = 0;
  const layer = streamLayer('cached.tar.gz', blob, () => opens++);
  const first = await indexLayerCached(layer, { pool, cache });
  const second = await indexLayerCached(layer, { pool, cache });
  assert.equal(first.fromCache, false);
  assert.equal(second.fromCache, true);
  assert.deepEqual(second.index, first.index);
  assert.equal(opens, 1);
});

/** A plain tar of `count` empty files (or whiteouts of them), generated header by header as it is read (never held whole). */
async function manyEntriesLayer(name: string, count: number, whiteouts = false): Promise<Layer> {
  const template = (await makeLayerTar([whiteouts ? whiteout('/d/f00000000') : file('d/f00000000')])).subarray(0, 512);
  const digitsAt = whiteouts ? 7 : 3;
  function* chunks(): Generator<Buffer> {
    for (let start = 0; start < count; start += 1000) {
      const chunk = Buffer.alloc(512 * Math.min(1000, count - start));
      for (let i = 0; i < chunk.length / 512; i++) {
        const h = chunk.subarray(i * 512, i * 512 + 512);
        template.copy(h);
        h.write(String(start + i).padStart(8, '0'), digitsAt, 'latin1');
        h.fill(0x20, 148, 156);
        let sum = 0;
        for (const byte of h) sum += byte;
        h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      }
      yield chunk;
    }
    yield Buffer.alloc(1024);
  }
  return { name, descriptor: { ...descriptor(Buffer.alloc(0)), digest: '', size: 0 }, open: async () => Readable.from(chunks()) };
}

test('a worker that dies (here: its heap cap reached) fails only its layer, by name; the pool replaces it', async (t) => {
  const pool = new IndexPool({ size: 1, maxHeapMb: 24 });
  t.after(() => pool.close());
  // Entries go to off-heap columns; whiteouts are kept on the worker's heap, so 2M of them reach a 24 MB cap.
  const huge = await manyEntriesLayer('huge.tar', 2_000_000, true);
  await assert.rejects(pool.index(huge), (e: unknown) => isStrataError(e) && e.code === 'too-large' && /huge\.tar: the index worker stopped/.test(e.message));
  const small = await manyEntriesLayer('small.tar', 3);
  const index = await pool.index(small);
  assert.deepEqual(
    index.entries.map((e) => e.path),
    ['/d/f00000000', '/d/f00000001', '/d/f00000002'],
  );
});

test('after a big index (its worker is replaced, the decoded bytes handed back to it) the next job still runs', async (t) => {
  const pool = new IndexPool({ size: 1 });
  t.after(() => pool.close());
  const big = await pool.index(await manyEntriesLayer('big.tar', 300_000));
  assert.equal(big.entries.length, 300_000);
  assert.equal(big.entries[299_999].path, '/d/f00299999');
  const small = await pool.index(await manyEntriesLayer('small.tar', 2));
  assert.deepEqual(small.entries.map((e) => e.path), ['/d/f00000000', '/d/f00000001']);
});

/** A promise that resolves when `open` is called. */
function makeGate(): { readonly opened: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A stream-only layer whose bytes wait for `gate`; its opens are logged and honour the abort signal. */
function gatedLayer(name: string, blob: Buffer, gate: Promise<void>, log: string[], remote: boolean, firstOpen?: () => Readable): Layer {
  let opens = 0;
  return {
    descriptor: descriptor(blob),
    name,
    remote,
    open: async (signal?: AbortSignal) => {
      log.push(name);
      const stream =
        opens++ === 0 && firstOpen
          ? firstOpen()
          : Readable.from(
              (async function* () {
                await gate;
                yield blob;
              })(),
            );
      signal?.addEventListener('abort', () => stream.destroy(), { once: true });
      return stream;
    },
  };
}

/**
 * Indexes gated layers named `names` in `pool` and returns the ones opened before their bytes were let through
 * (waiting for `expected` opens, then 50 ms more); checks that every layer indexed and was opened once.
 */
async function opensBeforeGate(pool: IndexPool, tar: Buffer, names: readonly string[], remote: boolean, expected: number): Promise<string[]> {
  const gate = makeGate();
  const log: string[] = [];
  const runs = names.map((name) => pool.index(gatedLayer(name, tar, gate.opened, log, remote)));
  await until(() => log.length >= expected, `${expected} opens`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = [...log];
  gate.open();
  for (const index of await Promise.all(runs)) assert.equal(index.entries.length, 4);
  assert.deepEqual([...log].sort(), [...names].sort());
  return before;
}

test('queued remote layers are opened while others index (one per worker); queued local ones are not', async (t) => {
  const pool = new IndexPool({ size: 2 });
  t.after(() => pool.close());
  const tar = await sampleTar(4);
  // Two run; once their streams are open, two queued layers (one per worker) are opened ahead, not the fifth.
  // Each is opened once: the stream opened ahead is the one indexed.
  assert.deepEqual(await opensBeforeGate(pool, tar, ['r0', 'r1', 'r2', 'r3', 'r4'], true, 4), ['r0', 'r1', 'r2', 'r3']);
  assert.deepEqual(await opensBeforeGate(pool, tar, ['l0', 'l1', 'l2'], false, 2), ['l0', 'l1']);
});

test('a stream opened ahead that fails while it waits is opened again; a queued job cancelled destroys the stream it opened ahead', async (t) => {
  const pool = new IndexPool({ size: 1 });
  t.after(() => pool.close());
  const tar = await sampleTar(5);
  const gate = makeGate();
  const log: string[] = [];
  const broken = () => {
    const s = new Readable({ read() {} });
    setImmediate(() => s.destroy(new Error('connection reset while queued')));
    return s;
  };
  const runs = [gatedLayer('a', tar, gate.opened, log, true), gatedLayer('flaky', tar, gate.opened, log, true, broken)].map((layer) => pool.index(layer));
  await until(() => log.includes('flaky'), 'the flaky layer opened ahead');
  gate.open();
  for (const index of await Promise.all(runs)) assert.equal(index.entries.length, 4);
  assert.equal(log.filter((name) => name === 'flaky').length, 2);

  // A queued job cancelled while its stream is open ahead: that stream is destroyed.
  const more = makeGate();
  let held: Readable | undefined;
  const heldLayer: Layer = {
    ...gatedLayer('held', tar, more.opened, log, true),
    open: async (signal?: AbortSignal) => {
      held = new Readable({ read() {} });
      signal?.addEventListener('abort', () => held?.destroy(), { once: true });
      return held;
    },
  };
  const busy = pool.index(gatedLayer('x', tar, more.opened, log, true));
  const controller = new AbortController();
  const cancelledRun = pool.index(heldLayer, { signal: controller.signal });
  await until(() => held !== undefined, 'the held layer opened ahead');
  assert.equal(held!.destroyed, false);
  controller.abort();
  await assert.rejects(cancelledRun, (e: unknown) => isStrataError(e) && e.code === 'cancelled' && e.file === 'held');
  await until(() => held!.destroyed, 'the held stream destroyed');
  more.open();
  assert.equal((await busy).entries.length, 4);
});

test('a stream-only layer is indexed the same whatever its chunk sizes; one that closes before its end fails by name', async (t) => {
  const pool = new IndexPool({ size: 1 });
  t.after(() => pool.close());
  const { tar, expected } = await patternedLayer(3 * 1024 * 1024 + 777);
  // One chunk bigger than a message to the worker, then pieces that straddle message boundaries.
  const cut = 2 * 1024 * 1024 + 5;
  const pieces = [tar.subarray(0, cut), ...Array.from({ length: Math.ceil((tar.length - cut) / 100_003) }, (_, i) => tar.subarray(cut + i * 100_003, cut + (i + 1) * 100_003))];
  const layer: Layer = { descriptor: descriptor(tar), name: 'pieces.tar', open: async () => Readable.from(pieces) };
  assert.deepEqual((await pool.index(layer)).entries, expected.entries);

  const truncated = cutLayer('cut-short.tar', tar, 4096, true);
  await assert.rejects(pool.index(truncated), (e: unknown) => isStrataError(e) && e.file === 'cut-short.tar' && /closed before its end/.test(e.message));
});

test('owned chunks move to the worker uncopied, mixed with copied ones; a marked view into a larger buffer is copied', async (t) => {
  const pool = new IndexPool({ size: 1 });
  t.after(() => pool.close());
  const { tar, expected } = await patternedLayer(2 * 1024 * 1024 + 999);
  const owned = (bytes: Buffer) => {
    const chunk = Buffer.from(bytes); // a buffer of its own, offset 0
    ownedChunks.add(chunk);
    return chunk;
  };
  const first = owned(tar.subarray(0, 1024 * 1024));
  const plain = Buffer.from(tar.subarray(1024 * 1024, 1024 * 1024 + 70_000));
  const backing = Buffer.alloc(tar.length); // the rest as a marked view that does not start its ArrayBuffer
  tar.copy(backing, 1, 1024 * 1024 + 70_000);
  const view = backing.subarray(1, 1 + tar.length - 1024 * 1024 - 70_000);
  ownedChunks.add(view);
  const layer: Layer = { descriptor: descriptor(tar), name: 'owned.tar', open: async () => Readable.from([first, plain, view]) };
  assert.deepEqual((await pool.index(layer)).entries, expected.entries);
  assert.equal(first.buffer.byteLength, 0, 'the owned chunk was transferred (its ArrayBuffer is detached)');
  assert.equal(plain.length, 70_000, 'a chunk not marked is copied and stays usable');
  assert.equal(view.length, tar.length - 1024 * 1024 - 70_000, 'a marked view at an offset is copied, not transferred');
});
