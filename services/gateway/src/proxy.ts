// Proxy mode: a service's routes registered in the gateway but answered by its own process.
import replyFrom from '@fastify/reply-from';
import { type App, HttpProblem, publicBaseUrl, type ServiceDescriptor } from '@datenpool/service-kit';
import type { GatewayConfig } from './config.ts';

const passThrough = () => (data: unknown) => ({ value: data });

/**
 * Registers the service's own route definitions (so /api documents them the same in both modes),
 * with every handler replaced by a streaming forward to the upstream.
 */
export async function mountProxied(app: App, service: ServiceDescriptor, upstream: string, config: GatewayConfig): Promise<void> {
  await app.register(async (scoped) => {
    await scoped.register(replyFrom, {
      base: upstream,
      undici: {
        connectTimeout: config.proxyConnectTimeoutMs,
        headersTimeout: config.proxyTimeoutMs,
        bodyTimeout: config.proxyTimeoutMs,
      },
    });
    // bodies go upstream as raw streams; the service parses and validates them itself
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    // the service's own parsers would consume the stream here; in proxy mode they stay upstream
    (scoped as unknown as { addContentTypeParser: () => void }).addContentTypeParser = () => {};
    scoped.addHook('onRoute', (route) => {
      route.handler = async function forward(request, reply) {
        // the service builds its links from the gateway's public base URL (PUBLIC_URL or what a trusted proxy sent)
        // taken apart as written: new URL() would drop a default port the in-process links keep (localhost:80)
        const [, proto = 'http', host = request.host, prefix = ''] = /^([a-z]+):\/\/([^/]+)(.*)$/i.exec(publicBaseUrl(request)) ?? [];
        return reply.from(request.url, {
          // what the client sent as Forwarded or X-Forwarded-Prefix does not reach the service, which trusts the gateway
          rewriteRequestHeaders: (_req, { forwarded: _f, 'x-forwarded-prefix': _p, ...headers }) => ({
            ...headers,
            'x-request-id': request.id,
            'x-forwarded-host': host,
            'x-forwarded-proto': proto,
            ...(prefix ? { 'x-forwarded-prefix': prefix } : {}),
          }),
          onError: (failed, { error }) => {
            const timeout = (error as Error & { code?: string }).code === 'FST_REPLY_FROM_GATEWAY_TIMEOUT';
            failed.send(
              new HttpProblem(
                timeout ? 504 : 502,
                timeout ? 'gateway-timeout' : 'bad-gateway',
                timeout ? 'Gateway timeout' : 'Bad gateway',
                timeout
                  ? `The ${service.name} service did not answer within ${config.proxyTimeoutMs} ms.`
                  : `The ${service.name} service is not reachable.`,
              ),
            );
          },
        });
      };
      route.preHandler = [];
      route.preValidation = [];
      route.onRequest = [];
      route.validatorCompiler = passThrough;
      route.serializerCompiler = () => (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data));
    });
    await service.routes(scoped as unknown as App);
  });
}
