// A node:http proxy on 127.0.0.1 in front of a real server (the test registry), for tests that answer some
// requests themselves (faults, redirects) or watch what the client asks for.
import * as http from 'node:http';

/** Answers a request itself (returning true) or lets it through to the target (false). */
export type ProxyHook = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/** A running proxy: its `host:port`, and a close that drops its open connections. */
export interface RunningProxy {
  readonly host: string;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 that runs the current `hook()` first and forwards everything else to `target`. */
export async function startProxy(target: string, hook: () => ProxyHook): Promise<RunningProxy> {
  const server = http.createServer((req, res) => {
    if (hook()(req, res)) return;
    const [hostname, port] = target.split(':');
    const upstream = http.request({ hostname, port: Number(port), path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
