// One harvest request made safe: the host resolved and every address checked, the connection pinned to the checked
// address (no second DNS answer between check and connect), redirects followed by hand and checked again (at most 5),
// size and time bounded, credentials sent as a header from a named secret setting and dropped on a cross-origin hop.
import { lookup as dnsLookup } from 'node:dns/promises';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { redactUrlSecrets } from '@datenpool/service-kit';
import type { IngestConfig } from '../config.ts';
import { forbiddenAddressReason, isAllowed } from './harvest-address.ts';

export const MAX_REDIRECTS = 5;

/** a harvest that could not fetch its source: a 502 naming why (never a credential) */
export class HarvestFailed extends Error {}

/** a source's credentials by reference: the header to send and the HARVEST_SECRET_* setting holding its value */
export interface HarvestAuth {
  header: string;
  secret: string;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface HarvestResponse {
  /** the URL that answered (after redirects) */
  url: string;
  contentType: string | undefined;
  /** the body, counted against the size limit and bounded by the deadline */
  body: AsyncIterable<Buffer>;
}

type Settings = Pick<IngestConfig, 'harvestAllow' | 'harvestTimeoutMs' | 'harvestMaxBytes' | 'harvestSecrets'>;

/** where a URL may not be fetched from, checked before anything is resolved */
function checkUrl(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HarvestFailed(`${url.protocol} URLs are not harvested (only http and https).`);
  if (url.username || url.password) throw new HarvestFailed('URLs with credentials (user:password@) are not harvested; name a secret in the source’s auth instead.');
}

/** the checked, pinned address of the URL's host: every address it resolves to must be allowed */
async function pinnedAddress(url: URL, settings: Settings, resolve: Resolver): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new HarvestFailed(`the host ${host} cannot be resolved (${(err as { code?: string }).code ?? (err as Error).message})`);
    }
  }
  if (addresses.length === 0) throw new HarvestFailed(`the host ${host} resolves to no address`);
  for (const { address } of addresses) {
    if (isAllowed(settings.harvestAllow, host, address)) continue;
    const reason = forbiddenAddressReason(address);
    if (reason) {
      throw new HarvestFailed(
        `${host === address ? address : `the host ${host} resolves to ${address}, which`} is ${reason}: harvests reach only public addresses unless HARVEST_ALLOW_HOSTS names the host or its network`,
      );
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** the value of the source's secret setting; a missing setting fails the harvest naming the setting, never a value */
function authHeader(auth: HarvestAuth | null, settings: Settings): Record<string, string> {
  if (!auth) return {};
  const value = settings.harvestSecrets[auth.secret];
  if (value === undefined) throw new HarvestFailed(`the secret setting ${auth.secret} that the source names is not set in this process`);
  return { [auth.header.toLowerCase()]: value };
}

/** one request to a pinned address; resolves with the response head, rejects on the deadline */
function requestOnce(url: URL, pinned: { address: string; family: 4 | 6 }, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  const lookup: LookupFunction = (_host, options, callback) => {
    const cb = callback as (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;
    if ((options as { all?: boolean }).all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const options = {
    protocol: url.protocol,
    hostname: host,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: { ...headers, host: url.host },
    agent: false as const,
    lookup,
    ...(url.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
  };
  return new Promise((resolve, reject) => {
    const onAbort = () => req.destroy(signal.reason as Error);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(options, (res) => {
      signal.removeEventListener('abort', onAbort);
      resolve(res);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    req.end();
  });
}

/**
 * fetches a harvest URL safely (see the module comment); the deadline of `harvestTimeoutMs` covers redirects and the
 * whole body, the size limit the body as it streams
 */
export async function openHarvest(
  source: string,
  options: { accept: string; auth: HarvestAuth | null; settings: Settings; resolve?: Resolver },
): Promise<HarvestResponse> {
  const { settings } = options;
  const resolve = options.resolve ?? systemResolver;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new HarvestFailed('the source URL is not a URL');
  }
  const origin = url.origin;
  const credentials = authHeader(options.auth, settings);
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(new HarvestFailed(`the harvest of ${redactUrlSecrets(source)} took longer than ${settings.harvestTimeoutMs} ms`)), settings.harvestTimeoutMs);
  deadline.unref();
  const fail = (err: unknown): never => {
    clearTimeout(deadline);
    if (controller.signal.aborted && controller.signal.reason instanceof HarvestFailed) throw controller.signal.reason;
    if (err instanceof HarvestFailed) throw err;
    throw new HarvestFailed(`fetching ${redactUrlSecrets(url.toString())} failed: ${(err as Error).message}`);
  };
  try {
    for (let hop = 0; ; hop++) {
      if (controller.signal.aborted) throw controller.signal.reason;
      checkUrl(url);
      const pinned = await pinnedAddress(url, settings, resolve);
      // credentials go to the source's own origin only, never to where it redirects elsewhere
      const headers = { accept: options.accept, 'user-agent': 'datenpool-harvest/1', ...(url.origin === origin ? credentials : {}) };
      const res = await requestOnce(url, pinned, headers, controller.signal);
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        if (hop >= MAX_REDIRECTS) throw new HarvestFailed(`${redactUrlSecrets(source)} redirects more than ${MAX_REDIRECTS} times`);
        try {
          url = new URL(res.headers.location, url);
        } catch {
          throw new HarvestFailed(`${redactUrlSecrets(url.toString())} redirects to something that is not a URL`);
        }
        continue;
      }
      if (status < 200 || status > 299) {
        res.resume();
        throw new HarvestFailed(`${redactUrlSecrets(url.toString())} answered HTTP ${status}`);
      }
      const length = Number(res.headers['content-length'] ?? Number.NaN);
      if (length > settings.harvestMaxBytes) {
        res.destroy();
        throw new HarvestFailed(`${redactUrlSecrets(url.toString())} announces ${length} bytes, more than the limit of ${settings.harvestMaxBytes} (INGEST_HARVEST_MAX_BYTES)`);
      }
      return { url: url.toString(), contentType: res.headers['content-type'], body: limited(res, settings.harvestMaxBytes, url, controller, deadline) };
    }
  } catch (err) {
    return fail(err);
  }
}

/**
 * the body, failing once it passes the size limit or the deadline; the deadline ends with the body. The deadline also
 * closes a response nobody reads (the listener is set before the first read)
 */
function limited(res: IncomingMessage, maxBytes: number, url: URL, controller: AbortController, deadline: NodeJS.Timeout): AsyncGenerator<Buffer> {
  const onAbort = () => res.destroy(controller.signal.reason as Error);
  controller.signal.addEventListener('abort', onAbort, { once: true });
  return readLimited(res, maxBytes, url, controller, deadline, onAbort);
}

async function* readLimited(
  res: IncomingMessage,
  maxBytes: number,
  url: URL,
  controller: AbortController,
  deadline: NodeJS.Timeout,
  onAbort: () => void,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new HarvestFailed(`${redactUrlSecrets(url.toString())} sent more than the limit of ${maxBytes} bytes (INGEST_HARVEST_MAX_BYTES)`);
      yield chunk;
    }
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason instanceof HarvestFailed) throw controller.signal.reason;
    if (err instanceof HarvestFailed) throw err;
    throw new HarvestFailed(`reading ${redactUrlSecrets(url.toString())} failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(deadline);
    controller.signal.removeEventListener('abort', onAbort);
    res.destroy();
  }
}
