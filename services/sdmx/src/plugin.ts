// The SDMX facade as a plugin the gateway mounts: SDMX REST 2.1 structure and data queries.
import { indicatorSettings } from '@datenpool/indicators';
import type { App, ServiceDescriptor } from '@datenpool/service-kit';
import { dataRoutes } from './routes/data.ts';
import { structureRoutes } from './routes/structure.ts';

async function routes(app: App): Promise<void> {
  await structureRoutes(app);
  await dataRoutes(app);
}

export const sdmxService: ServiceDescriptor = {
  name: 'sdmx',
  title: 'SDMX',
  routes,
  // the as-of computation uses the indicator settings
  settings: [indicatorSettings],
  tags: [{ name: 'sdmx', description: 'SDMX REST 2.1: dataflows, structures, data as SDMX-CSV 2.0, SDMX-JSON 2.0, SDMX-ML 2.1' }],
  landingLinks: [
    { href: '/sdmx/2.1/dataflow', rel: 'data', type: 'application/vnd.sdmx.structure+xml;version=2.1', title: 'SDMX dataflows' },
  ],
};
