// HTTP/1.1 GETs whose response bodies the kernel writes straight into 1 MiB buffers (the `onread` option of
// net and tls sockets), each handed to the reader whole and marked in `ownedChunks`. A stream socket instead
// allocates a fresh 64 KiB buffer per read, and a reader then copies those into the buffers it sends to a
// worker: per 3-layer registry listing, 14–20 ms of the main thread's CPU and about 12 ms of V8's collector
// threads (README, Performance). Registry blobs go through here; undici serves every other request.
// Bodies framed by Content-Length, chunked coding or the connection's close; connections kept alive per origin.
import * as net from 'node:net';
import { Readable } from 'node:stream';
import * as tls from 'node:tls';
import { ownedChunks } from '../stores/owned-chunks';

/** Options of a DirectHttp agent. */
export interface DirectHttpOptions {
  /** PEM certificates trusted instead of Node's bundled roots (a private CA). */
  readonly ca?: string | Buffer;
  /** Time allowed for a response head to arrive, in ms (undici's default: 300 s). */
  readonly headersTimeoutMs?: number;
  /** Time allowed between two reads of a body the reader is waiting for, in ms (undici's default: 300 s). */
  readonly bodyTimeoutMs?: number;
}

/** A response head, and its body as a stream of owned chunks. */
export interface DirectResponse {
  readonly statusCode: number;
  /** Lower-case names; a repeated header is an array. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: DirectBody;
}

/** Size of the buffers bodies are read into; every chunk but a body's last fills one. */
export const BODY_CHUNK_BYTES = 1024 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE_BYTES = 4096;
/** A chunked body's buffer is handed on early when less than this is free, so framing always fits. */
const MIN_FREE_BYTES = 64 * 1024;
const IDLE_MS = 4000;
const MAX_IDLE_PER_ORIGIN = 8;
const DEFAULT_TIMEOUT_MS = 300_000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Sends GETs over kept-alive HTTP/1.1 connections, one idle list per origin. */
export class DirectHttp {
  private readonly idle = new Map<string, Connection[]>();

  constructor(private readonly options: DirectHttpOptions = {}) {}

