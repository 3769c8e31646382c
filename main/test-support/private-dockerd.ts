// Test-only: starts a private dockerd (its own data-root, exec-root and socket in a temp dir, no
// bridge or iptables) and stops it; resolves to null when dockerd cannot start on this machine.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running private dockerd. */
export interface PrivateDockerd {
  /** `unix://…/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  /** Runs the docker CLI against this daemon. */
  docker(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Starts dockerd under `dir`; null (with the reason in `why`) when it is not installed or does not come up. */
export async function startPrivateDockerd(dir: string, why: string[] = []): Promise<PrivateDockerd | null> {
  const socket = path.join(dir, 'docker.sock');
  await mkdir(path.join(dir, 'data'), { recursive: true });
  let child: ChildProcess;
  let log = '';
  try {
    child = spawn(
      'dockerd',
      [
        '--data-root', path.join(dir, 'data'),
        '--exec-root', path.join(dir, 'exec'),
        '--host', `unix://${socket}`,
        '--pidfile', path.join(dir, 'dockerd.pid'),
        '--bridge=none', '--iptables=false', '--ip6tables=false',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    why.push((error as Error).message);
    return null;
  }
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-3000)));
  const spawnFailed = await new Promise<boolean>((resolve) => {
    child.once('error', (e) => {
      why.push(e.message);
      resolve(true);
    });
    setTimeout(() => resolve(false), 50);
  });
  if (spawnFailed) return null;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if (await ping(socket)) {
      return {
        host: `unix://${socket}`,
        async docker(args) {
          const { stdout } = await run('docker', [...args], { env: { ...process.env, DOCKER_HOST: `unix://${socket}` }, timeout: 60_000 });
          return stdout;
        },
        stop,
      };
    }
    await sleep(100);
  }
  why.push(log.split('\n').filter(Boolean).slice(-2).join(' '));
  await stop();
  return null;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
