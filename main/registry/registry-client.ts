// A client for the OCI Distribution API v2 on undici's request API (bodies are Node streams, at about half
// the CPU per byte of fetch's web streams), with blob bodies read by DirectHttp into buffers the index workers
// take over: challenge-driven bearer and Basic auth, manual redirects (no credentials to other hosts), bounded
// retries honouring Retry-After, verified manifests and blobs, Range reads, tag and catalog pagination.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { StrataError } from '../../shared/errors';
import type { CredentialLookup, RegistryCredential } from './credentials';
import { BlobBodyStream } from './blob-body-stream';
import { DigestCheck } from './digest-verifier';
import { DirectHttp } from './direct-http';
import { apiHost, isLoopbackRegistry } from './image-reference';
import {
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  manifestDigest,
  parseManifestDocument,
  type ManifestDocument,
} from './manifest-document';
import { assertSafeUrl } from './network-guard';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';

/** How often and how long to retry 408/429/5xx answers and dropped connections. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Upper bound on the time spent waiting between attempts, in ms. */
  readonly maxTotalMs: number;
  /** First backoff delay in ms; doubled each attempt, with ±50 % jitter. */
  readonly baseDelayMs: number;
}

/** Options of a registry client. */
export interface RegistryClientOptions {
  /** Where credentials come from (app store, docker config); none: anonymous only. */
  readonly credentials?: CredentialLookup;
  /** PEM certificates trusted instead of Node's bundled roots (a registry with a private CA). */
  readonly ca?: string | Buffer;
  readonly retry?: RetryPolicy;
  /** Force plain HTTP (true) or HTTPS (false); default: HTTPS, falling back to HTTP for loopback registries. */
  readonly plainHttp?: boolean;
}

/** A manifest fetched and verified. */
export interface FetchedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly document: ManifestDocument;
}

const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, maxTotalMs: 30_000, baseDelayMs: 250 };
const MAX_REDIRECTS = 8;
const MAX_TOKEN_BYTES = 1024 * 1024;
const MAX_PAGES = 1000;
const USER_AGENT = 'strata/0.1 (+https://github.com/strata)';

/** An answer of the registry (or its token server), from undici or DirectHttp: status, headers, and the body as a Node stream. */
interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable & { dump(options: { readonly limit: number; readonly signal?: AbortSignal }): Promise<void> };
}

interface Token {
  readonly header: string;
  readonly expiresAt: number;
}

/** Talks to one registry; keeps its auth state (tokens per scope) between calls. */
export class RegistryClient {
  private base: string | undefined;
  private readonly host: string;
  private challenge: AuthChallenge | undefined;
  private readonly tokens = new Map<string, Token>();
  private credential: RegistryCredential | null | undefined;
  private readonly retry: RetryPolicy;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly direct: DirectHttp;

  constructor(
    /** Registry as named in references (`docker.io`, `localhost:5000`). */
    readonly registry: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.host = apiHost(registry);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
    this.direct = new DirectHttp({ ca: options.ca });
  }

