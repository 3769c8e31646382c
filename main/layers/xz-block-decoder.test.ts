import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { isStrataError } from '../../shared/errors';
import { file, makeLayerTar } from '../test-support/layer-tar';
import { indexLayerFile } from './layer-indexer';
import { readVli } from './xz-format';
import { XzBlockDecoder, type XzBlockDecoderLimits } from './xz-block-decoder';

/** Deterministic data that compresses somewhat: text-like runs mixed with a `noise` share of random bytes. */
function sample(size: number, seed = 1, noise = 0.25): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x / 2 ** 32 < noise ? (x >>> 16) & 0xff : 97 + ((i >> 3) % 26);
  }
  return out;
}

function sha256(data: Buffer): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

function xz(data: Buffer, args: readonly string[]): Buffer {
  return execFileSync('xz', ['-c', ...args], { input: data, maxBuffer: 1 << 30 });
}

function xzDc(data: Buffer): Buffer {
  return execFileSync('xz', ['-dc'], { input: data, maxBuffer: 1 << 30 });
}

const MULTI = ['-T2', '-1', '--block-size=65536'];

interface DecodeOptions {
  readonly chunk?: number;
  readonly limits?: Partial<XzBlockDecoderLimits>;
  /** Milliseconds the consumer waits after every chunk. */
  readonly slowMs?: number;
  readonly onChunk?: (decoder: XzBlockDecoder) => void;
}

async function decode(data: Buffer, options: DecodeOptions = {}): Promise<Buffer> {
  const chunk = options.chunk ?? 65536;
  const decoder = new XzBlockDecoder('test.tar.xz', { minParallelBlock: 0, ...options.limits });
  const out: Buffer[] = [];
  const pieces = function* () {
    for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk);
  };
  const sink = new Writable({
    highWaterMark: 1024,
    write(c: Buffer, _encoding, callback) {
      out.push(c);
      options.onChunk?.(decoder);
      if (options.slowMs) setTimeout(callback, options.slowMs);
      else callback();
    },
  });
  await pipeline(Readable.from(pieces(), { objectMode: false }), decoder, sink);
  return Buffer.concat(out);
}

function isMalformed(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => isStrataError(e) && e.code === 'malformed' && e.file === 'test.tar.xz' && e.message.includes('test.tar.xz') && pattern.test(e.message);
}

/** Offsets of the stream's index and of its footer (the blob holds one stream, no padding). */
function locateIndex(blob: Buffer): { index: number; footer: number } {
  const footer = blob.length - 12;
  const indexSize = (blob.readUInt32LE(footer + 4) + 1) * 4;
  return { index: footer - indexSize, footer };
}

test('multi-block streams decode byte-identical to xz -dc, whatever the input chunking', async () => {
  const data = sample(1_500_000);
  const blob = xz(data, MULTI);
  const reference = xzDc(blob);
  assert.ok(reference.equals(data));
  for (const chunk of [4093, 65536, blob.length]) assert.ok((await decode(blob, { chunk })).equals(reference), `chunk ${chunk}`);
  const small = xz(sample(200_000, 3), ['-T2', '-1', '--block-size=20000']);
  assert.ok((await decode(small, { chunk: 7 })).equals(xzDc(small)), 'seven-byte chunks');
});

test('single-block streams (sizes not in the block header) decode sequentially, byte-identical', async () => {
  const data = sample(700_000, 2);
  const blob = xz(data, ['-1']);
  assert.ok((await decode(blob)).equals(xzDc(blob)));
});

test('streams of tiny blocks decode sequentially by default, byte-identical', async () => {
  const blob = xz(sample(300_000, 16), MULTI);
  const limits = { minParallelBlock: 256 * 1024 };
  assert.ok((await decode(blob, { limits })).equals(xzDc(blob)));
  const bad = Buffer.from(blob);
  bad[Math.floor(blob.length / 2)] ^= 0x55;
  await assert.rejects(decode(bad, { limits }), isMalformed(/from byte 0 on \(decoded sequentially\)/));
});

test('big blocks are fed piecewise and still decode identically', async () => {
  const data = sample(2_000_000, 4);
  const blob = xz(data, ['-T2', '-1', '--block-size=1000000']);
  const got = await decode(blob, { limits: { pieceOutput: 100_000, maxHeldOutput: 200_000 } });
  assert.ok(got.equals(data));
});

test('every check type: none, crc32, crc64, sha256', async () => {
  const data = sample(300_000, 5);
  for (const check of ['none', 'crc32', 'crc64', 'sha256']) {
    const blob = xz(data, [...MULTI, `--check=${check}`]);
    assert.ok((await decode(blob, { chunk: 10_000 })).equals(xzDc(blob)), check);
  }
});

test('concatenated streams with stream padding, multi-block and single-block mixed', async () => {
  const a = xz(sample(200_000, 6), MULTI);
  const b = xz(sample(150_000, 7), ['-1']);
  const c = xz(sample(250_000, 8), MULTI);
  const empty = xz(Buffer.alloc(0), ['-T2']);
  for (const parts of [
    [a, Buffer.alloc(8), c, Buffer.alloc(4)],
    [a, empty, c],
    [a, Buffer.alloc(4), b, Buffer.alloc(12), c],
    [b, c],
  ]) {
    const blob = Buffer.concat(parts);
    const reference = xzDc(blob);
    assert.ok((await decode(blob, { chunk: 30_000 })).equals(reference));
  }
});

