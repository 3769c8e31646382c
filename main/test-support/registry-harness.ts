// Test-only: writes small OCI layouts, starts Debian's docker-registry (CNCF distribution 2.8) on
// 127.0.0.1 with filesystem storage in a temp dir, and pushes layouts into it with skopeo.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

/** A blob written into a layout: its descriptor fields. */
export interface WrittenBlob {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

/** One platform image of a fixture: uncompressed layer tars (base first) and history commands. */
export interface FixtureImage {
  readonly platform: string;
  readonly layers: readonly Buffer[];
  /** Layer blobs as stored; default: gzip of `layers`. */
  readonly blobs?: readonly { readonly bytes: Buffer; readonly mediaType: string; readonly annotations?: Record<string, string> }[];
  readonly createdBy?: readonly string[];
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function putBlob(layout: string, bytes: Buffer, mediaType: string): Promise<WrittenBlob> {
  const digest = sha256(bytes);
  await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length, mediaType };
}

async function writeImage(layout: string, image: FixtureImage): Promise<WrittenBlob & { config: WrittenBlob; layers: WrittenBlob[] }> {
  const [os, architecture, variant] = image.platform.split('/');
  const blobs: NonNullable<FixtureImage['blobs']> =
    image.blobs ?? image.layers.map((l) => ({ bytes: gzipSync(l), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }));
  const layers: (WrittenBlob & { annotations?: Record<string, string> })[] = [];
  for (const b of blobs) layers.push({ ...(await putBlob(layout, b.bytes, b.mediaType)), ...(b.annotations ? { annotations: b.annotations } : {}) });
  const config = {
    created: '2024-01-01T00:00:00Z',
    architecture,
    os,
    ...(variant ? { variant } : {}),
    config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: image.layers.map(sha256) },
    history: image.layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: image.createdBy?.[i] ?? `RUN step ${i}` })),
  };
  const configBlob = await putBlob(layout, Buffer.from(JSON.stringify(config)), 'application/vnd.oci.image.config.v1+json');
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configBlob, layers };
  const written = await putBlob(layout, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  return { ...written, config: configBlob, layers };
}

/** Writes an OCI layout holding one tag: a single image, or an index when several platforms are given. */
export async function writeOciLayout(layout: string, tag: string, images: readonly FixtureImage[]) {
  await mkdir(layout, { recursive: true });
  await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const written = [];
  for (const image of images) written.push(await writeImage(layout, image));
  let top: WrittenBlob = written[0];
  if (images.length > 1) {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: written.map((w, i) => {
        const [os, architecture, variant] = images[i].platform.split('/');
        return { mediaType: w.mediaType, digest: w.digest, size: w.size, platform: { os, architecture, ...(variant ? { variant } : {}) } };
      }),
    };
    top = await putBlob(layout, Buffer.from(JSON.stringify(index)), index.mediaType);
  }
  const refd = { ...top, annotations: { 'org.opencontainers.image.ref.name': tag } };
  await writeFile(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [refd] }));
  return { top, images: written };
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** How to start the registry. */
export interface RegistryConfig {
  readonly storage: string;
  readonly port: number;
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly htpasswd?: string;
  readonly token?: { readonly realm: string; readonly service: string; readonly issuer: string; readonly rootCertBundle: string };
}

/** A running registry process. */
export interface RunningRegistry {
  readonly host: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `docker-registry serve` with the config; resolves once `/v2/` answers (bounded wait). */
export async function startRegistry(config: RegistryConfig, workDir: string): Promise<RunningRegistry> {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${config.storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${config.port}`,
  ];
  if (config.tls) lines.push('  tls:', `    certificate: ${config.tls.cert}`, `    key: ${config.tls.key}`);
  if (config.htpasswd) lines.push('auth:', '  htpasswd:', '    realm: strata-test', `    path: ${config.htpasswd}`);
  if (config.token) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${config.token.realm}`,
      `    service: ${config.token.service}`,
      `    issuer: ${config.token.issuer}`,
      `    rootcertbundle: ${config.token.rootCertBundle}`,
    );
  }
  const file = path.join(workDir, `registry-${config.port}.yml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const scheme = config.tls ? 'https' : 'http';
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const up = await probe(config.port);
    if (up) break;
    if (i === 99) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on ${scheme}://127.0.0.1:${config.port}: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    host: `127.0.0.1:${config.port}`,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function probe(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Pushes an OCI layout's tag to `host/repository:tag` with skopeo (all platforms). */
export async function pushLayout(layout: string, tag: string, host: string, repository: string, destTag = tag): Promise<void> {
  await run('skopeo', ['copy', '--all', '--quiet', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${host}/${repository}:${destTag}`], {
    timeout: 60_000,
  });
}

/** Path of a blob's data file inside the registry's filesystem storage. */
export function storedBlobPath(storage: string, digest: string): string {
  const hex = digest.slice(7);
  return path.join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}
