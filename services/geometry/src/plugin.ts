// The geometry service as a plugin the gateway mounts: its descriptor and routes.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';

async function routes(_app: App): Promise<void> {}

export const geometryService: ServiceDescriptor = {
  name: 'geometry',
  title: 'LOR geometry and OGC API Features',
  routes,
  prefixes: [],
  tags: [],
};