test('stream padding that is not a multiple of four is an error, as in xz -dc', async () => {
  const blob = Buffer.concat([xz(sample(100_000, 9), MULTI), Buffer.alloc(3)]);
  await assert.rejects(decode(blob), isMalformed(/padding/));
});

test('an empty stream decodes to nothing', async () => {
  for (const args of [['-T2'], []]) assert.equal((await decode(xz(Buffer.alloc(0), args))).length, 0);
});

test('a corrupted byte inside a block is a clear error naming the block, not a hang', async () => {
  const blob = xz(sample(600_000, 10), MULTI);
  for (const at of [Math.floor(blob.length / 2), 40]) {
    const bad = Buffer.from(blob);
    bad[at] ^= 0x55;
    await assert.rejects(decode(bad), isMalformed(/corrupt xz (data in block \d+ of stream 1|stream)/), `byte ${at}`);
  }
});

test('a corrupted block header is caught by its CRC32', async () => {
  const blob = xz(sample(100_000, 11), MULTI);
  const bad = Buffer.from(blob);
  bad[14] ^= 0x01; // the first block header's size fields
  await assert.rejects(decode(bad), isMalformed(/block header CRC32/));
});

test('a truncated stream is a clear error wherever it is cut', async () => {
  const blob = xz(sample(400_000, 12), MULTI);
  const { index, footer } = locateIndex(blob);
  for (const cut of [5, 100, Math.floor(blob.length / 2), index, index + 2, footer + 6]) {
    await assert.rejects(decode(blob.subarray(0, cut)), isMalformed(/truncated/), `cut at ${cut}`);
  }
  const single = xz(sample(400_000, 12), ['-1']);
  await assert.rejects(decode(single.subarray(0, single.length - 100)), (e: unknown) => isStrataError(e) && e.code === 'malformed');
});

test('an index whose records do not match the blocks is an error, even with its CRC32 fixed up', async () => {
  const blob = xz(sample(400_000, 13), MULTI);
  const { index, footer } = locateIndex(blob);
  // Record 1: its uncompressed size is the field after the count and the first unpadded size.
  let at = readVli(blob, index + 1)![1];
  at = readVli(blob, at)![1];
  const lying = Buffer.from(blob);
  lying[at] ^= 0x01;
  lying.writeUInt32LE(crc32(lying.subarray(index, footer - 4)), footer - 4);
  assert.throws(() => xzDc(lying), 'xz -dc rejects it too');
  await assert.rejects(decode(lying), isMalformed(/index record 1/));
  const bad = Buffer.from(blob);
  bad[footer - 2] ^= 0x01; // the index CRC32 itself
  await assert.rejects(decode(bad), isMalformed(/index CRC32/));
});

test('a slow consumer gets output in order while buffered input and held output stay bounded', async () => {
  const data = sample(1_200_000, 14);
  const blob = xz(data, MULTI);
  const limits = { parallel: 2, maxHeldOutput: 200_000, maxBufferedInput: 100_000, pieceOutput: 1_000_000 };
  let peak = 0;
  const got = await decode(blob, {
    chunk: 16_384,
    limits,
    slowMs: 1,
    onChunk: (d) => (peak = Math.max(peak, d.bufferedBytes)),
  });
  assert.ok(got.equals(data));
  // Held output may overshoot its cap by what the decoders in flight produce (a 64 KiB block each); input by a chunk.
  assert.ok(peak > 0 && peak <= limits.maxHeldOutput + limits.maxBufferedInput + 2 * 65536 + 16_384, `peak ${peak}`);
});

test('through the indexer: a multi-block xz layer indexes, and the decompression bomb guard still trips', async () => {
  const content = randomBytes(5_000_000); // incompressible, so the blob passes the indexer's 4 MiB threaded threshold
  const tar = await makeLayerTar([file('big.bin', content), file('small.txt', 'hello')]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-xz-'));
  try {
    const layer = path.join(dir, 'layer.tar.xz');
    fs.writeFileSync(layer, xz(tar, ['-T2', '-0', '--block-size=1048576']));
    const range = { path: layer, offset: 0, length: fs.statSync(layer).size };
    assert.ok(range.length >= 4 * 1024 * 1024, 'big enough for the threaded path');
    const index = await indexLayerFile(range, { name: 'layer.tar.xz', threadedDecompression: true });
    assert.deepEqual(
      index.entries.map((e) => [e.path, e.digest]),
      [
        ['/big.bin', sha256(content)],
        ['/small.txt', sha256(Buffer.from('hello'))],
      ],
    );
    assert.equal(index.diffId, sha256(tar));
    await assert.rejects(
      indexLayerFile(range, { name: 'layer.tar.xz', threadedDecompression: true, maxUncompressedBytes: 1_000_000 }),
      (e: unknown) => isStrataError(e) && e.code === 'too-large',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
