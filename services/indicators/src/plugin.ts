// The indicators service as a plugin the gateway mounts: its descriptor, routes and bootstrap (a full recompute).
import type { App, ServiceDescriptor } from '@datenpool/service-kit';
import { registerCollectionProvider } from '@datenpool/ogc';
import { indicatorConfigFromEnv } from './config.ts';
import { indicatorLayers } from './layers.ts';
import { recomputeAll } from './recompute.ts';
import { profileRoutes } from './routes/profile.ts';
import { seriesRoutes } from './routes/series.ts';
import { valueRoutes } from './routes/values.ts';

async function routes(app: App): Promise<void> {
  const config = indicatorConfigFromEnv();
  await valueRoutes(app, config);
  await seriesRoutes(app, config);
  await profileRoutes(app, config);
  registerCollectionProvider(indicatorLayers(config));
}

export const indicatorsService: ServiceDescriptor = {
  name: 'indicators',
  title: 'Indicators',
  routes,
  prefixes: ['/v1/indicators/', '/v1/units/'],
  tags: [{ name: 'indicators', description: 'Indicator values, series, unit profiles (computed from observations)' }],
  // the values are also computed lazily on the first request, so the server need not wait
  bootstrapAfterListen: true,
  async bootstrap(context, log) {
    const report = await recomputeAll(context.database.db, indicatorConfigFromEnv());
    log.info({ indicators: report.indicators.length, values: report.valuesWritten, seconds: report.seconds }, 'indicator values computed');
  },
};
