// Front-door concerns, once for every route: security headers, CORS, compression, rate limits.
import { createHash } from 'node:crypto';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { type App, HttpProblem } from '@datenpool/service-kit';
import type { GatewayConfig } from './config.ts';

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** the rate-limit bucket: the API key (by fingerprint, never the key itself), else the address */
function clientKey(request: { headers: Record<string, unknown>; ip: string }): string {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.length > 0) {
    return `key:${createHash('sha256').update(auth).digest('hex').slice(0, 32)}`;
  }
  return `ip:${request.ip}`;
}

export async function registerFrontDoor(app: App, config: GatewayConfig): Promise<void> {
  await app.register(helmet, {
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
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(cors, {
    delegator: (request, callback) => {
      const method = request.method === 'OPTIONS' ? String(request.headers['access-control-request-method'] ?? 'GET') : request.method;
      const origin = request.headers.origin;
      const allowed = readMethods.has(method.toUpperCase()) || (origin !== undefined && config.corsOrigins.includes(origin));
      callback(null, {
        origin: allowed ? (readMethods.has(method.toUpperCase()) && !config.corsOrigins.includes(origin ?? '') ? '*' : origin ?? false) : false,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match', 'Accept'],
        exposedHeaders: ['ETag', 'Content-Crs', 'Link', 'Retry-After', 'X-Request-Id', 'Last-Modified'],
        maxAge: 600,
      });
    },
  });
  await app.register(compress, {
    threshold: 1024,
    customTypes: /^(text\/|application\/(.+\+)?json|application\/vnd\.sdmx|application\/ld\+json|image\/svg\+xml)/,
  });
  await app.register(rateLimit, {
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    keyGenerator: clientKey,
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
}
