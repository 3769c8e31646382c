// The web server's transport rules over real sockets: token, Host and Origin checks, input validation,
// static files with CSP, SSE events and capped streaming uploads. The engine behind it is a recording
// stand-in, since what is under test here is the transport.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ApiEvent } from '../../shared/api';
import type { StrataService } from '../services/strata-service-types';
import { startServer, type RunningServer } from './http-server';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function recordingService() {
  const calls: { method: string; input: unknown }[] = [];
  const uploads: { name: string; bytes: number }[] = [];
  const listeners = new Set<(e: ApiEvent) => void>();
  const answer = (method: string) => async (input: unknown) => {
    calls.push({ method, input });
    return { ok: true as const, value: method === 'listRecent' ? [] : null };
  };
  const service = {
    openSource: answer('openSource'),
    analyzeImage: answer('analyzeImage'),
    cancelJob: answer('cancelJob'),
    getLayerTree: answer('getLayerTree'),
    getPathDetails: answer('getPathDetails'),
    listRecent: answer('listRecent'),
    closeSource: answer('closeSource'),
    onEvent(listener: (e: ApiEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async createUpload(name: string, body: Readable) {
      let bytes = 0;
      for await (const chunk of body) bytes += (chunk as Buffer).length;
      uploads.push({ name, bytes });
      return `upload${uploads.length}`;
    },
    async dispose() {},
  } as unknown as StrataService;
  return { service, calls, uploads, emit: (e: ApiEvent) => listeners.forEach((l) => l(e)), listeners };
}

describe('strata serve', () => {
  let dir: string;
  let server: RunningServer;
  const fake = recordingService();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-server-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    server = await startServer({ service: fake.service, rendererDir: dir, maxUploadBytes: 1000, source: { kind: 'sample' } });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 and prints a URL with a 32-character token and the source', () => {
    const url = new URL(server.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(url.searchParams.get('token'), server.token);
    assert.ok(server.token.length >= 32);
    assert.deepEqual(JSON.parse(url.searchParams.get('source') ?? ''), { kind: 'sample' });
  });

  it('refuses API calls without the right token, from other origins, or for other hosts', async () => {
    const call = (headers: Record<string, string>) => send(server.port, { method: 'POST', path: '/api/listRecent', headers, body: '{}' });
    assert.equal((await call({})).status, 403);
    assert.equal((await call({ 'x-strata-token': 'x'.repeat(server.token.length) })).status, 403);
    assert.equal((await call({ 'x-strata-token': server.token, origin: 'http://evil.example' })).status, 403);
    assert.equal((await call({ 'x-strata-token': server.token, host: `evil.example:${server.port}` })).status, 421);
    assert.equal((await send(server.port, { path: '/', headers: { host: `attacker.example:${server.port}` } })).status, 421);
    assert.equal(fake.calls.length, 0);
    const ok = await call({ 'x-strata-token': server.token, origin: `http://127.0.0.1:${server.port}` });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { ok: true, value: [] });
    const viaQuery = await send(server.port, { method: 'POST', path: `/api/listRecent?token=${server.token}`, headers: { host: `localhost:${server.port}` }, body: '{}' });
    assert.equal(viaQuery.status, 200);
  });

  it('validates input against the contract before the service sees it', async () => {
    const before = fake.calls.length;
    const headers = { 'x-strata-token': server.token };
    const bad = await send(server.port, { method: 'POST', path: '/api/getLayerTree', headers, body: JSON.stringify({ imageId: 'a', layer: -1, view: 'changes' }) });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /Invalid input for getLayerTree at layer/);
    const unknown = await send(server.port, { method: 'POST', path: '/api/constructor', headers, body: '{}' });
    assert.equal(unknown.status, 404);
    const notJson = await send(server.port, { method: 'POST', path: '/api/listRecent', headers, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal(fake.calls.length, before);
    const good = await send(server.port, { method: 'POST', path: '/api/getLayerTree', headers, body: JSON.stringify({ imageId: 'img1', layer: 2, view: 'merged', extra: 1 }) });
    assert.equal(good.status, 200);
    assert.deepEqual(fake.calls.at(-1), { method: 'getLayerTree', input: { imageId: 'img1', layer: 2, view: 'merged' } });
  });

  it('serves the renderer with a strict CSP and nothing outside its folder', async () => {
    const page = await send(server.port, { path: '/' });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal((await send(server.port, { path: '/%2e%2e/%2e%2e/package.json' })).status, 404);
    assert.equal((await send(server.port, { path: '/..%2f..%2fpackage.json' })).status, 404);
    assert.equal((await send(server.port, { path: '/missing.js' })).status, 404);
  });

  it('streams engine events to the page as Server-Sent Events', async () => {
    const event: ApiEvent = { type: 'progress', jobId: 'job1', layers: [{ layer: 0, bytesDone: 5, bytesTotal: 10, state: 'reading' }] };
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.includes(': connected')) fake.emit(event);
          const data = /data: (.*)\n\n/.exec(text);
          if (data) {
            req.destroy();
            resolve(data[1]);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(received), event);
  });

  it('streams uploads to the service and refuses ones over the cap', async () => {
    const headers = { 'x-strata-token': server.token, 'content-type': 'application/octet-stream' };
    const ok = await send(server.port, { method: 'POST', path: '/api/upload?name=layer.tar', headers, body: Buffer.alloc(600, 1) });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { ok: true, value: { uploadId: 'upload1' } });
    assert.deepEqual(fake.uploads, [{ name: 'layer.tar', bytes: 600 }]);
    const big = await send(server.port, { method: 'POST', path: '/api/upload?name=big.tar', headers, body: Buffer.alloc(1001, 1) });
    assert.equal(big.status, 413);
    const error = JSON.parse(big.body).error;
    assert.equal(error.file, 'big.tar');
    assert.match(error.message, /big\.tar is larger than the 1000-byte upload limit/);
    const chunked = await send(server.port, { method: 'POST', path: '/api/upload?name=chunked.tar', headers: { ...headers, 'transfer-encoding': 'chunked' }, body: Buffer.alloc(5000, 1) });
    assert.equal(chunked.status, 413, 'a body without Content-Length is counted while it streams');
    assert.equal(fake.uploads.length, 1);
    const unnamed = await send(server.port, { method: 'POST', path: '/api/upload', headers, body: 'x' });
    assert.equal(unnamed.status, 400);
  });
});
