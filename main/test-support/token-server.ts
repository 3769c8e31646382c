// Test-only: a small bearer-token server for the registry's `auth: token` mode. Signs ES256 JWTs with
// a generated key whose self-signed certificate (in the x5c header) is the registry's root bundle.
import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Generates a P-256 key and a self-signed certificate for `cn` (with IP SAN 127.0.0.1). */
export async function makeCertificate(dir: string, cn: string): Promise<{ cert: string; key: string; certPem: string }> {
  const cert = path.join(dir, `${cn}.crt`);
  const key = path.join(dir, `${cn}.key`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { timeout: 30_000 });
  return { cert, key, certPem: await readFile(cert, 'utf8') };
}

/** Who may pull what: `users` (name → password) and repositories anyone may pull. */
export interface TokenPolicy {
  readonly users: Readonly<Record<string, string>>;
  readonly publicRepositories: readonly string[];
  readonly issuer: string;
  readonly service: string;
}

/** A running token server and the requests it saw. */
export interface TokenServer {
  readonly realm: string;
  readonly requests: { readonly user: string; readonly scopes: readonly string[] }[];
  close(): Promise<void>;
}

/** Starts the token server on 127.0.0.1, signing with `key`/`certPem`. */
export async function startTokenServer(policy: TokenPolicy, keyFile: string, certPem: string): Promise<TokenServer> {
  const key = createPrivateKey(await readFile(keyFile));
  const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const requests: { user: string; scopes: string[] }[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let user = '';
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) {
      const [name, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (policy.users[name] !== rest.join(':')) {
        requests.push({ user: `!${name}`, scopes });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      user = name;
    }
    requests.push({ user, scopes });
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository') return [];
      const allowed = user !== '' || policy.publicRepositories.includes(name);
      return allowed ? [{ type, name, actions: actions.split(',').filter((a) => a === 'pull' || (user && a === 'push')) }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = { iss: policy.issuer, sub: user, aud: policy.service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${input}.${signature.toString('base64url')}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}
