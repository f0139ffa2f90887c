// The OpenAPI-driven fuzz test on the embedded database (PGlite, what `npm start` runs on): migrations and the seeded
// catalog, without the bundled data (its load takes minutes there), and a smaller share of query values, to stay bounded.
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
await fuzzApi(t, app, database.db, { engine: 'pglite', queryShare: 0.2, withoutData: true });