  /** Checks that the registry speaks API v2 (authenticating if it asks). */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.request('/v2/', { scope: '', signal });
    await expectOk(res, `${this.registry}/v2/`);
    await discard(res);
  }

  /** Fetches a manifest by tag or digest; verifies its digest and size; refuses more than 4 MiB. */
  async getManifest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
    expected?: { readonly digest: string; readonly size: number },
  ): Promise<FetchedManifest> {
    const where = `${this.registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const res = await this.request(`/v2/${repository}/manifests/${reference}`, {
      scope: pullScope(repository),
      headers: { accept: MANIFEST_ACCEPT },
      signal,
    });
    await expectOk(res, where);
    const bytes = await readCapped(res, MAX_MANIFEST_BYTES, where, signal);
    const algorithm = (expected?.digest ?? reference).startsWith('sha512:') ? 'sha512' : 'sha256';
    const digest = manifestDigest(bytes, algorithm);
    const wanted = expected?.digest ?? (reference.includes(':') ? reference : header(res, 'docker-content-digest'));
    if (wanted && wanted !== digest) {
      throw new StrataError('digest-mismatch', `${where}: the manifest's digest is ${digest}, not ${wanted}.`, { file: where });
    }
    if (expected && expected.size >= 0 && expected.size !== bytes.length) {
      throw new StrataError('digest-mismatch', `${where}: the manifest has ${bytes.length} bytes, not the declared ${expected.size}.`, { file: where });
    }
    const contentType = header(res, 'content-type') ?? '';
    const document = parseManifestDocument(bytes, contentType, where);
    return { digest, mediaType: document.mediaType, bytes, document };
  }

  /** Streams a blob, verified against its digest and size (size < 0: unknown) as it flows, in chunks of `ownedChunks`. */
  openBlob(repository: string, digest: string, size: number, signal?: AbortSignal): Promise<Readable> {
    return this.blobStream(repository, digest, size, signal, true);
  }

  private async blobStream(repository: string, digest: string, size: number, signal: AbortSignal | undefined, direct: boolean): Promise<Readable> {
    const where = `${this.registry}/${repository}@${digest}`;
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, { scope: pullScope(repository), signal, direct });
    await expectOk(res, where);
    return new BlobBodyStream(res.body, new DigestCheck(digest, size, where), (error, bytes) =>
      bodyError(error, where, bytes, size),
    );
  }

  /** Reads a whole small blob (a config), verified. */
  async readBlob(repository: string, digest: string, size: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const where = `${this.registry}/${repository}@${digest}`;
    if (size > maxBytes) throw new StrataError('too-large', `${where}: ${size} bytes is more than the ${maxBytes} allowed.`, { file: where });
    // Through undici: a small body gains nothing from DirectHttp, and undici's connection from the manifest is open.
    const stream = await this.blobStream(repository, digest, size, signal, false);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        throw new StrataError('too-large', `${where}: more than the ${maxBytes} bytes allowed.`, { file: where });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /**
   * Reads bytes [start, end) of a blob with a Range request; null when the registry ignores ranges
   * (answers 200), so callers fall back to reading the whole blob.
   */
  async readBlobRange(repository: string, digest: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer | null> {
    const where = `${this.registry}/${repository}@${digest}`;
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, {
      scope: pullScope(repository),
      headers: { range: `bytes=${start}-${end - 1}` },
      signal,
    });
    if (res.statusCode === 200) {
      await discard(res);
      return null;
    }
    if (res.statusCode !== 206) await expectOk(res, where);
    const bytes = await readCapped(res, end - start, where, signal);
    if (bytes.length !== end - start) {
      throw new StrataError('network', `${where}: asked for ${end - start} bytes at ${start}, got ${bytes.length}.`, { file: where });
    }
    return bytes;
  }

  /** Lists a repository's tags, following `Link` pagination. */
  async listTags(repository: string, options: { readonly pageSize?: number; readonly signal?: AbortSignal } = {}): Promise<string[]> {
    const first = `/v2/${repository}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ''}`;
    return this.paginate(first, pullScope(repository), 'tags', `${this.registry}/${repository}`, options.signal);
  }

  /** Lists the registry's repositories (`/v2/_catalog`), where the registry allows it. */
  async catalog(options: { readonly pageSize?: number; readonly signal?: AbortSignal } = {}): Promise<string[]> {
    const first = `/v2/_catalog${options.pageSize ? `?n=${options.pageSize}` : ''}`;
    return this.paginate(first, 'registry:catalog:*', 'repositories', `${this.registry} catalog`, options.signal);
  }

  /**
   * One page of the catalog: up to `pageSize` repositories after `last` (exclusive, in the registry's
   * order), and the `last` to ask for the next page, or null at the end.
   */
  async catalogPage(pageSize: number, last = '', signal?: AbortSignal): Promise<{ readonly repositories: string[]; readonly next: string | null }> {
    const query = new URLSearchParams({ n: String(pageSize), ...(last ? { last } : {}) });
    const page = await this.fetchPage(`/v2/_catalog?${query}`, 'registry:catalog:*', 'repositories', `${this.registry} catalog`, signal);
    const link = page.next ? new URL(page.next, 'http://registry.invalid').searchParams.get('last') : null;
    // A registry that links to a next page without a `last` cursor would loop: treat it as the end.
    return { repositories: page.items, next: link && link !== last ? link : null };
  }

  private async paginate(first: string, scope: string, field: string, where: string, signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    let next: string | null = first;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const fetched = await this.fetchPage(next, scope, field, where, signal);
      out.push(...fetched.items);
      next = fetched.next;
    }
    return out;
  }

  /** Fetches one page of a JSON list (`{field: [...]}`): its strings and the `Link: rel="next"` target. */
  private async fetchPage(url: string, scope: string, field: string, where: string, signal?: AbortSignal): Promise<{ items: string[]; next: string | null }> {
    const res = await this.request(url, { scope, signal });
    await expectOk(res, where);
    const body = await readCapped(res, MAX_MANIFEST_BYTES, where, signal);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new StrataError('malformed', `${where}: the registry's list is not JSON.`, { file: where });
    }
    const items = parsed[field];
    if (items !== null && items !== undefined && !Array.isArray(items)) {
      throw new StrataError('malformed', `${where}: the registry's list has no ${field} array.`, { file: where });
    }
    return { items: (items ?? []).filter((item): item is string => typeof item === 'string'), next: nextLink(header(res, 'link')) };
  }

  /** Sends one API request with auth, redirects and retries; the caller checks the status. */
  private async request(
    pathAndQuery: string,
    init: {
      readonly scope: string;
      readonly headers?: Record<string, string>;
      readonly signal?: AbortSignal;
      /** Through DirectHttp (a blob body), not undici. */
      readonly direct?: boolean;
    },
  ): Promise<HttpResponse> {
    const base = await this.resolveBase(init.signal);
    const url = new URL(pathAndQuery, base);
    const started = Date.now();
    let retries = 0;
    let authenticated = false;
    for (;;) {
      let res: HttpResponse;
      try {
        const authorization = await this.authorization(init.scope, init.signal);
        res = await this.fetchFollowingRedirects(url, init.headers ?? {}, authorization, init.signal, init.direct ?? false);
      } catch (error) {
        const mapped = networkError(error, this.registry);
        if (mapped.retryable && retries < this.retry.maxRetries) {
          const delay = backoff(this.retry, retries);
          if (Date.now() - started + delay <= this.retry.maxTotalMs) {
            retries++;
            await sleep(delay, undefined, { signal: init.signal }).catch(() => undefined);
            if (init.signal?.aborted) throw cancelled(this.registry);
            continue;
          }
        }
        throw mapped.error;
      }
      if (res.statusCode === 401 && !authenticated) {
        const challenge = header(res, 'www-authenticate') ?? '';
        await discard(res);
        await this.authenticate(parseWwwAuthenticate(challenge), init.scope, init.signal);
        authenticated = true;
        continue;
      }
      if (res.statusCode === 401) {
        await discard(res);
        const credential = await this.lookupCredential();
        this.forgetCredential();
        throw new StrataError(
          'auth',
          credential
            ? `${this.registry} rejected the credentials for ${init.scope || 'this request'} (wrong username or password, or no access).`
            : `${this.registry} requires credentials for ${init.scope || 'this request'}.`,
          { file: this.registry },
        );
      }
      if (res.statusCode === 408 || res.statusCode === 429 || res.statusCode >= 500) {
        const wait = retryAfter(header(res, 'retry-after')) ?? backoff(this.retry, retries);
        const budgetLeft = this.retry.maxTotalMs - (Date.now() - started);
        if (retries < this.retry.maxRetries && wait <= budgetLeft) {
          await discard(res);
          retries++;
          await sleep(wait, undefined, { signal: init.signal }).catch(() => undefined);
          if (init.signal?.aborted) throw cancelled(this.registry);
          continue;
        }
      }
      return res;
    }
  }

  private async fetchFollowingRedirects(
    start: URL,
    headers: Record<string, string>,
    authorization: string | undefined,
    signal: AbortSignal | undefined,
    direct: boolean,
  ): Promise<HttpResponse> {
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameHost = url.host === start.host && url.protocol === start.protocol;
      const sent = {
        'user-agent': USER_AGENT,
        ...headers,
        ...(authorization && sameHost ? { authorization } : {}),
      };
      const res: HttpResponse = direct
        ? await this.direct.get(url, sent, signal)
        : await request(url, { headers: sent, signal, dispatcher: this.dispatcher });
      const location = header(res, 'location');
      if (![301, 302, 303, 307, 308].includes(res.statusCode) || !location) return res;
      await discard(res);
      url = new URL(location, url);
      await assertSafeUrl(url, 'redirect');
    }
    throw new StrataError('network', `${this.registry} redirected more than ${MAX_REDIRECTS} times.`, { file: this.registry });
  }

  /** https, or http for a loopback registry that does not offer TLS (docker's insecure-registry default). */
  private async resolveBase(signal?: AbortSignal): Promise<string> {
    if (this.base) return this.base;
    if (this.options.plainHttp !== undefined) {
      this.base = `${this.options.plainHttp ? 'http' : 'https'}://${this.host}`;
      return this.base;
    }
    if (!isLoopbackRegistry(this.registry)) {
      this.base = `https://${this.host}`;
      return this.base;
    }
    try {
      const res = await request(`https://${this.host}/v2/`, { signal, dispatcher: this.dispatcher });
      await discard(res);
      this.base = `https://${this.host}`;
    } catch (error) {
      if (signal?.aborted) throw cancelled(this.registry);
      // A plain-HTTP server answers a TLS hello with garbage: fall back; anything else stays on HTTPS
      // so the real request reports it (refused, untrusted certificate…).
      const code = errorCode(error);
      const base = `${isTlsProtocolError(code) ? 'http' : 'https'}://${this.host}`;
      if (code === 'ECONNREFUSED') return base; // Decide again once the registry is up.
      this.base = base;
    }
    return this.base;
  }

  private async lookupCredential(): Promise<RegistryCredential | null> {
    if (this.credential === undefined) this.credential = (await this.options.credentials?.(this.registry)) ?? null;
    return this.credential;
  }

  /** After an auth failure: the next call looks the credentials up again (a `docker login` since, a new app login). */
  private forgetCredential(): void {
    this.credential = undefined;
  }

  /** The Authorization header for a scope from what earlier challenges taught us, if any. */
  private async authorization(scope: string, signal?: AbortSignal): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') {
      const c = await this.lookupCredential();
      return c ? basicHeader(c) : undefined;
    }
    const token = this.tokens.get(scope);
    if (token && token.expiresAt > Date.now()) return token.header;
    // A new scope (or an expired token): ask the token server before sending the request.
    await this.fetchToken(this.challenge, scope, signal);
    return this.tokens.get(scope)?.header;
  }

  /** Learns the challenge of a 401 and gets a token (bearer) or prepares Basic credentials. */
  private async authenticate(challenges: AuthChallenge[], scope: string, signal?: AbortSignal): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      this.challenge = bearer;
      this.tokens.delete(scope);
      await this.fetchToken(bearer, scope, signal, bearer.params.scope);
      return;
    }
    if (basic) {
      this.challenge = basic;
      if (!(await this.lookupCredential())) {
        this.forgetCredential();
        throw new StrataError('auth', `${this.registry} requires a username and password.`, { file: this.registry });
      }
      return;
    }
    throw new StrataError('auth', `${this.registry} refused access without offering a way to authenticate.`, { file: this.registry });
  }

  private async fetchToken(challenge: AuthChallenge, scope: string, signal?: AbortSignal, demanded?: string): Promise<void> {
    const realm = challenge.params.realm;
    if (!realm) throw new StrataError('auth', `${this.registry} asked for a token without naming a token server.`, { file: this.registry });
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new StrataError('auth', `${this.registry} named a malformed token server ${JSON.stringify(realm)}.`, { file: this.registry });
    }
    await assertSafeUrl(url, 'token realm');
    const scopes = [...new Set([scope, demanded].filter((s): s is string => Boolean(s)))];
    const service = challenge.params.service;
    const credential = await this.lookupCredential();
    let res: HttpResponse;
    try {
      // A token server's redirect is not followed: it answers here or not at all.
      if (credential && credential.username === '<token>') {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.password, client_id: 'strata' });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        res = await request(url, {
          method: 'POST',
          headers: { 'user-agent': USER_AGENT, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          signal,
          dispatcher: this.dispatcher,
        });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const s of scopes) url.searchParams.append('scope', s);
        res = await request(url, {
          headers: { 'user-agent': USER_AGENT, ...(credential ? { authorization: basicHeader(credential) } : {}) },
          signal,
          dispatcher: this.dispatcher,
        });
      }
    } catch (error) {
      throw networkError(error, `${this.registry}'s token server ${url.host}`).error;
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await discard(res);
      this.forgetCredential();
      throw new StrataError(
        'auth',
        credential
          ? `${this.registry}'s token server rejected the credentials (wrong username or password).`
          : `${this.registry}'s token server requires credentials.`,
        { file: this.registry },
      );
    }
    await expectOk(res, `${this.registry}'s token server`);
    const body = await readCapped(res, MAX_TOKEN_BYTES, `${this.registry}'s token server`, signal);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new StrataError('auth', `${this.registry}'s token server answered with something other than JSON.`, { file: this.registry });
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || !token) {
      throw new StrataError('auth', `${this.registry}'s token server answered without a token.`, { file: this.registry });
    }
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    this.tokens.set(scope, { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime * 900 });
  }
}

