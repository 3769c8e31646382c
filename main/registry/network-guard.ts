// Refuses URLs that point at link-local or cloud metadata addresses (169.254.0.0/16, fe80::/10),
// where a hostile registry could send a token request or a redirect.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { StrataError } from '../../shared/errors';

/** Tells whether an IP address literal is link-local (IPv4 169.254/16, IPv6 fe80::/10, or v4-mapped). */
export function isLinkLocalAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('169.254.');
  if (isIP(a) === 6) {
    const first = parseInt(a.split(':')[0] || '0', 16);
    return (first & 0xffc0) === 0xfe80;
  }
  return false;
}

/** Throws a StrataError when `url` is not http(s) or its host is (or resolves to) a link-local address. */
export async function assertSafeUrl(url: URL, what: string): Promise<void> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new StrataError('network', `The registry sent a ${what} with an unsupported scheme (${url.protocol}); refused.`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const refuse = () =>
    new StrataError('network', `The registry sent a ${what} pointing at the link-local address ${host}; refused.`);
  if (isIP(host)) {
    if (isLinkLocalAddress(host)) throw refuse();
    return;
  }
  let addresses: { address: string }[] = [];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return; // The request itself reports the unknown host.
  }
  if (addresses.some((a) => isLinkLocalAddress(a.address))) throw refuse();
}
