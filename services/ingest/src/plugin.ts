// The ingest service as a plugin the gateway mounts: its descriptor and routes.
import { type App, type ServiceDescriptor, settingsOf } from '@datenpool/service-kit';
import { bootstrapIngest } from './bootstrap.ts';
import { ingestSettings } from './config.ts';
import { watchPendingDisclosure } from './pipeline/disclosure.ts';
import { batchRoutes } from './routes/batches.ts';
import { pushRoutes, readRoutes } from './routes/observations.ts';
import { sourceRoutes } from './routes/sources.ts';
import { startScheduler } from './scheduler.ts';

async function routes(app: App): Promise<void> {
  const config = settingsOf(app.config, ingestSettings);
  // the raw-stream body parsers stay inside this nested plugin: other routes keep Fastify's parsers
  await app.register(async (scoped) => pushRoutes(scoped as unknown as App, config));
  await readRoutes(app);
  await batchRoutes(app);
  await sourceRoutes(app, config);
  startScheduler(app, config);
  watchPendingDisclosure(app, config.disclosurePollMs);
}

export const ingestService: ServiceDescriptor = {
  name: 'ingest',
  title: 'Ingestion',
  routes,
  bootstrap: bootstrapIngest,
  // the bundled statistics load after the server listens; /ready reports their progress
  bootstrapAfterListen: true,
  settings: [ingestSettings],
  tags: [{ name: 'ingest', description: 'Agencies push observations as batches; revisions, roll-ups, harvests of referenced sources' }],
};
