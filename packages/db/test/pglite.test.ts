// The embedded mode: the same migrations and a PostGIS query run on PGlite.
import { sql } from 'kysely';
import t from 'tap';
import { createDb, migrateToLatest } from '../src/index.ts';

t.test('migrations and a spatial query run on embedded PGlite', async (t) => {
  const handle = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 30_000 });
  t.teardown(() => handle.close());
  t.equal(handle.capabilities.engine, 'pglite');
  t.equal(handle.capabilities.mvt, false, 'PGlite PostGIS has no ST_AsMVT, detected at start');
  const results = await migrateToLatest(handle.db);
  t.ok(results.length >= 2, 'migrations applied');
  t.ok(results.every((r) => r.status === 'Success'));
  const versions = await handle.db.selectFrom('lor_version').select(['version', 'valid_from']).orderBy('version').execute();
  t.same(
    versions,
    [
      { version: '2006', valid_from: '2006-08-01' },
      { version: '2021', valid_from: '2021-01-01' },
    ],
    'dates come back as ISO strings',
  );
  const { rows } = await sql<{ x: number }>`select round(ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(13.4, 52.5), 4326), 25833))) as x`.execute(handle.db);
  t.equal(rows[0]?.x, 391391);
});

t.test('concurrent transactions on PGlite do not interleave', async (t) => {
  const handle = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 30_000 });
  t.teardown(() => handle.close());
  await sql`create table counter (n int)`.execute(handle.db);
  await sql`insert into counter values (0)`.execute(handle.db);
  await Promise.all(
    Array.from({ length: 10 }, () =>
      handle.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
        await new Promise((r) => setTimeout(r, 5));
        await sql`update counter set n = ${(rows[0]?.n ?? 0) + 1}`.execute(trx);
      }),
    ),
  );
  const { rows } = await sql<{ n: number }>`select n from counter`.execute(handle.db);
  t.equal(rows[0]?.n, 10, 'every increment kept');
});