  /** GETs `url` with `headers`; resolves once the head has arrived. A reused connection the server has dropped is replaced once. */
  async get(url: URL, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<DirectResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol}`);
    const head = requestHead(url, headers);
    if (signal?.aborted) throw abortError(signal);
    const reused = this.takeIdle(url.origin);
    if (reused) {
      try {
        return await new Exchange(this, url, head, signal, this.options).run(reused);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
      }
    }
    return new Exchange(this, url, head, signal, this.options).run(null);
  }

  /** Keeps a connection whose last response ended cleanly, for the next GET to its origin. */
  keep(connection: Connection): void {
    const list = this.idle.get(connection.origin) ?? [];
    if (list.length >= MAX_IDLE_PER_ORIGIN || connection.socket.destroyed) {
      connection.socket.destroy();
      return;
    }
    list.push(connection);
    this.idle.set(connection.origin, list);
    connection.park(IDLE_MS, () => this.drop(connection));
  }

  private drop(connection: Connection): void {
    const list = this.idle.get(connection.origin);
    const at = list?.indexOf(connection) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
    if (list?.length === 0) this.idle.delete(connection.origin);
    connection.socket.destroy();
  }

  private takeIdle(origin: string): Connection | null {
    const list = this.idle.get(origin);
    for (let c = list?.pop(); c; c = list?.pop()) {
      if (!c.socket.destroyed) return c;
    }
    return null;
  }
}

/** A response body whose chunks the reader owns (`ownedChunks`); `dump` drops it the way undici's does. */
export class DirectBody extends Readable {
  constructor(private readonly exchange: Exchange) {
    super({ highWaterMark: 0 });
  }

  override _read(): void {
    this.exchange.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.exchange.abandon();
    callback(error);
  }

  /** Reads the body to its end if it is at most `limit` bytes (keeping the connection); otherwise closes it. */
  async dump(options: { readonly limit: number; readonly signal?: AbortSignal }): Promise<void> {
    const onAbort = () => this.destroy();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let total = 0;
    try {
      for await (const chunk of this as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > options.limit) break;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.destroy();
    }
  }
}

/** One kept-alive socket; its reads go to the exchange it currently serves. */
class Connection {
  readonly origin: string;
  readonly socket: net.Socket;
  exchange: Exchange | null;
  private readonly scratch = Buffer.allocUnsafe(16 * 1024);
  private idleTimer: NodeJS.Timeout | undefined;
  private onIdleClose: (() => void) | null = null;

  constructor(url: URL, exchange: Exchange, ca: string | Buffer | undefined) {
    this.origin = url.origin;
    this.exchange = exchange;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const onread = {
      buffer: () => this.exchange?.readBuffer() ?? this.scratch,
      callback: (nread: number, buffer: Buffer) => (this.exchange ? this.exchange.onRead(nread, buffer) : this.unexpected()),
    };
    this.socket =
      url.protocol === 'https:'
        ? // tls.connect takes net's `onread` (documented; missing from @types/node 20).
          tls.connect({ host, port: Number(url.port || 443), servername: net.isIP(host) ? undefined : host, ca, ALPNProtocols: ['http/1.1'], onread } as tls.ConnectionOptions)
        : net.connect({ host, port: Number(url.port || 80), onread });
    this.socket.setNoDelay(true);
    this.socket.on('error', (error) => this.exchange?.fail(error));
    this.socket.on('end', () => this.exchange?.ended());
    this.socket.on('close', () => {
      clearTimeout(this.idleTimer);
      this.onIdleClose?.();
      this.exchange?.fail(new ClosedError());
    });
    this.socket.on('timeout', () => this.exchange?.fail(Object.assign(new Error('the server sent nothing for too long'), { code: 'ETIMEDOUT' })));
  }

  /** Waits idle (not keeping the process alive) until reused or `ms` have passed. */
  park(ms: number, expire: () => void): void {
    this.exchange = null;
    this.socket.setTimeout(0);
    this.socket.unref();
    this.idleTimer = setTimeout(expire, ms).unref();
    this.onIdleClose = expire;
  }

  /** Takes the connection out of the idle list for `exchange`. */
  reuse(exchange: Exchange): void {
    clearTimeout(this.idleTimer);
    this.onIdleClose = null;
    this.socket.ref();
    this.socket.resume();
    this.exchange = exchange;
  }

  private unexpected(): false {
    // Bytes on an idle connection: the server broke the protocol; the connection is not usable.
    this.socket.destroy();
    return false;
  }
}

class ClosedError extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('the server closed the connection');
  }
}

class StaleConnection extends Error {}

type Framing =
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; chunkLeft: number; trailerBytes: number }
  | { readonly kind: 'close' };

/** One request and its response on a connection: parses the head, then frames the body into owned buffers. */
class Exchange {
  private connection: Connection | null = null;
  private reusedConnection = false;
  private buf = Buffer.allocUnsafeSlow(BODY_CHUNK_BYTES);
  /** Head bytes (while reading the head) or decoded body bytes at the start of `buf`. */
  private fill = 0;
  /** Undecoded chunked framing kept after `fill` until its line is complete. */
  private pending = 0;
  private received = 0;
  private phase: 'head' | 'body' | 'done' = 'head';
  private framing: Framing = { kind: 'close' };
  private keepAlive = false;
  private paused = false;
  private body: DirectBody | null = null;
  private resolveHead!: (response: DirectResponse) => void;
  private rejectHead!: (error: Error) => void;
  private readonly onAbort = () => this.fail(abortError(this.signal));

  constructor(
    private readonly agent: DirectHttp,
    private readonly url: URL,
    private readonly head: string,
    private readonly signal: AbortSignal | undefined,
    private readonly options: DirectHttpOptions,
  ) {}

  run(reused: Connection | null): Promise<DirectResponse> {
    return new Promise<DirectResponse>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
      this.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.reusedConnection = reused !== null;
      if (reused) reused.reuse(this);
      const connection = reused ?? new Connection(this.url, this, this.options.ca);
      this.connection = connection;
      connection.socket.setTimeout(this.options.headersTimeoutMs ?? DEFAULT_TIMEOUT_MS);
      connection.socket.write(this.head);
    });
  }

  /** Where the next read goes: after the bytes kept so far. */
  readBuffer(): Buffer {
    return this.buf.subarray(this.fill + this.pending);
  }

  /** `nread` bytes arrived in `buffer` (ours, unless the read was aimed before this exchange took the socket). */
  onRead(nread: number, buffer: Buffer): boolean {
    if (buffer.buffer !== this.buf.buffer) buffer.copy(this.buf, this.fill + this.pending, 0, nread);
    this.received += nread;
    try {
      if (this.phase === 'head') this.readHead(nread);
      else this.readBody(nread);
    } catch (error) {
      this.fail(error as Error);
      return false;
    }
    // A finished exchange keeps its connection reading, so that a server closing it while idle is noticed.
    return this.phase === 'done' || !this.paused;
  }

  /** The reader wants more: reads start again if they were paused for it. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.connection?.socket.setTimeout(this.options.bodyTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.connection?.socket.resume();
  }

  /** The reader destroyed the body: an unfinished response leaves its connection unusable. */
  abandon(): void {
    if (this.phase === 'done') return;
    this.finish();
    this.connection?.socket.destroy();
  }

  /** The server ended its side: the end of a close-framed body, else a truncated response. */
  ended(): void {
    if (this.phase === 'body' && this.framing.kind === 'close') {
      this.keepAlive = false;
      this.complete();
    } else {
      this.fail(new ClosedError());
    }
  }

  fail(error: Error): void {
    if (this.phase === 'done') return;
    // A kept connection the server dropped before answering: the GET is sent again on a new one.
    const code = (error as { code?: string }).code;
    const stale = this.phase === 'head' && this.reusedConnection && this.received === 0 && (code === 'ECONNRESET' || code === 'EPIPE');
    const wasHead = this.phase === 'head';
    this.finish();
    this.connection?.socket.destroy();
    if (wasHead) this.rejectHead(stale ? new StaleConnection() : error);
    else this.body?.destroy(error);
  }

  private readHead(nread: number): void {
    let from = Math.max(0, this.fill - 3);
    this.fill += nread;
    for (;;) {
      const end = this.buf.subarray(0, this.fill).indexOf('\r\n\r\n', from);
      if ((end < 0 ? this.fill : end + 4) > MAX_HEAD_BYTES) throw protocolError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
      if (end < 0) return;
      const parsed = parseHead(this.buf.toString('latin1', 0, end));
      const rest = this.fill - end - 4;
      this.buf.copyWithin(0, end + 4, this.fill);
      this.fill = 0;
      if (parsed.statusCode >= 100 && parsed.statusCode < 200) {
        if (parsed.statusCode === 101) throw protocolError('the server switched protocols unasked');
        this.fill = rest;
        from = 0;
        continue; // An interim response (103 Early Hints): the real one follows.
      }
      this.framing = framingOf(parsed.statusCode, parsed.headers);
      this.keepAlive = parsed.keepAlive && this.framing.kind !== 'close';
      this.phase = 'body';
      this.connection?.socket.setTimeout(this.options.bodyTimeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.body = new DirectBody(this);
      this.resolveHead({ statusCode: parsed.statusCode, headers: parsed.headers, body: this.body });
      if (this.framing.kind === 'length' && this.framing.remaining === 0) {
        if (rest > 0) this.keepAlive = false; // Bytes after an empty body: the connection is not reusable.
        this.complete();
      } else if (rest > 0) {
        this.readBody(rest);
      }
      return;
    }
  }

  /** `n` new bytes sit at `fill + pending`. */
  private readBody(n: number): void {
    const f = this.framing;
    if (f.kind === 'close') {
      this.fill += n;
    } else if (f.kind === 'length') {
      const take = Math.min(n, f.remaining);
      if (take < n) this.keepAlive = false; // More than the declared length: the connection is not reusable.
      this.fill += take;
      f.remaining -= take;
    } else {
      this.decodeChunked(f, n);
    }
    const finished = (f.kind === 'length' && f.remaining === 0) || (f.kind === 'chunked' && f.state === 'trailer' && f.trailerBytes < 0);
    if (finished) {
      this.complete();
    } else if (this.fill === BODY_CHUNK_BYTES || (f.kind === 'chunked' && BODY_CHUNK_BYTES - this.fill - this.pending < MIN_FREE_BYTES)) {
      this.handOver();
    }
  }

  /** Decodes chunked framing in place: body bytes move down to `fill`, an incomplete line stays pending. */
  private decodeChunked(f: Extract<Framing, { kind: 'chunked' }>, n: number): void {
    let at = this.fill;
    const end = this.fill + this.pending + n;
    this.pending = 0;
    while (at < end) {
      if (f.state === 'data') {
        const take = Math.min(f.chunkLeft, end - at);
        if (at !== this.fill) this.buf.copyWithin(this.fill, at, at + take);
        this.fill += take;
        at += take;
        f.chunkLeft -= take;
        if (f.chunkLeft === 0) f.state = 'data-end';
        continue;
      }
      const nl = this.buf.indexOf(10, at);
      if (nl < 0 || nl >= end) {
        const left = end - at;
        if (left > MAX_CHUNK_LINE_BYTES) throw protocolError('a chunk-size line is too long');
        if (at !== this.fill) this.buf.copyWithin(this.fill, at, end);
        this.pending = left;
        return;
      }
      const line = this.buf.toString('latin1', at, nl).replace(/\r$/, '');
      at = nl + 1;
      if (f.state === 'data-end') {
        if (line !== '') throw protocolError('a chunk does not end with CRLF');
        f.state = 'size';
      } else if (f.state === 'size') {
        const size = /^([0-9a-fA-F]{1,13})[ \t]*(;.*)?$/.exec(line);
        if (!size) throw protocolError('a chunk size is malformed');
        f.chunkLeft = parseInt(size[1], 16);
        f.state = f.chunkLeft === 0 ? 'trailer' : 'data';
      } else {
        if (line === '') {
          f.trailerBytes = -1; // The blank line after the trailers: the body is complete.
          if (at < end) this.keepAlive = false;
          return;
        }
        f.trailerBytes += line.length + 2;
        if (f.trailerBytes > MAX_HEAD_BYTES) throw protocolError('the trailers are too long');
      }
    }
  }

  /** Hands the filled buffer to the reader and starts a fresh one (keeping any pending framing). */
  private handOver(): void {
    const full = this.buf;
    const chunk = full.subarray(0, this.fill);
    this.buf = Buffer.allocUnsafeSlow(BODY_CHUNK_BYTES);
    if (this.pending > 0) full.copy(this.buf, 0, this.fill, this.fill + this.pending);
    this.fill = 0;
    this.emit(chunk);
  }

  private emit(chunk: Buffer): void {
    if (chunk.length === 0) return;
    ownedChunks.add(chunk);
    if (!this.body!.push(chunk)) {
      this.paused = true;
      this.connection?.socket.setTimeout(0);
    }
  }

  private complete(): void {
    const last = this.buf.subarray(0, this.fill);
    const body = this.body!;
    const connection = this.connection;
    this.finish();
    this.emit(last);
    body.push(null);
    if (connection && this.keepAlive && !connection.socket.destroyed) this.agent.keep(connection);
    else connection?.socket.destroy();
  }

  private finish(): void {
    this.phase = 'done';
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.connection?.exchange === this) this.connection.exchange = null;
  }
}

interface ParsedHead {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly keepAlive: boolean;
}

/** Parses a status line and header fields (RFC 9112), strictly: no obsolete line folding. */
function parseHead(text: string): ParsedHead {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]);
  if (!status) throw protocolError(`the status line ${JSON.stringify(lines[0].slice(0, 80))} is not HTTP/1.x`);
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (colon <= 0 || !TOKEN.test(name)) throw protocolError(`the header line ${JSON.stringify(line.slice(0, 80))} is malformed`);
    const value = line.slice(colon + 1).trim();
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const connection = [headers.connection ?? []].flat().join(',').toLowerCase();
  const keepAlive = status[1] === '1' ? !/\bclose\b/.test(connection) : false;
  return { statusCode: Number(status[2]), headers, keepAlive };
}

function framingOf(statusCode: number, headers: Record<string, string | string[]>): Framing {
  if (statusCode === 204 || statusCode === 304) return { kind: 'length', remaining: 0 };
  const te = [headers['transfer-encoding'] ?? []].flat().join(',').toLowerCase();
  if (te) {
    return /(^|,)\s*chunked\s*$/.test(te) ? { kind: 'chunked', state: 'size', chunkLeft: 0, trailerBytes: 0 } : { kind: 'close' };
  }
  const lengths = new Set([headers['content-length'] ?? []].flat().flatMap((v) => v.split(',')).map((v) => v.trim()));
  if (lengths.size === 0) return { kind: 'close' };
  const [length] = lengths;
  if (lengths.size > 1 || !/^\d{1,15}$/.test(length)) throw protocolError('the Content-Length header is invalid');
  return { kind: 'length', remaining: Number(length) };
}

function requestHead(url: URL, headers: Readonly<Record<string, string>>): string {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new Error(`the request header ${JSON.stringify(name)} is not valid HTTP`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

function protocolError(message: string): Error {
  return Object.assign(new Error(`malformed HTTP response: ${message}`), { code: 'HPE_INVALID' });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason as unknown;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('This operation was aborted', 'AbortError');
}
