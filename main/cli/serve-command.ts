// `strata serve [SOURCE…]`: the explorer in a browser, served on 127.0.0.1 with a random token.
import { StrataError } from '../../shared/errors';
import { defaultCacheDir, defaultSamplePath } from '../services/cache-location';
import { sourceSpecFromArgs } from '../services/open-source';
import { createStrataService } from '../services/strata-service';
import { startServer } from '../server/http-server';
import type { CliCommand } from './command';

/** Starts the local web server and prints its URL; runs until interrupted (Ctrl-C). */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the explorer to a browser on 127.0.0.1 (prints a URL with a one-time token)',
  usage: 'strata serve [SOURCE…] [--port N]',
  options: { port: { type: 'string' } },
  async run(args, io) {
    const port = args.values.port === undefined ? 0 : Number(args.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new StrataError('usage', `--port ${String(args.values.port)} is not a port number (0–65535).`);
    }
    const source = args.positionals.length > 0 ? sourceSpecFromArgs(args.positionals, io.cwd) : undefined;
    const service = createStrataService({ cacheDir: defaultCacheDir(io.env), samplePath: defaultSamplePath() });
    const server = await startServer({ service, port, source });
    io.stdout.write(`Strata is serving on ${server.url}\nOpen that URL in a browser; press Ctrl-C to stop.\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    await service.dispose();
    return 0;
  },
};
