// Talks to the local Docker engine API (or Podman's compatible socket): finds the endpoint from
// DOCKER_HOST, the current docker context or /var/run/docker.sock, and sends requests over a unix
// socket or TCP with node:http.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { DockerImageInfo } from '../../shared/api';
import { StrataError } from '../../shared/errors';

/** Where the engine listens. */
export type EngineEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** One image as the engine lists it (`GET /images/json`). */
export type EngineImage = DockerImageInfo;

const DEFAULT_SOCKET = '/var/run/docker.sock';
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

/** Parses a DOCKER_HOST value (`unix:///path`, `tcp://host:port`). */
export function parseDockerHost(value: string): EngineEndpoint {
  if (value.startsWith('unix://')) return { kind: 'unix', socketPath: value.slice('unix://'.length) };
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(value);
  if (m) return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 2375 };
  throw new StrataError('usage', `DOCKER_HOST ${JSON.stringify(value)} is not supported: use unix:///path or tcp://host:port.`);
}

/** The engine endpoint: DOCKER_HOST, else the current docker context's host, else /var/run/docker.sock. */
export async function resolveEngineEndpoint(env: Readonly<Record<string, string | undefined>> = process.env): Promise<EngineEndpoint> {
  if (env.DOCKER_HOST) return parseDockerHost(env.DOCKER_HOST);
  const configDir = env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  let context = env.DOCKER_CONTEXT;
  if (!context) {
    try {
      context = (JSON.parse(await readFile(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      context = undefined;
    }
  }
  if (context && context !== 'default') {
    const id = createHash('sha256').update(context).digest('hex');
    try {
      const meta = JSON.parse(await readFile(path.join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
        Endpoints?: { docker?: { Host?: string } };
      };
      const host = meta.Endpoints?.docker?.Host;
      if (host) return parseDockerHost(host);
    } catch {
      // A context without readable metadata falls back to the default socket, as docker does not.
    }
  }
  return { kind: 'unix', socketPath: DEFAULT_SOCKET };
}

/** Describes an endpoint for messages. */
export function describeEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.kind === 'unix' ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** A minimal Docker engine API client. */
export class DockerEngineClient {
  constructor(readonly endpoint: EngineEndpoint) {}

  /** Lists the engine's images. */
  async listImages(signal?: AbortSignal): Promise<EngineImage[]> {
    const raw = await this.json<Record<string, unknown>[]>('/images/json', signal);
    if (!Array.isArray(raw)) throw this.error('malformed', 'the image list is not an array');
    return raw.map((i) => ({
      id: String(i.Id ?? ''),
      repoTags: Array.isArray(i.RepoTags) ? i.RepoTags.filter((t): t is string => typeof t === 'string' && t !== '<none>:<none>') : [],
      repoDigests: Array.isArray(i.RepoDigests) ? i.RepoDigests.filter((t): t is string => typeof t === 'string') : [],
      size: typeof i.Size === 'number' ? i.Size : 0,
      created: typeof i.Created === 'number' ? new Date(i.Created * 1000).toISOString() : '',
    }));
  }

  /** Inspects one image (`GET /images/{name}/json`). */
  inspectImage(name: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.json(`/images/${encodeURIComponent(name)}/json`, signal);
  }

  /** Streams the engine's `docker save` export of one image (`GET /images/{name}/get`). */
  exportImage(name: string, signal?: AbortSignal): Promise<Readable> {
    return this.get(`/images/${encodeURIComponent(name)}/get`, signal);
  }

  private async json<T>(pathname: string, signal?: AbortSignal): Promise<T> {
    const res = await this.get(pathname, signal);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res) {
      total += (chunk as Buffer).length;
      if (total > MAX_JSON_BYTES) {
        res.destroy();
        throw this.error('too-large', `the answer to ${pathname} is over ${MAX_JSON_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
    } catch {
      throw this.error('malformed', `the answer to ${pathname} is not JSON`);
    }
  }

  private get(pathname: string, signal?: AbortSignal): Promise<Readable> {
    const where = describeEndpoint(this.endpoint);
    return new Promise((resolve, reject) => {
      const target = this.endpoint.kind === 'unix' ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port };
      const req = http.request({ ...target, path: pathname, method: 'GET', headers: { host: 'docker' }, signal, timeout: CONNECT_TIMEOUT_MS });
      req.once('timeout', () => req.destroy(this.error('network', 'the engine did not answer in time')));
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof StrataError) return reject(error);
        if (error.name === 'AbortError') return reject(new StrataError('cancelled', `${where}: cancelled.`, { file: where }));
        const code = error.code ?? '';
        if (code === 'ENOENT' || code === 'ECONNREFUSED') {
          return reject(new StrataError('network', `The Docker engine is not running at ${where} (${code}).`, { file: where }));
        }
        if (code === 'EACCES') return reject(new StrataError('auth', `No permission to use the Docker engine socket ${where}.`, { file: where }));
        reject(new StrataError('network', `${where}: ${error.message}.`, { file: where }));
      });
      req.once('response', (res) => {
        req.setTimeout(0);
        if (res.statusCode === 200) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
        res.on('end', () => {
          let message = Buffer.concat(chunks).toString('utf8').slice(0, 500);
          try {
            message = String((JSON.parse(message) as { message?: string }).message ?? message);
          } catch {
            // Plain-text error body.
          }
          const code = res.statusCode === 404 ? 'not-found' : 'network';
          reject(new StrataError(code, `Docker engine at ${where}: ${message.trim() || `HTTP ${res.statusCode}`}.`, { file: where }));
        });
        res.on('error', reject);
      });
      req.end();
    });
  }

  private error(code: 'malformed' | 'too-large' | 'network', why: string): StrataError {
    const where = describeEndpoint(this.endpoint);
    return new StrataError(code, `Docker engine at ${where}: ${why}.`, { file: where });
  }
}
