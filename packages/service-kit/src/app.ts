// The Fastify factory every service and the gateway use: logging, zod, OpenAPI, errors, health.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import { type DatabaseHandle, sql } from '@datenpool/db';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { jsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProcessConfig } from './config.ts';
import type { LoadingState } from './loading.ts';
import { createVerifiedKeys, redactUrlSecrets, refuseKeysInUrl, type VerifiedKeys } from './auth.ts';
import { clientErrorProblem, frameworkErrorProblem, registerInputHygiene } from './input-hygiene.ts';
import { registerErrorHandling } from './error-handler.ts';
import { problemResponses } from './openapi.ts';
import { HttpProblem } from './problems.ts';
import { proxyTrust } from './public-url.ts';
import { validatorCompiler } from './validation.ts';

export { publicBaseUrl } from './public-url.ts';

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseHandle;
    config: ProcessConfig;
    /** keys that passed scrypt in this app (see auth.ts): later requests with them skip the hash */
    verifiedKeys: VerifiedKeys;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface CreateAppOptions {
  title: string;
  description?: string;
  version?: string;
  config: ProcessConfig;
  database: DatabaseHandle;
  /** OpenAPI tags for the routes this app serves */
  tags?: Array<{ name: string; description: string }>;
  /** plugins that must see every route (rate limits, CORS, …): registered before the first route */
  frontDoor?: (app: App) => Promise<void>;
  /** pino destination for tests; stdout otherwise */
  logStream?: NodeJS.WritableStream;
  /** what the process still loads after listening: reported by /ready */
  loading?: LoadingState;
}

export async function createApp(options: CreateAppOptions): Promise<App> {
  const { config } = options;
  const trustedProxy = proxyTrust(config.trustProxy);
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' },
      serializers: {
        req: (req) => ({
          method: req.method,
          url: redactUrlSecrets(req.url),
          remoteAddress: req.ip,
          headers: req.headers,
        }),
      },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    return503OnClosing: true,
    // the same rule as the links' (public-url.ts): request.ip follows X-Forwarded-For only through these peers
    trustProxy: typeof config.trustProxy === 'boolean' ? config.trustProxy : (address: string) => trustedProxy(address),
    routerOptions: { ignoreTrailingSlash: true },
    // the HTTP parser's and the router's own refusals leave as problems too
    clientErrorHandler: clientErrorProblem,
    frameworkErrors: frameworkErrorProblem,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('database', options.database);
  app.decorate('config', config);
  app.decorate('trustedProxy', trustedProxy);
  app.decorate('verifiedKeys', createVerifiedKeys());
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  registerInputHygiene(app);
  app.addHook('onRequest', refuseKeysInUrl);
  // once closing, answers end their keep-alive connection, so close() need not wait out the idle timeout
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: options.title,
        version: options.version ?? '0.1.0',
        description: options.description ?? '',
        license: { name: 'Apache-2.0' },
      },
      tags: options.tags ?? [],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Datenpool API key' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  await options.frontDoor?.(app as unknown as App);
  registerHealthRoutes(app, options.loading);
  return app as unknown as App;
}

function registerHealthRoutes(app: FastifyInstance, loading: LoadingState | undefined): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }) },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  );
  typed.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers; on a first start also what of the bundled data is still loading',
        description:
          'Ready as soon as the database answers and the LOR units are in. On a first start the bundled statistics load ' +
          'after the server listens: `loading` names each dataset and its state, and `loading.state` turns `done` when ' +
          'everything is in (indicator values are computed by the recompute worker meanwhile: `GET /v1/indicators/status` ' +
          'says what is pending).',
        response: {
          200: z.object({
            status: z.literal('ready'),
            database: z.object({
              engine: z.string(),
              postgis: z.string(),
              mvt: z.boolean(),
              readReplica: z.boolean().describe('reads that may lag go to a streaming standby (DATABASE_READ_URL)'),
            }),
            loading: z
              .object({
                state: z.enum(['idle', 'loading', 'done', 'failed']),
                seconds: z.number().nullable(),
                datasets: z.array(
                  z.object({
                    name: z.string(),
                    state: z.enum(['pending', 'loading', 'done', 'failed']),
                    rows: z.number().int(),
                    ms: z.number().nullable(),
                  }),
                ),
              })
              .optional(),
          }),
          ...problemResponses(503),
        },
      },
    },
    async (request) => {
      const { db, capabilities } = app.database;
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        request.log.warn({ err }, 'database not ready');
        throw new HttpProblem(503, 'unavailable', 'Service unavailable', 'The database does not answer.');
      }
      if (app.database.readReplica) {
        try {
          await sql`select 1`.execute(app.database.read);
        } catch (err) {
          request.log.warn({ err }, 'read replica not ready');
          throw new HttpProblem(503, 'unavailable', 'Service unavailable', 'The read replica (DATABASE_READ_URL) does not answer.');
        }
      }
      return {
        status: 'ready' as const,
        database: { engine: capabilities.engine, postgis: capabilities.postgisVersion, mvt: capabilities.mvt, readReplica: app.database.readReplica },
        ...(loading ? { loading: loading.report() } : {}),
      };
    },
  );
}
