// Runs the `strata` CLI in-process for tests, capturing what it prints and its exit code.
import { PassThrough } from 'node:stream';
import { main } from '../cli';

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `strata ARGS` in `cwd` with its cache in `cacheDir`. */
export async function runCli(args: readonly string[], cwd: string, cacheDir: string): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(args, { stdout, stderr, env: { STRATA_CACHE_DIR: cacheDir }, cwd });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
