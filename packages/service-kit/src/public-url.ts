// The base URL clients use for this deployment, for absolute links in every document: PUBLIC_URL where set, else the
// request as the client sent it (Host; Forwarded, X-Forwarded-Proto/-Host/-Prefix only from a peer TRUST_PROXY trusts).
import { BlockList, isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** whether a peer address is a proxy TRUST_PROXY names (its forwarded headers count); one rule for links and request.ip */
    trustedProxy: (address: string | undefined) => boolean;
  }
}

/** proxy-addr's named ranges (what Fastify's trustProxy understands by these names) */
const namedRanges: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** the peers whose forwarded headers count, from TRUST_PROXY (validated by the config schema) */
export function proxyTrust(trustProxy: boolean | readonly string[]): (address: string | undefined) => boolean {
  if (trustProxy === true) return () => true;
  if (trustProxy === false) return () => false;
  const list = new BlockList();
  for (const entry of trustProxy.flatMap((e) => namedRanges[e] ?? [e])) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = address === undefined ? 0 : isIP(address);
    // BlockList matches an IPv4 rule against the IPv4-mapped form (::ffff:127.0.0.1) too, as proxy-addr does
    return family !== 0 && list.check(address as string, family === 6 ? 'ipv6' : 'ipv4');
  };
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PREFIX = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*\/?$/;

/** the last entry of a header a chain of proxies appends to: the one the trusted peer itself wrote */
function lastEntry(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === undefined) return undefined;
  const entry = text.split(',').pop()?.trim();
  return entry ? entry : undefined;
}

/** proto and host of the last element of an RFC 7239 Forwarded header (`for=…;proto=https;host=example.org`) */
function forwardedElement(value: string | string[] | undefined): { proto?: string; host?: string } {
  const element = lastEntry(value);
  if (element === undefined) return {};
  const out: { proto?: string; host?: string } = {};
  for (const pair of element.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim().toLowerCase();
    let text = pair.slice(eq + 1).trim();
    if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    if (name === 'proto' || name === 'host') out[name] = text;
  }
  return out;
}

function proto(value: string | undefined): 'http' | 'https' | undefined {
  const v = value?.toLowerCase();
  return v === 'http' || v === 'https' ? v : undefined;
}

function host(value: string | undefined): string | undefined {
  return value !== undefined && HOST.test(value) ? value : undefined;
}

/**
 * scheme://host[/prefix] without a trailing slash, to which a route's path is appended (`${base}/collections`).
 * PUBLIC_URL wins (with its path, e.g. `https://example.org/datenpool`). Otherwise the request's own scheme and Host,
 * replaced by what a trusted proxy forwarded: RFC 7239 `Forwarded` (proto, host) before `X-Forwarded-Proto` and
 * `X-Forwarded-Host`, and `X-Forwarded-Prefix` for the path the proxy mounts this service at. Headers from any other
 * peer are ignored, and a value that is no scheme, host or path is ignored too (it would end up in every link).
 */
export function publicBaseUrl(request: FastifyRequest): string {
  const server = request.server as FastifyInstance;
  const configured = server.config?.publicUrl;
  if (configured) return configured.replace(/\/+$/, '');
  const headers = request.headers;
  const direct = {
    proto: (request.raw.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http',
    host: host(headers.host) ?? 'localhost',
  };
  if (!server.trustedProxy?.(request.raw.socket?.remoteAddress)) return `${direct.proto}://${direct.host}`;
  const forwarded = forwardedElement(headers.forwarded);
  const scheme = proto(forwarded.proto) ?? proto(lastEntry(headers['x-forwarded-proto'])) ?? direct.proto;
  const authority = host(forwarded.host) ?? host(lastEntry(headers['x-forwarded-host'])) ?? direct.host;
  const rawPrefix = lastEntry(headers['x-forwarded-prefix']);
  const prefix = rawPrefix !== undefined && PREFIX.test(rawPrefix) ? rawPrefix.replace(/\/+$/, '') : '';
  return `${scheme}://${authority}${prefix}`;
}

