// The geometry service as a plugin the gateway mounts: its descriptor and routes.
import { type App, BadRequest, type ServiceDescriptor } from '@datenpool/service-kit';
import { lorCommand } from './commands.ts';
import { bootstrapLor } from './import/bootstrap.ts';
import { facilityCollections } from './facility-collections.ts';
import { lorCollections } from './lor-collections.ts';
import { lorRoutes } from './routes/lor.ts';
import { crosswalkRoutes } from './routes/lor-crosswalk.ts';

async function routes(app: App): Promise<void> {
  // PostgreSQL text cannot hold NUL: refuse it once here instead of failing in a query
  app.addHook('onRequest', async (request) => {
    if (/%00/.test(request.url)) throw new BadRequest('The request contains a NUL character (%00).');
  });
  await lorRoutes(app);
  await crosswalkRoutes(app);
}

export const geometryService: ServiceDescriptor = {
  name: 'geometry',
  title: 'LOR geometry and OGC API Features',
  routes,
  // served by the OGC features plugin of whoever answers /collections (the gateway)
  collections: () => [lorCollections(), facilityCollections()],
  tags: [
    { name: 'lor', description: 'LOR units: hierarchy, point location and the 2006 ↔ 2021 crosswalk' },
    { name: 'ogc', description: 'OGC API Features (Parts 1, 2, 3, 5): LOR units and other layers' },
  ],
  landingLinks: [
    { href: '/conformance', rel: 'conformance', type: 'application/json', title: 'Conformance classes (OGC API)' },
    { href: '/collections', rel: 'data', type: 'application/json', title: 'Feature collections (OGC API Features)' },
    { href: '/wfs?service=WFS&request=GetCapabilities', rel: 'service', type: 'text/xml', title: 'The same collections as WFS 2.0 (GetCapabilities)' },
  ],
  commands: { lor: lorCommand },
  bootstrap: (context, log) => bootstrapLor(context.database.db, log),
};
