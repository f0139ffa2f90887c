// The gateway app: every service mounted in-process, the landing page and the API documents.
import type { FastifyBaseLogger } from 'fastify';
import { type App, createApp, type ProcessContext } from '@datenpool/service-kit';
import { apiDocsRoutes } from './api-docs.ts';
import { landingRoutes } from './landing.ts';
import { services } from './services.ts';

export async function buildGateway(context: ProcessContext): Promise<App> {
  const app = await createApp({
    title: 'Datenpool Berlin API',
    description:
      'Open data pool for social-space planning in Berlin: LOR units, agencies\' statistics and core indicators.',
    config: context.config,
    database: context.database,
    tags: [
      { name: 'gateway', description: 'Landing page and API documents' },
      { name: 'health', description: 'Liveness and readiness' },
      ...services.flatMap((s) => s.tags ?? []),
    ],
  });
  landingRoutes(
    app,
    services.flatMap((s) => s.landingLinks ?? []),
  );
  await apiDocsRoutes(app);
  for (const service of services) {
    await app.register(async (scoped) => service.routes(scoped as unknown as App));
  }
  return app;
}

/** loads each service's bundled data where the database is still empty */
export async function bootstrapServices(context: ProcessContext, log: FastifyBaseLogger): Promise<void> {
  for (const service of services) await service.bootstrap?.(context, log);
}
