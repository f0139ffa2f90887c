// A streamed read of the indicator values while a full recompute swaps the table in (services/indicators rebuild:
// drop and rename in one transaction): the cursor's REPEATABLE READ snapshot must not predate the swap, or the
// export reads the new table as empty. The swap is played here by hand on a copy of the bundled values.
import { sql, streamRows } from '@datenpool/db';
import pg from 'pg';
import t from 'tap';
import { testDatabase } from './support/database.ts';

const database = await testDatabase(t);
const { db } = database;
const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM indicator_value`.execute(db)).rows[0]?.n ?? 0;

t.test('a cursor over indicator_value opened during a swap reads the swapped-in table whole', async (t) => {
  await sql`INSERT INTO indicator_value (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, status, provenance)
    VALUES ('swap_test', '2021', 'bezirk', '01', '2024-12-31', '', 1, 'ok', '{"batches":[]}')`.execute(db);
  const rows = await count();
  t.ok(rows > 0, `${rows} values before the swap`);
  const swapper = new pg.Client({ connectionString: database.url });
  await swapper.connect();
  t.teardown(() => swapper.end());
  await swapper.query('BEGIN');
  await swapper.query('CREATE TABLE indicator_value_next (LIKE indicator_value INCLUDING ALL)');
  await swapper.query('INSERT INTO indicator_value_next SELECT * FROM indicator_value');
  // as the rebuild does it: the published view over the table (migration 0060) locked first, dropped with the table and
  // created again from its definition over the fresh one
  const view = (await swapper.query(`SELECT pg_get_viewdef('indicator_value_published'::regclass) AS d`)).rows[0].d as string;
  await swapper.query('LOCK TABLE indicator_value_published, indicator_value IN ACCESS EXCLUSIVE MODE');
  await swapper.query('DROP VIEW indicator_value_published');
  await swapper.query('DROP TABLE indicator_value');
  await swapper.query('ALTER TABLE indicator_value_next RENAME TO indicator_value');
  await swapper.query(`CREATE VIEW indicator_value_published AS ${view.trim().replace(/;$/, '')}`);
  // the exports start while the swap holds its lock: their cursors wait for it, over the table and over the view
  const read = async (relation: 'indicator_value' | 'indicator_value_published') => {
    let n = 0;
    const query = sql<{ unit_id: string }>`SELECT unit_id FROM ${sql.table(relation)}`;
    for await (const batch of streamRows(database, query, { batchSize: 5_000 })) n += batch.length;
    return n;
  };
  const reads = [read('indicator_value'), read('indicator_value_published')];
  await new Promise((r) => setTimeout(r, 300));
  const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation IS NOT NULL`.execute(db);
  t.ok((waiting.rows[0]?.n ?? 0) >= 2, 'both cursors wait for the swap');
  await swapper.query('COMMIT');
  const [fromTable, fromView] = await Promise.all(reads);
  t.equal(fromTable, rows, 'the streamed read has every value of the swapped-in table');
  t.equal(fromView, rows, 'the streamed read of the published view too');
});
