// `strata serve`: the renderer and the same API over HTTP on 127.0.0.1 only. Every API request needs
// the random token; Host and Origin are checked on every request.
//   POST /api/<method>        JSON input → ApiResult JSON
//   GET  /api/events          Server-Sent Events (ApiEvent JSON per message)
//   POST /api/upload?name=…   raw file body → ApiResult<{ uploadId }> (size-capped)
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import type { ApiError, ApiMethod, ApiResult, SourceSpec } from '../../shared/api';
import { apiInputSchemas } from '../../shared/api';
import { isStrataError, StrataError } from '../../shared/errors';
import { toApiError } from '../services/strata-service';
import type { StrataService } from '../services/strata-service-types';
import { checkRequest } from './request-guard';
import { defaultRendererDir, SECURITY_HEADERS, sendStatic } from './static-files';

/** Options of `startServer`. */
export interface ServerOptions {
  readonly service: StrataService;
  /** 0 or absent: any free port. */
  readonly port?: number;
  /** A source to open as soon as the page loads (passed in the URL). */
  readonly source?: SourceSpec;
  /** Where the built renderer is; default dist/renderer. */
  readonly rendererDir?: string;
  /** Largest accepted upload in bytes; default 16 GiB. */
  readonly maxUploadBytes?: number;
}

/** A running server. */
export interface RunningServer {
  /** The URL to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Stops listening and ends open event streams. */
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 1024 * 1024;
const DEFAULT_MAX_UPLOAD = 16 * 1024 ** 3;
const HEARTBEAT_MS = 20_000;

/** Starts the server on 127.0.0.1. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;
  const streams = new Set<ServerResponse>();
  let port = 0;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendResult(response, 500, { ok: false, error: toApiError(error) });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname.startsWith('/api/');
    const refusal = checkRequest(
      {
        host: request.headers.host,
        origin: request.headers.origin,
        token: headerValue(request.headers['x-strata-token']) ?? url.searchParams.get('token'),
      },
      port,
      token,
      isApi,
    );
    if (refusal) {
      request.resume();
      sendResult(response, refusal.status, { ok: false, error: { code: 'forbidden', message: refusal.message } });
      return;
    }
    if (!isApi) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        sendResult(response, 405, { ok: false, error: { code: 'usage', message: 'Only GET serves pages.' } });
        return;
      }
      await sendStatic(rendererDir, url.pathname, response);
      return;
    }
    const route = url.pathname.slice('/api/'.length);
    if (route === 'events' && request.method === 'GET') return openEventStream(response);
    if (request.method !== 'POST') {
      sendResult(response, 405, { ok: false, error: { code: 'usage', message: 'API calls are POST requests.' } });
      return;
    }
    if (route === 'upload') return receiveUpload(request, response, url.searchParams.get('name') ?? '');
    if (!Object.hasOwn(apiInputSchemas, route) || typeof (options.service as unknown as Record<string, unknown>)[route] !== 'function') {
      request.resume();
      sendResult(response, 404, { ok: false, error: { code: 'usage', message: `Unknown API method ${JSON.stringify(route)}.` } });
      return;
    }
    const method = route as ApiMethod;
    let input: unknown;
    try {
      input = JSON.parse(await readBody(request, MAX_JSON_BYTES));
    } catch (error) {
      const tooBig = isStrataError(error) && error.code === 'too-large';
      sendResult(response, tooBig ? 413 : 400, { ok: false, error: tooBig ? toApiError(error) : { code: 'usage', message: `The body of ${method} is not JSON.` } });
      return;
    }
    const parsed = apiInputSchemas[method].safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      sendResult(response, 400, { ok: false, error: { code: 'usage', message: `Invalid input for ${method}${where}: ${issue?.message ?? 'rejected'}.` } });
      return;
    }
    const call = options.service[method] as (input: unknown) => Promise<ApiResult<unknown>>;
    sendResult(response, 200, await call.call(options.service, parsed.data));
  }

  function openEventStream(response: ServerResponse): void {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    streams.add(response);
    const unsubscribe = options.service.onEvent((event) => response.write(`data: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => response.write(': ping\n\n'), HEARTBEAT_MS);
    response.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(response);
    });
  }

  async function receiveUpload(request: IncomingMessage, response: ServerResponse, name: string): Promise<void> {
    if (name === '' || name.length > 1024) {
      request.resume();
      sendResult(response, 400, { ok: false, error: { code: 'usage', message: 'An upload needs a file name (?name=…).' } });
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxUpload) {
      request.resume();
      sendResult(response, 413, { ok: false, error: tooLarge(name, maxUpload) });
      return;
    }
    let received = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(received > maxUpload ? new StrataError('too-large', tooLarge(name, maxUpload).message, { file: name }) : null, chunk);
      },
    });
    request.pipe(capped);
    request.on('error', (error) => capped.destroy(error));
    try {
      const uploadId = await options.service.createUpload(name, capped);
      sendResult(response, 200, { ok: true, value: { uploadId } });
    } catch (error) {
      request.resume();
      const status = isStrataError(error) && error.code === 'too-large' ? 413 : 400;
      sendResult(response, status, { ok: false, error: { ...toApiError(error), file: name } });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const query = new URLSearchParams({ token });
  if (options.source) query.set('source', JSON.stringify(options.source));

  return {
    url: `http://127.0.0.1:${port}/?${query.toString()}`,
    port,
    token,
    close: async () => {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function headerValue(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new StrataError('too-large', `The request body exceeds ${limit} bytes.`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function tooLarge(name: string, limit: number): ApiError {
  return { code: 'too-large', message: `${name} is larger than the ${limit}-byte upload limit.`, file: name };
}

function sendResult(response: ServerResponse, status: number, result: ApiResult<unknown>): void {
  const body = JSON.stringify(result);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}
