// Front-door concerns, once for every route: security headers, CORS, compression, rate limits.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { type App, HttpProblem, isVerifiedKey, type VerifiedKeys } from '@datenpool/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from './config.ts';

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** liveness and readiness probes: never rate limited (an orchestrator polling them must not see 429) */
const probes = new Set(['/health', '/ready']);

function bearer(request: { headers: Record<string, unknown> }): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth !== 'string' || auth.length === 0) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? auth;
}

/**
 * the rate-limit bucket: a key that passed scrypt before (by fingerprint, never the key itself), else the address
 * (request.ip: X-Forwarded-For counts only from the proxies TRUST_PROXY names). An unknown or bogus key shares its
 * address's bucket, so rotating keys opens no new ones.
 */
function clientKey(verified: VerifiedKeys, request: { headers: Record<string, unknown>; ip: string }): string {
  const key = bearer(request);
  if (key !== undefined && isVerifiedKey(verified, key)) return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  return `ip:${request.ip}`;
}

/** a fixed-window counter per client, held by the app that created it */
function windowCounter(max: number, windowMs: number) {
  let started = Date.now();
  let counts = new Map<string, number>();
  return (client: string): { allowed: boolean; ttlMs: number } => {
    const now = Date.now();
    if (now - started >= windowMs) {
      started = now;
      counts = new Map();
    }
    const n = (counts.get(client) ?? 0) + 1;
    counts.set(client, n);
    return { allowed: n <= max, ttlMs: started + windowMs - now };
  };
}

/**
 * keys that have not passed scrypt before are limited per address before any route authenticates them: a client
 * sending rotating bogus keys costs at most this many scrypt hashes per window, then 429s that cost nothing
 */
function limitUnknownKeys(app: App, config: GatewayConfig): void {
  const hit = windowCounter(config.rateLimitUnknownKeyMax, config.rateLimitWindowMs);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const key = bearer(request);
    if (key === undefined || isVerifiedKey(app.verifiedKeys, key)) return;
    const { allowed, ttlMs } = hit(request.ip);
    if (allowed) return;
    const seconds = Math.ceil(ttlMs / 1000) || 1;
    throw new HttpProblem(
      429,
      'too-many-requests',
      'Too many requests',
      `More than ${config.rateLimitUnknownKeyMax} requests with keys not yet verified in ${Math.round(config.rateLimitWindowMs / 1000)} s from this address; retry in ${seconds} s.`,
      {},
      { 'retry-after': String(seconds) },
    );
  });
}

/** helmet's options: the security headers of every answer */
export const securityOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      workerSrc: ["'self'", 'blob:'],
      connectSrc: ["'self'"],
    },
  },
  // GIS clients and third-party pages load our GeoJSON and tiles
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

/** the helmet middleware @fastify/helmet wraps (the same package and version, resolved through it) */
type HelmetMiddleware = (
  req: unknown,
  res: { setHeader(name: string, value: string): void; removeHeader(name: string): void },
  next: (err?: unknown) => void,
) => void;
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as (options: object) => HelmetMiddleware;

/**
 * helmet's security headers for these options, worked out once: they depend on nothing in the request (no nonces), but
 * @fastify/helmet builds the middleware, parsing every CSP directive, on every request (5 % of a small page's CPU)
 */
export function securityHeaders(options: object): Array<[string, string]> {
  const headers = new Map<string, [string, string]>();
  helmet(options)(
    {},
    {
      setHeader: (name, value) => headers.set(name.toLowerCase(), [name, String(value)]),
      removeHeader: (name) => headers.delete(name.toLowerCase()),
    },
    (err) => {
      if (err) throw err;
    },
  );
  return [...headers.values()];
}

export async function registerFrontDoor(app: App, config: GatewayConfig): Promise<void> {
  const security = securityHeaders(securityOptions);
  app.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    for (const [name, value] of security) reply.raw.setHeader(name, value);
    done();
  });
  // the answers' CORS options, made once: '*' for reads, a configured origin echoed, or none
  const corsBase = {
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match', 'Accept'],
    exposedHeaders: ['ETag', 'Content-Crs', 'Link', 'Retry-After', 'X-Request-Id', 'Last-Modified'],
    maxAge: 600,
  };
  const corsAny = { ...corsBase, origin: '*' };
  const corsNone = { ...corsBase, origin: false };
  const corsEcho = new Map(config.corsOrigins.map((o) => [o, { ...corsBase, origin: o }]));
  await app.register(cors, {
    delegator: (request, callback) => {
      const method = (request.method === 'OPTIONS' ? String(request.headers['access-control-request-method'] ?? 'GET') : request.method).toUpperCase();
      const origin = request.headers.origin;
      const configured = origin !== undefined && config.corsOrigins.includes(origin);
      // reads are open to every origin ('*'), writes only to configured ones (echoed, as is a configured reader)
      if (configured) callback(null, corsEcho.get(origin) ?? corsNone);
      else callback(null, readMethods.has(method) ? corsAny : corsNone);
    },
  });
  await app.register(compress, {
    threshold: 1024,
    customTypes: /^(text\/|application\/(.+\+)?json|application\/vnd\.sdmx|application\/ld\+json|image\/svg\+xml)/,
  });
  await app.register(rateLimit, {
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    keyGenerator: (request) => clientKey(app.verifiedKeys, request),
    allowList: (request) => probes.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        'too-many-requests',
        'Too many requests',
        `More than ${context.max} requests in ${Math.round(context.ttl / 1000) || 1} s from this client; retry after ${context.after}.`,
        {},
        { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      ),
  });
  limitUnknownKeys(app, config);
}
