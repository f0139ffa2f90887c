// The geometry service as a plugin the gateway mounts: its descriptor and routes.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';
import { lorCommand } from './commands.ts';
import { bootstrapLor } from './import/bootstrap.ts';
import { lorRoutes } from './routes/lor.ts';

async function routes(app: App): Promise<void> {
  await lorRoutes(app);
}

export const geometryService: ServiceDescriptor = {
  name: 'geometry',
  title: 'LOR geometry and OGC API Features',
  routes,
  prefixes: ['/v1/lor'],
  tags: [{ name: 'lor', description: 'LOR units: hierarchy and point location' }],
  commands: { lor: lorCommand },
  bootstrap: (context, log) => bootstrapLor(context.database.db, log),
};
