// The full recompute as rebuild and swap: the rebuilt table equals what the in-place merge and the incremental
// recompute leave, row for row and column for column; indexes, constraints and names survive the swap; a reader in a
// concurrent transaction reads the old values until the swap (PostgreSQL); the same on the embedded PGlite.
import { randomUUID } from 'node:crypto';
import { createDb, type Database, type DatabaseHandle, type Kysely, migrateToLatest, sql } from '@datenpool/db';
import t, { type Test } from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { enqueueBatchRecompute } from '../../ingest/src/queries/recompute-queue.ts';
import { indicatorConfigFromEnv } from '../src/config.ts';
import { recomputeAll, recomputePending } from '../src/engine/recompute.ts';
import { loadFixture, VERSION } from './fixture.ts';

const config = indicatorConfigFromEnv();
// seven full recomputes of the bundled data on PostgreSQL (about 30 s each on a busy machine), then the fixture on PGlite
t.setTimeout(900_000);

/** a copy of indicator_value under `name` (no dependency on it: CREATE TABLE AS) */
async function snapshot(database: DatabaseHandle, name: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(database.db);
  await sql`CREATE TABLE ${sql.table(name)} AS SELECT * FROM indicator_value`.execute(database.db);
}

/** rows of indicator_value that differ from the snapshot in any column (both directions), a few of each */
async function differences(database: DatabaseHandle, name: string): Promise<{ missing: unknown[]; extra: unknown[]; rows: number }> {
  const s = sql.table(name);
  const missing = await sql`SELECT * FROM (SELECT * FROM ${s} EXCEPT ALL SELECT * FROM indicator_value) x LIMIT 5`.execute(database.db);
  const extra = await sql`SELECT * FROM (SELECT * FROM indicator_value EXCEPT ALL SELECT * FROM ${s}) x LIMIT 5`.execute(database.db);
  const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM indicator_value`.execute(database.db);
  return { missing: missing.rows, extra: extra.rows, rows: rows.rows[0]?.n ?? 0 };
}

/** indexes with their definitions and constraints with theirs: what the swap must keep */
async function shape(database: DatabaseHandle) {
  const indexes = await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_indexes
    WHERE tablename = 'indicator_value' ORDER BY 1`.execute(database.db);
  const constraints = await sql<{ name: string; def: string }>`SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE conrelid = 'indicator_value'::regclass ORDER BY 1`.execute(database.db);
  const columns = await sql<{ name: string; type: string; collation: string | null; notnull: boolean; def: string | null }>`
    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, co.collname AS collation, a.attnotnull AS notnull,
      pg_get_expr(d.adbin, d.adrelid) AS def
    FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = 'indicator_value'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`.execute(database.db);
  return { indexes: indexes.rows, constraints: constraints.rows, columns: columns.rows };
}

/** a correction of one year of `variable` for every unit (totals only), landed with its queue entry */
async function correct(database: DatabaseHandle, variable: string, date: string, delta: number): Promise<string> {
  const batch = randomUUID();
  await database.db.transaction().execute(async (trx) => {
    await trx.insertInto('ingest_batch').values({ id: batch, variable_id: variable, lor_version: VERSION, status: 'accepted', errors: '[]', warnings: '[]', finished_at: new Date() }).execute();
    await sql`WITH closed AS (
        UPDATE observation SET valid_to = now() WHERE variable_id = ${variable} AND ref_date = ${date}::date AND breakdown = '' AND valid_to IS NULL
        RETURNING variable_id, lor_version, level, unit_id, ref_date, breakdown, value)
      INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, batch_id)
      SELECT variable_id, lor_version, level, unit_id, ref_date, breakdown, value + ${delta}, ${batch}::uuid FROM closed`.execute(trx);
    await enqueueBatchRecompute(trx, batch, variable, VERSION);
  });
  return batch;
}

/**
 * the published view (migration 0060) after a swap: created again over the fresh table, every row of it, suppressed
 * values without value, numerator and denominator, the others as stored
 */
async function published(t: Test, database: DatabaseHandle) {
  const { rows } = await sql<{ viewed: number; stored: number; withheld: number; leaked: number; differ: number }>`SELECT
      (SELECT count(*)::int FROM indicator_value_published) AS viewed, (SELECT count(*)::int FROM indicator_value) AS stored,
      (SELECT count(*)::int FROM indicator_value_published WHERE status = 'suppressed') AS withheld,
      (SELECT count(*)::int FROM indicator_value_published WHERE status = 'suppressed'
        AND (value IS NOT NULL OR numerator IS NOT NULL OR denominator IS NOT NULL)) AS leaked,
      (SELECT count(*)::int FROM indicator_value s JOIN indicator_value_published p USING (indicator_id, lor_version, ref_date, level, unit_id, breakdown)
        WHERE s.status <> 'suppressed' AND (s.value, s.numerator, s.denominator) IS DISTINCT FROM (p.value, p.numerator, p.denominator)) AS differ`.execute(
    database.db,
  );
  const r = rows[0] as { viewed: number; stored: number; withheld: number; leaked: number; differ: number };
  t.equal(r.viewed, r.stored, `indicator_value_published reads the swapped-in table (${r.viewed} rows)`);
  t.ok(r.withheld > 0, `${r.withheld} suppressed values in the fixture`);
  t.equal(r.leaked, 0, 'no suppressed value shows a value, numerator or denominator');
  t.equal(r.differ, 0, 'the others as stored');
}

