// BlobBodyStream: passes a response body through, verifies size and digest, pauses the body for a slow reader, maps read errors.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { StrataError } from '../../shared/errors';
import { BlobBodyStream } from './blob-body-stream';
import { DigestCheck } from './digest-verifier';

const sha256 = (b: Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A body of `bytes` in pieces of `piece` bytes, optionally failing after `failAfter` pieces. */
function webBody(bytes: Buffer, piece: number, failAfter = Infinity): Readable {
  let at = 0;
  let pieces = 0;
  return new Readable({
    read() {
      if (pieces++ >= failAfter) return this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      if (at >= bytes.length) return void this.push(null);
      this.push(bytes.subarray(at, at + piece));
      at += piece;
    },
  });
}

const mapError = (error: unknown, bytes: number) =>
  error instanceof StrataError ? error : new StrataError('network', `blob: lost after ${bytes} bytes (${(error as Error).message})`);

async function collect(stream: BlobBodyStream): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}

test('passes the bytes of a body in 16 KiB pieces through unchanged', async () => {
  const bytes = randomBytes(1024 * 1024 + 12345);
  const chunks = await collect(new BlobBodyStream(webBody(bytes, 16 * 1024), new DigestCheck(sha256(bytes), bytes.length, 'blob'), mapError));
  assert.deepEqual(Buffer.concat(chunks), bytes);
});

test('an empty blob ends cleanly; its digest is still checked', async () => {
  const empty = Buffer.alloc(0);
  assert.deepEqual(await collect(new BlobBodyStream(webBody(empty, 10), new DigestCheck(sha256(empty), 0, 'blob'), mapError)), []);
  await assert.rejects(
    collect(new BlobBodyStream(webBody(empty, 10), new DigestCheck(sha256(Buffer.from('x')), 0, 'empty-blob'), mapError)),
    (e: StrataError) => e.code === 'digest-mismatch' && /empty-blob/.test(e.message),
  );
});

test('a wrong digest, a short blob and a long blob fail with digest-mismatch naming the blob', async () => {
  const bytes = randomBytes(300 * 1024);
  const other = sha256(Buffer.from('other'));
  const cases: [string, number, RegExp][] = [
    [other, bytes.length, /digest is sha256:/],
    [sha256(bytes), bytes.length + 1, /has 307200 bytes, not the declared 307201/],
    [sha256(bytes), 1000, /larger than its declared 1000 bytes/],
  ];
  for (const [digest, size, message] of cases) {
    await assert.rejects(
      collect(new BlobBodyStream(webBody(bytes, 64 * 1024), new DigestCheck(digest, size, 'reg/app@blob'), mapError)),
      (e: StrataError) => e.code === 'digest-mismatch' && /reg\/app@blob/.test(e.message) && message.test(e.message),
    );
  }
});

test('a body that breaks mid-way rejects with the mapped error and the bytes read so far', async () => {
  const bytes = randomBytes(200 * 1024);
  await assert.rejects(
    collect(new BlobBodyStream(webBody(bytes, 10 * 1024, 5), new DigestCheck(sha256(bytes), bytes.length, 'blob'), mapError)),
    (e: StrataError) => e.code === 'network' && /lost after 51200 bytes \(socket hang up\)/.test(e.message),
  );
});

test('a body that closes before its end rejects with the mapped error', async () => {
  const body = new Readable({ read() {} });
  body.push(Buffer.alloc(1000));
  setImmediate(() => body.destroy());
  await assert.rejects(
    collect(new BlobBodyStream(body, new DigestCheck(sha256(Buffer.alloc(0)), -1, 'blob'), mapError)),
    (e: StrataError) => e.code === 'network' && /lost after 1000 bytes \(the body closed before its end\)/.test(e.message),
  );
});

test('a slow reader pauses the body: it is not read far ahead', async () => {
  // 64 MiB in 16 KiB pieces, produced as fast as they are asked for: without backpressure all of it is read.
  const total = 4096;
  let pieces = 0;
  const body = new Readable({
    read() {
      if (pieces === total) return void this.push(null);
      pieces++;
      setImmediate(() => this.push(Buffer.alloc(16 * 1024)));
    },
  });
  const stream = new BlobBodyStream(body, new DigestCheck(sha256(Buffer.alloc(0)), -1, 'blob'), mapError);
  stream.once('readable', () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  // The stream's buffer (256 KiB), the body's own buffer and the pieces in between.
  assert.ok(pieces > 0 && pieces <= 3 * 16 + 4, `read ${pieces} pieces ahead`);
  stream.destroy();
  assert.equal(body.destroyed, true);
});

test('destroying the stream cancels the body', async () => {
  let cancelled = false;
  const body = new Readable({
    read() {
      this.push(Buffer.alloc(64 * 1024));
    },
    destroy(error, callback) {
      cancelled = true;
      callback(error);
    },
  });
  const stream = new BlobBodyStream(body, new DigestCheck(sha256(Buffer.alloc(0)), -1, 'blob'), mapError);
  for await (const chunk of stream) {
    assert.ok((chunk as Buffer).length > 0);
    break;
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(cancelled, true);
});
