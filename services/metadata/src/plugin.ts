// The metadata service as a plugin the gateway mounts: its descriptor and routes.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';

async function routes(_app: App): Promise<void> {}

export const metadataService: ServiceDescriptor = {
  name: 'metadata',
  title: 'Metadata and access control',
  routes,
  prefixes: [],
  tags: [],
};
