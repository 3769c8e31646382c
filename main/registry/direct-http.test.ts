// DirectHttp: GETs whose response bodies land in owned 1 MiB buffers. Against real servers on 127.0.0.1
// (node:http for ordinary responses, raw node:net servers writing exact bytes for framing edge cases and
// malformed responses, an https server with a self-signed certificate): Content-Length, chunked and
// close-delimited bodies, keep-alive and stale connections, protocol errors, aborts, timeouts,
// back-pressure, TLS and `dump`.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { ownedChunks } from '../stores/owned-chunks';
import { until } from '../test-support/poll';
import { makeCertificate } from '../test-support/token-server';
import { BODY_CHUNK_BYTES, DirectHttp } from './direct-http';

const MiB = 1024 * 1024;
/** Every test fails instead of hanging. */
const BOUNDED = { timeout: 30_000 };
const MALFORMED = { message: /malformed HTTP response/ };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Teardowns of the servers the current test started. */
const teardowns: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(teardowns.splice(0).map((teardown) => teardown()));
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Polls until `condition` holds; fails after 2 s, before the agent's own 4 s idle expiry could make it hold. */
const waitFor = (what: string, condition: () => boolean) => until(condition, what, 2_000);

interface RawServer {
  url(pathname?: string): URL;
  /** Every connection accepted, in order. */
  readonly sockets: net.Socket[];
  /** Every request head received, in order. */
  readonly requests: string[];
  /** Every byte received, as latin1. */
  received(): string;
}

/** A node:net server on 127.0.0.1 that calls `respond` for each request head and writes exactly what it is told. */
async function rawServer(respond: (socket: net.Socket, request: string, index: number) => unknown): Promise<RawServer> {
  const sockets: net.Socket[] = [];
  const requests: string[] = [];
  let received = '';
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {}); // the client may reset it
    let pending = '';
    socket.on('data', (data) => {
      received += data.toString('latin1');
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const request = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        requests.push(request);
        Promise.resolve(respond(socket, request, requests.length - 1)).catch(() => {});
      }
    });
  });
  const port = await listen(server);
  teardowns.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: (pathname = '/blob') => new URL(`http://127.0.0.1:${port}${pathname}`), sockets, requests, received: () => received };
}

interface HttpServer {
  url(pathname?: string): URL;
  /** TCP connections accepted so far. */
  connections(): number;
}

/** A node:http (or, with `tls`, https) server on 127.0.0.1. */
async function httpServer(handler: http.RequestListener, tls?: { key: string; cert: string }): Promise<HttpServer> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  const port = await listen(server);
  teardowns.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const scheme = tls ? 'https' : 'http';
  return { url: (pathname = '/blob') => new URL(`${scheme}://127.0.0.1:${port}${pathname}`), connections: () => connections };
}

/** A raw server whose first response never ends (2 MiB sent of 8 MiB declared); later ones send `bytes` whole. */
function unfinishedThen(bytes: Buffer): Promise<RawServer> {
  return rawServer((socket, _request, index) => {
    if (index === 0) socket.write(Buffer.concat([head('HTTP/1.1 200 OK', `Content-Length: ${8 * MiB}`), randomBytes(2 * MiB)]));
    else socket.write(Buffer.concat([head('HTTP/1.1 200 OK', `Content-Length: ${bytes.length}`), bytes]));
  });
}

/** A response head with `statusLine` and `fields`, byte for byte. */
const head = (statusLine: string, ...fields: string[]) => Buffer.from(`${statusLine}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`, 'latin1');

/** `pieces` in chunked coding, the size line of piece `i` being `sizeLine(length, i)`, then the last chunk and `trailer`. */
function chunked(pieces: Buffer[], sizeLine = (n: number, _i: number) => n.toString(16), trailer = ''): Buffer {
  const parts = pieces.flatMap((piece, i) => [Buffer.from(`${sizeLine(piece.length, i)}\r\n`), piece, Buffer.from('\r\n')]);
  return Buffer.concat([...parts, Buffer.from(`0\r\n${trailer}\r\n`)]);
}

