// The OpenAPI-driven fuzz test on the embedded database (PGlite, what `npm start` runs on): migrations and the seeded
// catalog, without the bundled data (its load takes minutes there), and a smaller share of query and body values, to
// stay bounded (PGlite's start alone takes up to a minute on a loaded machine); still at least 5 000 requests.
import { createDb, migrateToLatest } from '@datenpool/db';
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { fuzzApi } from './support/fuzz-api.ts';

t.setTimeout(600_000);
const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 60_000 });
t.teardown(() => database.close());
await migrateToLatest(database.db);
const app = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database }, gatewayConfigFromEnv({ RATE_LIMIT_MAX: '1000000' }, []));
await app.ready();
t.teardown(() => app.close());
await fuzzApi(t, app, database.db, { engine: 'pglite', queryShare: 0.2, bodyShare: 0.5, withoutData: true });
