// A service as the gateway and its own main see it: routes, landing links, bootstrap of bundled data.
import type { FastifyBaseLogger } from 'fastify';
import { type App, createApp } from './app.ts';
import { openProcessContext, type ProcessContext, serveUntilSignal } from './lifecycle.ts';
import type { SettingsGroup } from './settings.ts';

export interface LandingLink {
  href: string;
  rel: string;
  type?: string;
  title: string;
}

/**
 * The collection provider type of `ServiceDescriptor.collections`: declared by @datenpool/ogc (which builds on this
 * package) by declaration merging, as plugins extend Fastify's types:
 * `declare module '@datenpool/service-kit' { interface ServiceCollectionTypes { provider: CollectionProvider } }`
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by @datenpool/ogc through declaration merging
export interface ServiceCollectionTypes {}
export type ServiceCollectionProvider = ServiceCollectionTypes extends { provider: infer P } ? P : never;

export interface ServiceDescriptor {
  /** short name: `geometry`, `metadata`, …; also the `<NAME>_URL` the gateway proxies to */
  name: string;
  title: string;
  /** registers the service's routes on the app it is given */
  routes: (app: App) => Promise<void>;
  /**
   * the OGC collections the service serves, as new provider instances (they keep per-data-version reads in
   * themselves): the gateway hands every service's providers to the one OGC features plugin
   */
  collections?: () => ServiceCollectionProvider[];
  tags?: Array<{ name: string; description: string }>;
  landingLinks?: LandingLink[];
  /** command-line commands: `pnpm datenpool <name> …` (e.g. `lor import <file>`); exit code */
  commands?: Record<string, (args: string[], context: ProcessContext, log: FastifyBaseLogger) => Promise<number>>;
  /** loads the service's bundled data into an empty database; idempotent */
  bootstrap?: (context: ProcessContext, log: FastifyBaseLogger) => Promise<void>;
  /** run the bootstrap after the server listens (work the service also does lazily on demand) */
  bootstrapAfterListen?: boolean;
  /** the settings groups it reads (settingsOf): read at the start of every process that runs it, a bad value stops it */
  settings?: readonly SettingsGroup<unknown>[];
}

/** builds the app for one service alone, with its own health routes and OpenAPI fragment */
export async function buildServiceApp(descriptor: ServiceDescriptor, context: ProcessContext): Promise<App> {
  const app = await createApp({
    title: `Datenpool ${descriptor.title}`,
    config: context.config,
    database: context.database,
    ...(context.loading ? { loading: context.loading } : {}),
    ...(descriptor.tags ? { tags: descriptor.tags } : {}),
  });
  await app.register(async (scoped) => descriptor.routes(scoped as unknown as App));
  app.get('/api', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** `node services/<name>`: the service alone on its own port */
export async function runStandalone(descriptor: ServiceDescriptor, defaultPort: number): Promise<void> {
  const context = await openProcessContext({ port: defaultPort }, descriptor.settings);
  const app = await buildServiceApp(descriptor, context);
  if (!descriptor.bootstrapAfterListen) await descriptor.bootstrap?.(context, app.log);
  await serveUntilSignal(app, context);
  if (descriptor.bootstrapAfterListen) {
    descriptor.bootstrap?.(context, app.log).catch((err) => app.log.error({ err }, 'background bootstrap failed'));
  }
}