/** The pull scope of a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function basicHeader(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** The `rel="next"` target of a Link header, or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2])) return m[1];
  }
  return null;
}

/** Milliseconds a `Retry-After` value asks to wait (seconds or an HTTP date), or undefined. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const base = policy.baseDelayMs * 2 ** attempt;
  return Math.round(base * (0.5 + Math.random()));
}

function cancelled(registry: string): StrataError {
  return new StrataError('cancelled', `${registry}: request cancelled.`, { file: registry });
}

/** A header's value (repeated headers joined with ", ", as fetch's Headers.get does), or null. */
function header(res: HttpResponse, name: string): string | null {
  const value = res.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Drops a body that will not be read. A short one is read to its end (at most 64 KiB, for at most a second), so
 * the connection serves the next request; anything longer or slower closes the connection instead.
 */
async function discard(res: HttpResponse): Promise<void> {
  // undici 6 honours dump()'s `signal`, which its types omit.
  await res.body.dump({ limit: 64 * 1024, signal: AbortSignal.timeout(1000) }).catch(() => undefined);
}

async function expectOk(res: HttpResponse, where: string): Promise<void> {
  const status = res.statusCode;
  if (status >= 200 && status < 300) return;
  await discard(res);
  if (status === 404) throw new StrataError('not-found', `${where} was not found in the registry.`, { file: where });
  if (status === 403) throw new StrataError('auth', `${where}: access denied by the registry.`, { file: where });
  if (status === 401) throw new StrataError('auth', `${where}: the registry requires credentials.`, { file: where });
  if (status === 429) throw new StrataError('network', `${where}: the registry is rate-limiting requests (429); try again later.`, { file: where });
  throw new StrataError('network', `${where}: the registry answered HTTP ${status}.`, { file: where });
}

async function readCapped(res: HttpResponse, max: number, where: string, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(header(res, 'content-length') ?? NaN);
  if (declared > max) {
    res.body.destroy();
    throw new StrataError('too-large', `${where}: ${declared} bytes is more than the ${max} allowed.`, { file: where });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) {
        res.body.destroy();
        throw new StrataError('too-large', `${where}: more than the ${max} bytes allowed.`, { file: where });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof StrataError) throw error;
    if (signal?.aborted) throw cancelled(where);
    throw bodyError(error, where, total, -1);
  }
  return Buffer.concat(chunks, total);
}

