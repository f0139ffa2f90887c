// The viewer as a plugin the gateway mounts: the built web application under /viewer/ and the simplified units it draws.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';
import { appRoutes } from './routes/app.ts';
import { unitRoutes } from './routes/units.ts';

async function routes(app: App): Promise<void> {
  await unitRoutes(app);
  await appRoutes(app);
}

export const viewerService: ServiceDescriptor = {
  name: 'viewer',
  title: 'Map viewer and unit profiles',
  routes,
  tags: [{ name: 'viewer', description: 'The map viewer and unit profiles (a web application)' }],
  landingLinks: [{ href: '/viewer/', rel: 'related', type: 'text/html', title: 'Map viewer and unit profiles' }],
};
