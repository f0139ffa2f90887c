// The ingest service as a plugin the gateway mounts: its descriptor and routes.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';

async function routes(_app: App): Promise<void> {}

export const ingestService: ServiceDescriptor = {
  name: 'ingest',
  title: 'Ingestion',
  routes,
  prefixes: [],
  tags: [],
};