/** `bytes` cut into pieces of random sizes from 1 to `max`. */
function cut(bytes: Buffer, max: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = randomInt(1, max + 1);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/** Writes `pieces` one at a time, letting the event loop turn in between so that they arrive in separate reads. */
async function dribble(socket: net.Socket, pieces: (Buffer | string)[], gapMs = 0): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await (gapMs > 0 ? sleep(gapMs) : immediate());
  }
}

/** Resolves once `socket` can take more (or is gone). */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

async function readAll(body: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks;
}

/** Every chunk is marked owned and starts its ArrayBuffer. */
function assertOwned(chunks: readonly Buffer[]): void {
  for (const [i, chunk] of chunks.entries()) {
    assert.ok(ownedChunks.has(chunk), `chunk ${i} is not in ownedChunks`);
    assert.equal(chunk.byteOffset, 0, `chunk ${i} starts at byte ${chunk.byteOffset} of its buffer`);
  }
}

function assertBytes(chunks: readonly Buffer[], expected: Buffer): void {
  const actual = Buffer.concat(chunks);
  assert.equal(actual.length, expected.length, 'body length');
  assert.ok(actual.equals(expected), 'body bytes differ');
}

/** A GET's body, read whole. */
async function getBytes(agent: DirectHttp, url: URL): Promise<Buffer> {
  const response = await agent.get(url, {});
  return Buffer.concat(await readAll(response.body));
}

