// The `strata` command: dispatches to one CliCommand per subcommand.
import { parseArgs } from 'node:util';
import { isStrataError } from '../shared/errors';
import type { CliCommand, CliIO } from './cli/command';
import { analyzeCommand } from './cli/analyze-command';
import { ciCommand } from './cli/ci-command';
import { diffCommand } from './cli/diff-command';
import { imagesCommand } from './cli/images-command';
import { inspectCommand } from './cli/inspect-command';
import { lsCommand } from './cli/ls-command';
import { reportCommand } from './cli/report-command';
import { saveCommand } from './cli/save-command';
import { serveCommand } from './cli/serve-command';

/** Every subcommand, in the order `strata --help` lists them. */
const COMMANDS: readonly CliCommand[] = [inspectCommand, lsCommand, diffCommand, analyzeCommand, ciCommand, reportCommand, imagesCommand, saveCommand, serveCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'strata — explore container image layers',
    '',
    'Usage: strata COMMAND SOURCE [options]',
    '',
    'SOURCE: a docker save archive, an OCI layout (dir or tar), a docker-registry v1 store,',
    'one or more layer tarballs (base first), docker://IMAGE (local engine) or a registry reference.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `strata help COMMAND` for a command\'s options. Exit codes: 0 ok, 1 bad input, 2 usage.',
  ].join('\n');
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  if (name === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    io.stdout.write(`${command ? command.usage : help()}\n`);
    return command || rest.length === 0 ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`strata: unknown command ${JSON.stringify(name)}. Run \`strata --help\`.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: ${command.usage}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`strata ${command.name}: ${(error as Error).message}\nUsage: ${command.usage}\n`);
    return 2;
  }
  try {
    return await command.run({ positionals: parsed.positionals, values: parsed.values }, io);
  } catch (error) {
    if (isStrataError(error)) {
      io.stderr.write(`strata ${command.name}: ${error.message}\n`);
      return error.code === 'usage' ? 2 : 1;
    }
    io.stderr.write(`strata ${command.name}: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
