// An app with the OGC features plugin, every service's collections and the download formats (f=gpkg, f=csv), over a
// test database: what the gateway mounts, without depending on how the gateway composes it.
import { geometryService } from '../../../services/geometry/src/plugin.ts';
import { indicatorsService } from '../../../services/indicators/src/plugin.ts';
import { type App, createApp, serviceConfigFromEnv } from '@datenpool/service-kit';
import { createDownloadFormats } from '../src/downloads/index.ts';
import { type OgcExtension, ogcFeatures, parseNumberMatchedPolicies } from '../src/index.ts';
import { testDatabase } from '../../../test/support/database.ts';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export interface DownloadsAppOptions {
  /** extensions of the features plugin (the release routes) */
  extensions?: OgcExtension[];
  /** other routes of the app (a service's) */
  routes?: (app: App) => Promise<void>;
  /** the database to serve; a fresh copy of the template when not given */
  database?: Awaited<ReturnType<typeof testDatabase>>;
}

export async function downloadsApp(t: TestLike, options: DownloadsAppOptions = {}): Promise<{ app: App; database: Awaited<ReturnType<typeof testDatabase>> }> {
  const database = options.database ?? (await testDatabase(t));
  const { extensions = [], routes } = options;
  const app = await createApp({ title: 'downloads test', config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database });
  const features = ogcFeatures({
    providers: [geometryService, indicatorsService].flatMap((s) => s.collections?.() ?? []),
    numberMatched: parseNumberMatchedPolicies(undefined),
    itemFormats: createDownloadFormats(),
    extensions,
  });
  if (routes) await app.register(async (scoped) => routes(scoped as unknown as App));
  await app.register(async (scoped) => features(scoped as unknown as App));
  await app.ready();
  t.teardown(() => app.close());
  return { app, database };
}