describe('DirectHttp', () => {
  describe('bodies', () => {
    it('reads a Content-Length body byte-exact in owned 1 MiB chunks, with the status and lower-cased headers', BOUNDED, async () => {
      const bytes = randomBytes(3.5 * MiB + 7);
      const seen: http.IncomingMessage[] = [];
      const server = await httpServer((req, res) => {
        seen.push(req);
        res.setHeader('X-Mixed-Case', 'Value');
        res.setHeader('X-Repeated', ['one', 'two']);
        res.setHeader('Content-Length', bytes.length);
        res.writeHead(203, 'Non-Authoritative').end(bytes);
      });
      const response = await new DirectHttp().get(server.url('/v2/app/blobs/sha256:ab?n=1'), { accept: '*/*', 'X-Custom': 'yes' });
      assert.equal(response.statusCode, 203);
      assert.equal(response.headers['x-mixed-case'], 'Value');
      assert.deepEqual(response.headers['x-repeated'], ['one', 'two']);
      assert.equal(response.headers['content-length'], String(bytes.length));
      const chunks = await readAll(response.body);
      assertBytes(chunks, bytes);
      assert.deepEqual(chunks.map((c) => c.length), [BODY_CHUNK_BYTES, BODY_CHUNK_BYTES, BODY_CHUNK_BYTES, 0.5 * MiB + 7]);
      assertOwned(chunks);
      assert.equal(seen[0].url, '/v2/app/blobs/sha256:ab?n=1');
      assert.equal(seen[0].headers.host, server.url().host);
      assert.equal(seen[0].headers['x-custom'], 'yes');
    });

    it('parses a response written in awkward pieces: the head byte by byte, the body in random pieces', BOUNDED, async () => {
      const bytes = randomBytes(2 * MiB + 4321);
      const server = await rawServer(async (socket) => {
        await dribble(socket, [...head('HTTP/1.1 200 OK', `Content-Length: ${bytes.length}`, 'X-Split: yes')].map((b) => Buffer.of(b)), 1);
        await dribble(socket, cut(bytes, 100_000));
      });
      const response = await new DirectHttp().get(server.url(), {});
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['x-split'], 'yes');
      const chunks = await readAll(response.body);
      assertBytes(chunks, bytes);
      assert.deepEqual(chunks.map((c) => c.length), [BODY_CHUNK_BYTES, BODY_CHUNK_BYTES, 4321]);
      assertOwned(chunks);
    });

    it('reads a close-delimited body (HTTP/1.0, and HTTP/1.1 without a length) to the end of the connection', BOUNDED, async () => {
      const bytes = randomBytes(2.5 * MiB + 99);
      const server = await rawServer(async (socket, _request, index) => {
        socket.write(index === 0 ? head('HTTP/1.0 200 OK', 'Content-Type: application/octet-stream') : head('HTTP/1.1 200 OK'));
        await dribble(socket, cut(bytes, 300_000));
        socket.end();
      });
      const agent = new DirectHttp();
      for (let i = 0; i < 2; i++) {
        const chunks = await readAll((await agent.get(server.url(), {})).body);
        assertBytes(chunks, bytes);
        assert.deepEqual(chunks.map((c) => c.length), [BODY_CHUNK_BYTES, BODY_CHUNK_BYTES, 0.5 * MiB + 99]);
        assertOwned(chunks);
      }
      assert.equal(server.sockets.length, 2);
    });

    it('a Content-Length body the server cuts short (FIN or reset) errors instead of ending', BOUNDED, async () => {
      const bytes = randomBytes(MiB + 100);
      const server = await rawServer(async (socket, _request, index) => {
        socket.write(head('HTTP/1.1 200 OK', `Content-Length: ${2 * MiB}`));
        await dribble(socket, [bytes.subarray(0, MiB), bytes.subarray(MiB)]);
        await sleep(20);
        if (index === 0) socket.end();
        else socket.resetAndDestroy();
      });
      for (let i = 0; i < 2; i++) {
        const response = await new DirectHttp().get(server.url(), {});
        await assert.rejects(readAll(response.body), { code: 'ECONNRESET' }, `truncation ${i}`);
      }
    });

    it('accepts a repeated identical Content-Length and an empty body; 204 and 304 bodies are empty and keep the connection', BOUNDED, async () => {
      const server = await httpServer((req, res) => {
        if (req.url === '/204') res.writeHead(204).end();
        else if (req.url === '/304') res.writeHead(304, { etag: '"x"' }).end();
        else res.writeHead(200, { 'content-length': '0' }).end();
      });
      const agent = new DirectHttp();
      for (const [pathname, status] of [['/204', 204], ['/304', 304], ['/empty', 200], ['/204', 204]] as const) {
        const response = await agent.get(server.url(pathname), {});
        assert.equal(response.statusCode, status);
        assert.deepEqual(await readAll(response.body), []);
      }
      assert.equal(server.connections(), 1);

      const raw = await rawServer((socket) => socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 5, 5', 'Content-Length: 5'), Buffer.from('hello')])));
      assert.equal((await getBytes(new DirectHttp(), raw.url())).toString(), 'hello');
    });

    it('skips 1xx interim responses (100 Continue, 103 Early Hints) before the real one', BOUNDED, async () => {
      const bytes = randomBytes(1000);
      const early = head('HTTP/1.1 103 Early Hints', 'Link: </style.css>; rel=preload');
      const final = Buffer.concat([head('HTTP/1.1 200 OK', `Content-Length: ${bytes.length}`, 'X-Final: 1'), bytes]);
      const server = await rawServer(async (socket, _request, index) => {
        if (index === 0) await dribble(socket, [early, final], 5); // separate reads
        else if (index === 1) socket.write(Buffer.concat([head('HTTP/1.1 100 Continue'), early, final])); // one read
        else await dribble(socket, [Buffer.concat([early, final.subarray(0, 10)]), final.subarray(10)], 5); // split real head
      });
      const agent = new DirectHttp();
      for (let i = 0; i < 3; i++) {
        const response = await agent.get(server.url(), {});
        assert.equal(response.statusCode, 200, `case ${i}`);
        assert.equal(response.headers['x-final'], '1');
        assert.equal(response.headers.link, undefined, 'the interim headers are not the response headers');
        assertBytes(await readAll(response.body), bytes);
      }
      assert.equal(server.sockets.length, 1);
    });
  });

  describe('chunked coding', () => {
    it('decodes chunk extensions, upper-case hex, padded sizes and trailers; Transfer-Encoding wins over Content-Length', BOUNDED, async () => {
      const pieces = [randomBytes(5), randomBytes(255), randomBytes(0x1a2b), randomBytes(1), randomBytes(0xabc)];
      const sizeLines = [
        (n: number) => `${n.toString(16)};foo=bar`,
        (n: number) => n.toString(16).toUpperCase(),
        (n: number) => `${n.toString(16).toUpperCase()} \t;name="a;b";x`,
        (n: number) => `000${n.toString(16)}`,
        (n: number) => n.toString(16),
      ];
      const encoded = chunked(pieces, (n, i) => sizeLines[i](n), 'X-Checksum: abc\r\nX-Other: 1\r\n');
      const server = await rawServer((socket) =>
        socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Transfer-Encoding: chunked'), encoded])),
      );
      const agent = new DirectHttp();
      const expected = Buffer.concat(pieces);
      assert.ok((await getBytes(agent, server.url())).equals(expected));
      // The trailers were consumed exactly: the connection carries a second response.
      assert.ok((await getBytes(agent, server.url())).equals(expected));
      assert.equal(server.sockets.length, 1);
    });

    it('decodes chunk-size lines, CRLFs and trailers split across TCP writes', BOUNDED, async () => {
      const a = randomBytes(0x100);
      const b = randomBytes(10);
      const pieces = ['1', '0', '0;e', 'xt=1\r', '\n', a.subarray(0, 100), a.subarray(100), '\r', '\nA', '\r\n', b, '\r\n0', '\r\nX-T', 'railer: 1\r\n\r', '\n'];
      const small = Array.from({ length: 400 }, () => randomBytes(randomInt(1, 300)));
      const server = await rawServer(async (socket, _request, index) => {
        socket.write(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'));
        // First a hand-cut body, then many chunks written 1 to 7 bytes at a time.
        if (index === 0) await dribble(socket, pieces, 2);
        else await dribble(socket, cut(chunked(small), 7));
      });
      const agent = new DirectHttp();
      assert.ok((await getBytes(agent, server.url())).equals(Buffer.concat([a, b])));
      assert.ok((await getBytes(agent, server.url())).equals(Buffer.concat(small)));
      assert.equal(server.sockets.length, 1);
    });

    it('decodes many small chunks spanning several MiB into owned buffers of nearly 1 MiB', BOUNDED, async () => {
      const pieces: Buffer[] = [];
      for (let total = 0; total < 3 * MiB + 5000; ) {
        pieces.push(randomBytes(randomInt(1, 4000)));
        total += pieces.at(-1)!.length;
      }
      const encoded = chunked(pieces, (n, i) => (i % 3 === 0 ? `${n.toString(16)};i=${i}` : n.toString(16)));
      const server = await rawServer(async (socket) => {
        socket.write(head('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked'));
        await dribble(socket, cut(encoded, 64 * 1024));
      });
      const chunks = await readAll((await new DirectHttp().get(server.url(), {})).body);
      assertBytes(chunks, Buffer.concat(pieces));
      assertOwned(chunks);
      assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
      // A chunked body's buffer is handed on once less than 64 KiB of it is free.
      for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.length > BODY_CHUNK_BYTES - 64 * 1024 && chunk.length <= BODY_CHUNK_BYTES, `chunk of ${chunk.length} bytes`);
    });

    it('malformed chunked framing makes the body error with "malformed HTTP response"', BOUNDED, async () => {
      const bodies = [
        ['zz\r\nhello\r\n0\r\n\r\n'], // bad hex
        ['-5\r\nhello\r\n0\r\n\r\n'], // a sign
        ['\r\nhello\r\n0\r\n\r\n'], // no size
        ['5\r\nhelloXX\r\n0\r\n\r\n'], // no CRLF after the data
        ['5\r\nhello', 'XX\r\n0\r\n\r\n'], // the same, the data in its own read
        [`5;${'x'.repeat(5000)}`], // a size line that never ends
      ];
      const server = await rawServer((socket, _request, index) =>
        dribble(socket, [head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), ...bodies[index]], 5),
      );
      for (const [i, body] of bodies.entries()) {
        const response = await new DirectHttp().get(server.url(), {});
        assert.equal(response.statusCode, 200);
        await assert.rejects(readAll(response.body), MALFORMED, `body ${i}: ${JSON.stringify(body).slice(0, 40)}`);
      }
    });

    it('a chunked body the server cuts short mid-chunk errors instead of ending', BOUNDED, async () => {
      const server = await rawServer(async (socket) => {
        await dribble(socket, [head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), '100\r\n', randomBytes(100)], 5);
        socket.end();
      });
      const response = await new DirectHttp().get(server.url(), {});
      await assert.rejects(readAll(response.body), { code: 'ECONNRESET' });
    });
  });

  describe('keep-alive', () => {
    it('two sequential GETs to one origin share a TCP connection', BOUNDED, async () => {
      const bytes = randomBytes(1.5 * MiB);
      const server = await httpServer((req, res) => {
        if (req.url === '/length') return void res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
        res.writeHead(200); // no length: node:http sends it chunked
        res.write(bytes.subarray(0, 1000));
        res.end(bytes.subarray(1000));
      });
      const agent = new DirectHttp();
      assert.ok((await getBytes(agent, server.url('/length'))).equals(bytes));
      assert.ok((await getBytes(agent, server.url('/chunked'))).equals(bytes));
      assert.ok((await getBytes(agent, server.url('/length'))).equals(bytes));
      assert.equal(server.connections(), 1);
    });

    it('a response with Connection: close, or from HTTP/1.0, is not reused even if the server keeps the socket open', BOUNDED, async () => {
      const responses = [
        head('HTTP/1.1 200 OK', 'Content-Length: 2', 'Connection: close'),
        head('HTTP/1.1 200 OK', 'Content-Length: 2', 'Connection: Keep-Alive, Close'),
        head('HTTP/1.0 200 OK', 'Content-Length: 2'),
        head('HTTP/1.0 200 OK', 'Content-Length: 2', 'Connection: keep-alive'),
      ];
      const server = await rawServer((socket, _request, index) => socket.write(Buffer.concat([responses[index] ?? responses[0], Buffer.from('ok')])));
      const agent = new DirectHttp();
      for (let i = 0; i <= responses.length; i++) {
        assert.equal((await getBytes(agent, server.url())).toString(), 'ok');
        assert.equal(server.sockets.length, i + 1, `response ${i - 1} was reused`);
      }
    });

    it('a body destroyed before its end closes its connection; the next GET opens a new one', BOUNDED, async () => {
      const bytes = randomBytes(3000);
      const server = await unfinishedThen(bytes);
      const agent = new DirectHttp();
      const { body } = await agent.get(server.url(), {});
      const first = await body[Symbol.asyncIterator]().next();
      assert.equal((first.value as Buffer).length, BODY_CHUNK_BYTES);
      body.destroy();
      await waitFor('the client to close the first connection', () => server.sockets[0].destroyed);
      assert.ok((await getBytes(agent, server.url())).equals(bytes));
      assert.equal(server.sockets.length, 2);
    });

    /** Which of `responses`, each followed by bytes it did not declare, left their connection to be reused. */
    async function reusedAfterExtraBytes(responses: Buffer[]): Promise<string[]> {
      const reused: string[] = [];
      for (const response of responses) {
        const server = await rawServer((socket) => socket.write(response));
        const agent = new DirectHttp();
        await getBytes(agent, server.url());
        await getBytes(agent, server.url());
        if (server.sockets.length === 1) reused.push(response.toString('latin1'));
      }
      return reused;
    }

    it('a body followed by bytes it did not declare does not leave its connection reusable', BOUNDED, async () => {
      const reused = await reusedAfterExtraBytes([
        Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 5'), Buffer.from('helloEXTRA')]),
        Buffer.concat([head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), Buffer.from('5\r\nhello\r\n0\r\n\r\nEXTRA')]),
      ]);
      assert.deepEqual(reused, []);
    });

    it('an empty body (Content-Length: 0, 204, 304) followed by bytes it did not declare does not leave its connection reusable', BOUNDED, async () => {
      const reused = await reusedAfterExtraBytes([
        Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 0'), Buffer.from('EXTRA')]),
        Buffer.concat([head('HTTP/1.1 204 No Content'), Buffer.from('EXTRA')]),
        Buffer.concat([head('HTTP/1.1 304 Not Modified'), Buffer.from('EXTRA')]),
      ]);
      assert.deepEqual(reused, []);
    });

    it('bytes arriving on an idle connection make it unusable; the next GET opens a new one', BOUNDED, async () => {
      const server = await rawServer(async (socket, _request, index) => {
        socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 2'), Buffer.from('ok')]));
        if (index === 0) {
          await sleep(20);
          socket.write('junk');
        }
      });
      const agent = new DirectHttp();
      assert.equal((await getBytes(agent, server.url())).toString(), 'ok');
      await waitFor('the client to close the connection', () => server.sockets[0].destroyed);
      assert.equal((await getBytes(agent, server.url())).toString(), 'ok');
      assert.equal(server.sockets.length, 2);
    });

    it('a kept connection the server closed while idle is replaced transparently, whatever the timing', BOUNDED, async () => {
      // The server ends every connection after one response, without saying Connection: close.
      const payload = randomBytes(10_000);
      const server = await rawServer((socket, request) => {
        const body = Buffer.concat([payload, Buffer.from(request.split(' ')[1])]);
        socket.write(Buffer.concat([head('HTTP/1.1 200 OK', `Content-Length: ${body.length}`), body]));
        socket.end();
      });
      const gaps = [async () => {}, immediate, () => sleep(1), () => sleep(5), () => waitFor('the server to close', () => server.sockets.at(-1)!.destroyed)];
      const agent = new DirectHttp();
      for (let i = 0; i < 25; i++) {
        const body = await getBytes(agent, server.url(`/n/${i}`));
        assert.ok(body.equals(Buffer.concat([payload, Buffer.from(`/n/${i}`)])), `GET ${i}`);
        await gaps[i % gaps.length]();
      }
      assert.equal(server.sockets.length, 25);
    });

    it('a kept connection the server drops when the next request arrives (FIN or reset) is replaced once', BOUNDED, async () => {
      for (const drop of ['end', 'reset'] as const) {
        const server = await rawServer((socket, _request, index) => {
          if (index === 1) return drop === 'end' ? socket.end() : socket.resetAndDestroy();
          socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 2'), Buffer.from('ok')]));
        });
        const agent = new DirectHttp();
        assert.equal((await getBytes(agent, server.url())).toString(), 'ok');
        assert.equal((await getBytes(agent, server.url())).toString(), 'ok', drop);
        assert.equal(server.sockets.length, 2, drop);
        assert.equal(server.requests.length, 3, drop);
      }
    });

    it('a new connection the server drops without answering rejects; it is not retried', BOUNDED, async () => {
      const server = await rawServer((socket) => socket.end());
      await assert.rejects(new DirectHttp().get(server.url(), {}), { code: 'ECONNRESET' });
      assert.equal(server.sockets.length, 1);
    });
  });

  describe('malformed responses', () => {
    it('rejects a malformed head with "malformed HTTP response"', BOUNDED, async () => {
      const heads = [
        'SSH-2.0-OpenSSH_9.6\r\n\r\n',
        'HTTP/2 200\r\n\r\n',
        'HTTP/1.1 2000 OK\r\n\r\n',
        'HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\n: no name\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nX-Folded: a\r\n continued\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
        'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!',
        'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n',
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      ];
      const server = await rawServer((socket, _request, index) => socket.write(heads[index], 'latin1'));
      for (const text of heads) {
        await assert.rejects(new DirectHttp().get(server.url(), {}), MALFORMED, JSON.stringify(text));
      }
    });

    it('rejects a head that goes on past 64 KiB without ending', BOUNDED, async () => {
      const line = `X-Filler: ${'a'.repeat(1000)}\r\n`;
      const server = await rawServer((socket) => dribble(socket, ['HTTP/1.1 200 OK\r\n', ...Array.from({ length: 100 }, () => line)]));
      await assert.rejects(new DirectHttp().get(server.url(), {}), MALFORMED);
    });

    it('rejects a complete head over 64 KiB, even when its end arrives in the read that crosses the limit', BOUNDED, async () => {
      const line = `X-Filler: ${'a'.repeat(1000)}\r\n`;
      const start = `HTTP/1.1 200 OK\r\n${line.repeat(60)}`; // about 60 KiB: under the limit
      const rest = `${line.repeat(20)}Content-Length: 0\r\n\r\n`; // the end, at about 80 KiB
      const server = await rawServer((socket) => dribble(socket, [start, rest], 20));
      await assert.rejects(new DirectHttp().get(server.url(), {}), MALFORMED);
    });

    it('refuses a request header with CR or LF in its value, or a bad name, before sending anything', BOUNDED, async () => {
      const server = await rawServer((socket) => socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 2'), Buffer.from('ok')])));
      const agent = new DirectHttp();
      await assert.rejects(agent.get(server.url(), { 'x-evil': 'a\r\nInjected: 1' }), /not valid HTTP/);
      await assert.rejects(agent.get(server.url(), { 'x-evil': 'a\nInjected: 2' }), /not valid HTTP/);
      await assert.rejects(agent.get(server.url(), { 'bad name': 'x' }), /not valid HTTP/);
      await assert.rejects(agent.get(new URL('ftp://127.0.0.1/x'), {}), /unsupported URL scheme/);
      // A valid GET afterwards is the only request the server ever saw.
      assert.equal((await getBytes(agent, server.url())).toString(), 'ok');
      assert.equal(server.sockets.length, 1);
      assert.equal(server.requests.length, 1);
      assert.doesNotMatch(server.received(), /Injected|bad name/);
    });
  });

  describe('abort and timeouts', () => {
    it('an abort while waiting for the head rejects with AbortError and closes the connection', BOUNDED, async () => {
      const server = await rawServer(() => {}); // never answers
      const controller = new AbortController();
      const pending = new DirectHttp().get(server.url(), {}, controller.signal);
      await waitFor('the request', () => server.requests.length === 1);
      controller.abort();
      await assert.rejects(pending, { name: 'AbortError' });
      await waitFor('the client to close the connection', () => server.sockets[0].destroyed);
    });

    it('an abort during the body destroys it with AbortError', BOUNDED, async () => {
      const server = await rawServer((socket) => socket.write(Buffer.concat([head('HTTP/1.1 200 OK', `Content-Length: ${4 * MiB}`), randomBytes(1.5 * MiB)])));
      const controller = new AbortController();
      const { body } = await new DirectHttp().get(server.url(), {}, controller.signal);
      const chunks = body[Symbol.asyncIterator]();
      assert.equal(((await chunks.next()).value as Buffer).length, BODY_CHUNK_BYTES);
      controller.abort();
      await assert.rejects(chunks.next(), { name: 'AbortError' });
      await waitFor('the client to close the connection', () => server.sockets[0].destroyed);
    });

    it('an already aborted signal rejects without connecting', BOUNDED, async () => {
      const server = await rawServer((socket) => socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 2'), Buffer.from('ok')])));
      const agent = new DirectHttp();
      await assert.rejects(agent.get(server.url(), {}, AbortSignal.abort()), { name: 'AbortError' });
      assert.equal((await getBytes(agent, server.url())).toString(), 'ok');
      assert.equal(server.sockets.length, 1);
      assert.equal(server.requests.length, 1);
    });

    it('a server that accepts but never answers fails the GET after headersTimeoutMs with ETIMEDOUT', BOUNDED, async () => {
      const server = await rawServer(() => {});
      // The signal only bounds the test: it would turn a missing timeout into an AbortError.
      await assert.rejects(new DirectHttp({ headersTimeoutMs: 200 }).get(server.url(), {}, AbortSignal.timeout(10_000)), { code: 'ETIMEDOUT' });
      assert.equal(server.requests.length, 1);
    });

    it('a body that stalls fails after bodyTimeoutMs with ETIMEDOUT', BOUNDED, async () => {
      const server = await rawServer((socket) => socket.write(Buffer.concat([head('HTTP/1.1 200 OK', 'Content-Length: 2000'), randomBytes(1000)])));
      const { body } = await new DirectHttp({ bodyTimeoutMs: 200 }).get(server.url(), {}, AbortSignal.timeout(10_000));
      await assert.rejects(readAll(body), { code: 'ETIMEDOUT' });
    });
  });

  describe('back-pressure', () => {
    it('a reader that stops reading stops the socket: little is buffered, the server is held back, then every byte arrives', BOUNDED, async () => {
      const total = 64 * MiB;
      const sent = createHash('sha256');
      let flushed = 0;
      const server = await rawServer(async (socket) => {
        socket.write(head('HTTP/1.1 200 OK', `Content-Length: ${total}`));
        for (let at = 0; at < total && !socket.destroyed; at += MiB) {
          const piece = randomBytes(MiB);
          sent.update(piece);
          if (!socket.write(piece, () => (flushed += piece.length))) await drained(socket);
        }
      });
      const { body } = await new DirectHttp().get(server.url(), {});
      // Not reading: wait until the server's writes stop making progress.
      let last = -1;
      for (let still = 0, deadline = Date.now() + 15_000; still < 5; ) {
        assert.ok(Date.now() < deadline, 'the server never stopped sending');
        await sleep(50);
        still = flushed === last ? still + 1 : 0;
        last = flushed;
      }
      assert.ok(flushed < total, `the server sent all ${total} bytes to a reader that read none`);
      assert.ok(server.sockets[0].writableLength > 0, 'the server has nothing queued');
      assert.ok(body.readableLength <= 2 * MiB, `the body buffered ${body.readableLength} bytes`);
      const received = createHash('sha256');
      let length = 0;
      for await (const chunk of body) {
        received.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      assert.equal(length, total);
      assert.equal(received.digest('hex'), sent.digest('hex'));
    });
  });

  describe('over TLS', () => {
    let dir: string;
    let tlsFiles: { key: string; cert: string };

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'strata-direct-http-'));
      const certificate = await makeCertificate(dir, 'localhost');
      tlsFiles = { key: await readFile(certificate.key, 'utf8'), cert: certificate.certPem };
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('with the CA given, reads a multi-MiB body byte-exact in owned chunks over one kept connection', BOUNDED, async () => {
      const bytes = randomBytes(3 * MiB + 17);
      const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': bytes.length }).end(bytes), tlsFiles);
      const agent = new DirectHttp({ ca: tlsFiles.cert });
      for (let i = 0; i < 2; i++) {
        const response = await agent.get(server.url(), {});
        assert.equal(response.statusCode, 200);
        const chunks = await readAll(response.body);
        assertBytes(chunks, bytes);
        assert.deepEqual(chunks.map((c) => c.length), [BODY_CHUNK_BYTES, BODY_CHUNK_BYTES, BODY_CHUNK_BYTES, 17]);
        assertOwned(chunks);
      }
      assert.equal(server.connections(), 1);
    });

    it('without the CA, rejects the self-signed certificate', BOUNDED, async () => {
      const server = await httpServer((_req, res) => res.end('secret'), tlsFiles);
      await assert.rejects(new DirectHttp().get(server.url(), {}, AbortSignal.timeout(10_000)), { code: /CERT|SELF_SIGNED/ });
    });
  });

  describe('dump', () => {
    it('reads a body within the limit to its end and keeps the connection', BOUNDED, async () => {
      const bytes = randomBytes(200_000);
      const server = await rawServer(async (socket) => {
        socket.write(head('HTTP/1.1 200 OK', `Content-Length: ${bytes.length}`));
        await sleep(20); // the body after the head has been handed over
        await dribble(socket, cut(bytes, 50_000), 2);
      });
      const agent = new DirectHttp();
      await (await agent.get(server.url(), {})).body.dump({ limit: MiB });
      assert.ok((await getBytes(agent, server.url())).equals(bytes));
      assert.equal(server.sockets.length, 1);
    });

    it('closes the connection of a body over the limit; the next GET opens a new one', BOUNDED, async () => {
      const bytes = randomBytes(5000);
      const server = await unfinishedThen(bytes); // only dropping the first body lets dump return
      const agent = new DirectHttp();
      await (await agent.get(server.url(), {})).body.dump({ limit: 64 * 1024 });
      await waitFor('the client to close the first connection', () => server.sockets[0].destroyed);
      assert.ok((await getBytes(agent, server.url())).equals(bytes));
      assert.equal(server.sockets.length, 2);
    });
  });
});
