// The shape of one `strata` subcommand; each lives in its own `*-command.ts` file.
import type { ParseArgsConfig } from 'node:util';

/** Where a command writes; tests pass in-memory sinks. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Environment variables (for cache location, DOCKER_HOST…). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory for relative paths and config files. */
  readonly cwd: string;
}

/** Parsed arguments: positionals and flag values, as `util.parseArgs` returns them. */
export interface CliArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
}

/** One subcommand. `run` returns the exit code: 0 ok, 1 bad input (one-line reason on stderr), 2 usage. */
export interface CliCommand {
  readonly name: string;
  /** One line for `strata --help`. */
  readonly summary: string;
  /** Usage text shown by `strata help NAME` and on usage errors. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(args: CliArgs, io: CliIO): Promise<number>;
}
