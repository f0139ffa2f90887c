// The indicators service as a plugin the gateway mounts: its descriptor and routes.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';

async function routes(_app: App): Promise<void> {}

export const indicatorsService: ServiceDescriptor = {
  name: 'indicators',
  title: 'Indicators',
  routes,
  prefixes: [],
  tags: [],
};
