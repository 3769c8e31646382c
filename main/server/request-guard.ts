// Who may talk to `strata serve`: only pages it served itself on the loopback address, carrying the
// random token. The Host check defeats DNS rebinding; the Origin check refuses other sites' pages.
import { timingSafeEqual } from 'node:crypto';

/** What the guard looks at in a request. */
export interface GuardedRequest {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  /** The token from the `x-strata-token` header or the `token` query parameter. */
  readonly token: string | null;
}

/** A refusal: HTTP status and a one-line reason. */
export interface Refusal {
  readonly status: 403 | 421;
  readonly message: string;
}

/** The Host header values a loopback server on `port` answers to. */
function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Refuses foreign Host and Origin headers; with `needToken`, a missing or wrong token too. */
export function checkRequest(request: GuardedRequest, port: number, token: string, needToken: boolean): Refusal | null {
  const hosts = allowedHosts(port);
  if (!request.host || !hosts.includes(request.host.toLowerCase())) {
    return { status: 421, message: `Host ${JSON.stringify(request.host ?? '')} is not served here.` };
  }
  if (request.origin !== undefined && !hosts.some((h) => request.origin === `http://${h}`)) {
    return { status: 403, message: `Requests from ${JSON.stringify(request.origin)} are refused.` };
  }
  if (needToken && !sameToken(request.token ?? '', token)) {
    return { status: 403, message: 'Missing or wrong token: open the URL `strata serve` printed.' };
  }
  return null;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
