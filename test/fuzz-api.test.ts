// The OpenAPI-driven fuzz test on PostgreSQL with the bundled data (test/support/fuzz-api.ts says what it asserts).
import t from 'tap';
import { testGateway } from './support/app.ts';
import { fuzzApi } from './support/fuzz-api.ts';

t.setTimeout(600_000);
const { app, database } = await testGateway(t);
await fuzzApi(t, app, database.db, { engine: 'postgresql', queryShare: 0.4 });