/** the checks every engine runs: merge and rebuild agree, the incremental result is what a rebuild leaves, twice */
async function agreement(t: Test, database: DatabaseHandle) {
  const before = await shape(database);
  t.ok(before.indexes.length >= 2 && before.constraints.some((c) => c.name === 'indicator_value_pk'), 'the migrations\' indexes and primary key');

  // a correction, computed by the full recompute in place (a view on indicator_value that another view reads keeps the
  // rebuild from dropping it: the swap creates plain views again, not what depends on them)
  const first = await correct(database, 'tx_zuzug', '2021-12-31', 300);
  await sql`CREATE VIEW rebuild_test_view AS SELECT indicator_id, value FROM indicator_value`.execute(database.db);
  await sql`CREATE VIEW rebuild_test_view_reader AS SELECT * FROM rebuild_test_view`.execute(database.db);
  const merged = await recomputeAll(database.db, config);
  t.ok(merged.valuesWritten > 0, `the in-place full recompute wrote the correction (${merged.valuesWritten} values)`);
  t.ok((await sql<{ n: number }>`SELECT count(*)::int AS n FROM rebuild_test_view_reader`.execute(database.db)).rows[0]?.n, 'the views still read');
  await sql`DROP VIEW rebuild_test_view_reader`.execute(database.db);
  await sql`DROP VIEW rebuild_test_view`.execute(database.db);
  await snapshot(database, 'rebuild_snap');

  // the rebuild computes everything again into a fresh table: the same rows, values, annotations, provenance and computed_at
  const rebuilt = await recomputeAll(database.db, config);
  let d = await differences(database, 'rebuild_snap');
  t.same(d.missing, [], 'no row of the in-place result is missing or different');
  t.same(d.extra, [], 'no row the in-place result lacks');
  t.ok(d.rows > 1000, `${d.rows} values`);
  t.match(rebuilt, { mode: 'full', valuesWritten: 0, valuesRemoved: 0 }, 'the rebuild reports nothing changed');
  t.same(await shape(database), before, 'the same columns, collations, defaults, indexes and constraints under the same names');
  await published(t, database);
  const provenance = await sql<{ n: number }>`SELECT count(*)::int AS n FROM indicator_value WHERE provenance::text LIKE ${`%${first}%`}`.execute(database.db);
  t.ok((provenance.rows[0]?.n ?? 0) > 0, 'values name the correcting batch');

  // another correction through the incremental recompute (the merge), then a rebuild: it leaves exactly that
  const second = await correct(database, 'tx_ew', '2022-06-30', 900);
  const incremental = await recomputePending(database.db, config);
  t.equal(incremental?.mode, 'incremental');
  t.ok((incremental?.valuesWritten ?? 0) > 0, 'the incremental recompute wrote the correction');
  await snapshot(database, 'rebuild_snap');
  const again = await recomputeAll(database.db, config);
  d = await differences(database, 'rebuild_snap');
  t.same(d.missing, [], 'the rebuild after the incremental recompute: no row missing or different');
  t.same(d.extra, []);
  t.match(again, { valuesWritten: 0, valuesRemoved: 0 });
  t.ok(JSON.stringify((await sql`SELECT provenance FROM indicator_value WHERE provenance::text LIKE ${`%${second}%`} LIMIT 1`.execute(database.db)).rows).includes(second));

  // a rebuild that changes values: the changed rows get a new computed_at, the others keep theirs; twice in a row
  await snapshot(database, 'rebuild_snap');
  const third = await correct(database, 'tx_sgb2', '2020-12-31', 40);
  const changed = await recomputeAll(database.db, config);
  t.ok(changed.valuesWritten > 0, `a rebuild over a correction counts the changed values (${changed.valuesWritten})`);
  const moved = await sql<{ changed: number; kept: number; named: number }>`SELECT
      count(*) FILTER (WHERE v.computed_at <> s.computed_at)::int AS changed,
      count(*) FILTER (WHERE v.computed_at = s.computed_at)::int AS kept,
      count(*) FILTER (WHERE v.computed_at <> s.computed_at AND v.provenance::text LIKE ${`%${third}%`})::int AS named
    FROM indicator_value v JOIN rebuild_snap s USING (indicator_id, lor_version, ref_date, level, unit_id, breakdown)`.execute(database.db);
  const m = moved.rows[0] as { changed: number; kept: number; named: number };
  t.ok(m.changed > 0 && m.changed <= changed.valuesWritten, `${m.changed} rows with a new computed_at, at most the ${changed.valuesWritten} written`);
  t.ok(m.named > 0, 'rows naming the new batch have a new computed_at');
  t.ok(m.kept > m.changed, `${m.kept} rows kept their computed_at`);
  t.equal((await recomputeAll(database.db, config)).valuesWritten, 0, 'the next rebuild finds nothing to change');
  t.same(await shape(database), before, 'names and definitions after repeated swaps');
  await published(t, database);
  // the constraints hold on the swapped-in table
  const row = await database.db.selectFrom('indicator_value').selectAll().limit(1).executeTakeFirstOrThrow();
  await t.rejects(database.db.insertInto('indicator_value').values({ ...row, provenance: JSON.stringify(row.provenance) }).execute(), { code: '23505' }, 'the primary key holds');
  await t.rejects(
    sql`UPDATE indicator_value SET status = 'unknown' WHERE indicator_id = ${row.indicator_id} AND unit_id = ${row.unit_id}`.execute(database.db),
    { code: '23514' },
    'the status check holds',
  );
  const leftovers = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'indicator\\_value%\\_next%'`.execute(database.db);
  t.equal(leftovers.rows[0]?.n, 0, 'no fresh table or pending index is left');
  await sql`DROP TABLE rebuild_snap`.execute(database.db);
}

t.test('PostgreSQL', async (t) => {
  const database = await testDatabase(t);
  await loadFixture(database);
  await agreement(t, database);

  t.test('a reader in a concurrent transaction reads the old values until the swap, then the new ones', async (t) => {
    const read = async (db: Kysely<Database> = database.db) =>
      (await sql<{ value: number; n: number }>`SELECT max(value) FILTER (WHERE level = 'berlin') AS value, count(*)::int AS n
        FROM indicator_value WHERE indicator_id = 'tx_wanderung' AND ref_date = '2022-12-31'`.execute(db)).rows[0] as { value: number; n: number };
    const old = await read();
    await correct(database, 'tx_zuzug', '2022-12-31', 1000);
    // the rebuild reaches the swap and waits for the reader's lock
    const waiting = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'indicator_value' AND l.mode = 'AccessExclusiveLock' AND NOT l.granted`.execute(database.db)).rows[0]?.n;
    // the reader's transaction, on a connection of its own, reads the table before the rebuild swaps: it holds the
    // table until it ends
    const report = await database.db.connection().execute(async (reader) => {
      await sql`BEGIN`.execute(reader);
      t.same(await read(reader), old, 'in the transaction: the old values');
      const rebuild = recomputeAll(database.db, config);
      const deadline = Date.now() + 120_000;
      while (!(await waiting()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      t.ok(await waiting(), 'the swap waits for the reader');
      t.same(await read(reader), old, 'still the old values while the swap waits, every row there');
      await sql`COMMIT`.execute(reader);
      return rebuild;
    });
    t.ok(report.valuesWritten > 0);
    const now = await read();
    t.equal(now.n, old.n, 'the same rows after the swap');
    t.not(now.value, old.value, 'the new values after it');
    // a reader outside a transaction during a whole rebuild: never an empty or partial table, old values then new ones
    await correct(database, 'tx_zuzug', '2022-12-31', 1000);
    const seen: number[] = [];
    let done = false;
    const second = recomputeAll(database.db, config).finally(() => (done = true));
    while (!done) {
      const r = await read();
      t.equal(r.n, old.n, 'every row, at any time');
      const viewed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM indicator_value_published
        WHERE indicator_id = 'tx_wanderung' AND ref_date = '2022-12-31'`.execute(database.db);
      t.equal(viewed.rows[0]?.n, old.n, 'every row through the published view, at any time (dropped and created again by the swap)');
      seen.push(r.value);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await second;
    const last = (await read()).value;
    const firstNew = seen.indexOf(last);
    t.ok(seen.length > 3 && seen[0] === now.value, `${seen.length} reads during the rebuild, the first ones the values before it`);
    t.ok(firstNew === -1 || seen.slice(firstNew).every((v) => v === last), 'once the new values are read, only they are');
    t.ok(seen.slice(0, firstNew === -1 ? seen.length : firstNew).every((v) => v === now.value), 'before, only the old ones');
  });
});

t.test('PGlite', async (t) => {
  const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 120_000 });
  t.teardown(() => database.close());
  t.equal(database.capabilities.engine, 'pglite');
  await migrateToLatest(database.db);
  await loadFixture(database);
  await agreement(t, database);
});
