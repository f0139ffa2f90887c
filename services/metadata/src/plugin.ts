// The metadata service as a plugin the gateway mounts: its descriptor and routes.
import type { App, ServiceDescriptor } from '@datenpool/service-kit';
import { bootstrapMetadata } from './bootstrap.ts';
import { metadataSettings } from './config.ts';
import { agencyRoutes } from './routes/agencies.ts';
import { auditRoutes } from './routes/audit.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { indicatorRoutes } from './routes/indicators.ts';
import { keyRoutes } from './routes/keys.ts';
import { sourceRoutes } from './routes/sources.ts';
import { targetRoutes } from './routes/targets.ts';
import { variableRoutes } from './routes/variables.ts';

async function routes(app: App): Promise<void> {
  await agencyRoutes(app);
  await variableRoutes(app);
  await indicatorRoutes(app);
  await targetRoutes(app);
  await sourceRoutes(app);
  await keyRoutes(app);
  await auditRoutes(app);
  await catalogRoutes(app);
}

export const metadataService: ServiceDescriptor = {
  name: 'metadata',
  title: 'Metadata and access control',
  routes,
  tags: [
    { name: 'metadata', description: 'Agencies, variables, indicator definitions, referenced sources, DCAT-AP catalog' },
    { name: 'access', description: 'API keys (admin): create, list, revoke; the audit trail' },
  ],
  landingLinks: [
    { href: '/v1/indicators', rel: 'data', type: 'application/json', title: 'Indicator definitions (Kernindikatoren)' },
    { href: '/v1/variables', rel: 'data', type: 'application/json', title: 'Variables (Fachdaten)' },
    { href: '/v1/catalog.jsonld', rel: 'describedby', type: 'application/ld+json', title: 'DCAT-AP.de catalog (JSON-LD)' },
    { href: '/v1/catalog.ttl', rel: 'describedby', type: 'text/turtle', title: 'DCAT-AP.de catalog (Turtle)' },
  ],
  bootstrap: (context, log) => bootstrapMetadata(context, log),
  settings: [metadataSettings],
};