function errorCode(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

function isTlsProtocolError(code: string): boolean {
  return code === 'EPROTO' || code.startsWith('ERR_SSL_') || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}

/** Maps a request failure to one clear sentence; `retryable` for dropped connections. */
function networkError(error: unknown, where: string): { error: StrataError; retryable: boolean } {
  if (error instanceof StrataError) return { error, retryable: false };
  if ((error as Error)?.name === 'AbortError') return { error: cancelled(where), retryable: false };
  const code = errorCode(error);
  const detail = (error as { cause?: { message?: string } })?.cause?.message ?? (error as Error)?.message ?? String(error);
  const e = (message: string, retryable = false) => ({ error: new StrataError('network', message, { file: where }), retryable });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return e(`${where}: unknown host (DNS lookup failed).`);
  if (code === 'ECONNREFUSED') return e(`${where}: connection refused; is the registry running?`);
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return e(`${where}: connection timed out.`, true);
  if (/CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO_VERIFY|ERR_SSL|EPROTO/.test(code)) {
    return e(`${where}: TLS error (${code}): the server's certificate is not trusted or the handshake failed.`);
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return e(`${where}: the connection was dropped (${detail}).`, true);
  return e(`${where}: network error (${detail}).`);
}

function bodyError(error: unknown, where: string, bytes: number, size: number): StrataError {
  if (error instanceof StrataError) return error;
  if ((error as Error)?.name === 'AbortError') return cancelled(where);
  const of = size >= 0 ? ` of ${size}` : '';
  return new StrataError('network', `${where}: the connection was lost after ${bytes}${of} bytes; nothing was cached.`, { file: where });
}
