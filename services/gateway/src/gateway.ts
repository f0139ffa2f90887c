// The gateway app: every service mounted in-process or proxied, the landing page and API documents.
import { releasesExtension } from '@datenpool/metadata';
import { ogcFeatures, ogcSettings } from '@datenpool/ogc';
import { createDownloadFormats } from '@datenpool/ogc/downloads';
import { tilesExtension } from '@datenpool/ogc/tiles';
import { wfsExtension } from '@datenpool/ogc/wfs';
import { type App, createApp, type ProcessContext, settingsOf } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { apiDocsRoutes } from './api-docs.ts';
import { type GatewayConfig, gatewaySettings } from './config.ts';
import { registerFrontDoor } from './front-door.ts';
import { landingRoutes } from './landing.ts';
import { mountProxied } from './proxy.ts';
import { services } from './services.ts';

export async function buildGateway(
  context: ProcessContext,
  gatewayConfig: GatewayConfig = settingsOf(context.config, gatewaySettings),
): Promise<App> {
  const app = await createApp({
    title: 'Datenpool Berlin API',
    description:
      "Open data pool for social-space planning in Berlin: LOR units, agencies' statistics and core indicators.",
    config: context.config,
    database: context.database,
    ...(context.loading ? { loading: context.loading } : {}),
    tags: [
      { name: 'gateway', description: 'Landing page and API documents' },
      { name: 'health', description: 'Liveness and readiness' },
      ...services.flatMap((s) => s.tags ?? []),
    ],
    frontDoor: (app) => registerFrontDoor(app, gatewayConfig),
  });
  landingRoutes(
    app,
    services.flatMap((s) => s.landingLinks ?? []),
  );
  await apiDocsRoutes(app);
  // OGC API Features for every service's collections, answered here in both deployments (with this process's
  // database handle): no service needs another's providers. OGC_NUMBER_MATCHED was parsed at start (ogcSettings).
  const features = ogcFeatures({
    providers: services.flatMap((s) => s.collections?.() ?? []),
    numberMatched: settingsOf(context.config, ogcSettings).numberMatched,
    // f=gpkg, f=csv: the downloads, from the same sources
    itemFormats: createDownloadFormats(),
    // /v1/releases: the release bundles, whose GeoPackages come from the same collections
    extensions: [tilesExtension(), wfsExtension(), releasesExtension()],
  });
  let featuresMounted = false;
  for (const service of services) {
    const upstream = gatewayConfig.upstreams[service.name];
    if (upstream) {
      app.log.info({ service: service.name, upstream }, 'proxying service');
      await mountProxied(app, service, upstream, gatewayConfig);
    } else {
      await app.register(async (scoped) => service.routes(scoped as unknown as App));
    }
    // the OGC routes follow the first service with collections, so the API document keeps its order
    if (!featuresMounted && service.collections) {
      await app.register(async (scoped) => features(scoped as unknown as App));
      featuresMounted = true;
    }
  }
  if (!featuresMounted) await app.register(async (scoped) => features(scoped as unknown as App));
  return app;
}

/**
 * loads each in-process service's bundled data where the database is still empty; `phase`
 * `before-listen` skips the bootstraps a service wants after listening, `after-listen` runs only those
 */
export async function bootstrapServices(
  context: ProcessContext,
  log: FastifyBaseLogger,
  upstreams: Record<string, string> = settingsOf(context.config, gatewaySettings).upstreams,
  phase: 'all' | 'before-listen' | 'after-listen' = 'all',
): Promise<void> {
  for (const service of services) {
    if (upstreams[service.name]) continue;
    const late = service.bootstrapAfterListen === true;
    if (phase === 'before-listen' && late) continue;
    if (phase === 'after-listen' && !late) continue;
    await service.bootstrap?.(context, log);
  }
}
