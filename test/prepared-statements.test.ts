// Repeated parameterised statements go to PostgreSQL as named prepared statements (packages/db/src/prepared.ts): what
// a session then holds, that answers stay right (a table swapped under a prepared statement, texts without
// parameters, many distinct texts) and that DB_PREPARED_STATEMENTS=false sends every statement unnamed.
import { createDb, type DatabaseHandle, sql } from '@datenpool/db';
import t, { type Test } from 'tap';
import { testDatabase } from './support/database.ts';

t.setTimeout(300_000);

/** one session, so that pg_prepared_statements shows what every statement of the handle left there */
async function oneSession(t: Test, url: string, preparedStatements?: boolean): Promise<DatabaseHandle> {
  const handle = await createDb({ databaseUrl: url, dataDir: '', poolMax: 1, statementTimeoutMs: 60_000, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
  t.teardown(() => handle.close());
  return handle;
}

const prepared = async (handle: DatabaseHandle, like: string) =>
  (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements WHERE statement LIKE ${like}`.execute(handle.db)).rows.map((r) => r.statement);

const unitsOf = (handle: DatabaseHandle, version: string) =>
  sql<{ n: number }>`SELECT count(*)::int AS n /* units of */ FROM lor_unit WHERE version = ${version}`.execute(handle.db).then((r) => r.rows[0]?.n);

t.test('a parameterised statement run three times is prepared once per session, and answers for every value', async (t) => {
  const { url } = await testDatabase(t);
  const handle = await oneSession(t, url);
  const expected = Object.fromEntries(
    (await sql<{ version: string; n: number }>`SELECT version, count(*)::int AS n FROM lor_unit GROUP BY version`.execute(handle.db)).rows.map((r) => [r.version, r.n]),
  );
  t.ok((expected['2006'] ?? 0) > 0 && (expected['2021'] ?? 0) > 0, 'both LOR versions have units');
  t.equal(await unitsOf(handle, '2006'), expected['2006']);
  t.equal(await unitsOf(handle, '2021'), expected['2021']);
  t.same(await prepared(handle, '%units of%'), [], 'run twice: still sent unnamed');
  for (const version of ['2006', '2021', '2006', '2021', '1999']) t.equal(await unitsOf(handle, version), expected[version] ?? 0, `units of ${version}`);
  const kept = await prepared(handle, '%units of%');
  t.equal(kept.length, 1, 'one prepared statement for the text, whatever the values');
  t.match(kept[0], /WHERE version = \$1/);
  const mode = (await sql<{ plan_cache_mode: string }>`SHOW plan_cache_mode`.execute(handle.db)).rows[0]?.plan_cache_mode;
  t.equal(mode, 'force_custom_plan', 'each execution is planned with its own values (a bbox is not planned blind)');

  // another handle in the same process: the name is known, its session has not parsed it yet
  const other = await oneSession(t, url);
  t.equal(await unitsOf(other, '2021'), expected['2021'], 'a second pool runs the named text in a session of its own');
  t.equal((await prepared(other, '%units of%')).length, 1);
});

t.test('texts without parameters keep the simple protocol; a table swapped under a prepared statement is read anew', async (t) => {
  const { url } = await testDatabase(t);
  const handle = await oneSession(t, url);
  // several statements in one text (a migration's): no parameters, so the simple protocol, which takes them
  await sql.raw('CREATE TABLE swap_demo (x int); INSERT INTO swap_demo VALUES (1)').execute(handle.db);
  const made = await sql<{ n: number }>`SELECT count(*)::int AS n FROM swap_demo`.execute(handle.db);
  t.equal(made.rows[0]?.n, 1, 'a text of two statements ran both');
  const read = async () => (await sql<{ x: number }>`SELECT x FROM swap_demo WHERE x >= ${0}`.execute(handle.db)).rows.map((r) => r.x);
  for (let i = 0; i < 4; i++) t.same(await read(), [1]);
  t.equal((await prepared(handle, '%swap_demo%')).length, 1, 'the read is prepared');
  // the full recompute's swap: a fresh table renamed into place in one transaction
  await handle.db.transaction().execute(async (trx) => {
    await sql.raw('CREATE TABLE swap_demo_next (x int); INSERT INTO swap_demo_next VALUES (2)').execute(trx);
    await sql.raw('ALTER TABLE swap_demo RENAME TO swap_demo_old; ALTER TABLE swap_demo_next RENAME TO swap_demo').execute(trx);
  });
  t.same(await read(), [2], 'the prepared read sees the table swapped in, not the one it was prepared on');
});

t.test('distinct texts beyond the bound are sent unnamed and still answer', async (t) => {
  const { url } = await testDatabase(t);
  const handle = await oneSession(t, url);
  let wrong = 0;
  for (let i = 0; i < 300; i++) {
    for (let run = 0; run < 3; run++) {
      const { rows } = await sql<{ v: number }>`SELECT ${i}::int + ${sql.lit(i)} AS v /* bound */`.execute(handle.db);
      if (rows[0]?.v !== 2 * i) wrong++;
    }
  }
  t.equal(wrong, 0, '900 statements over 300 texts, every answer right');
  const kept = await prepared(handle, '%/* bound */%');
  t.ok(kept.length > 0 && kept.length <= 256, `at most 256 named texts per process (this session holds ${kept.length})`);
});

t.test('DB_PREPARED_STATEMENTS=false: every statement goes unnamed, plans as PostgreSQL configures', async (t) => {
  const { url } = await testDatabase(t);
  const handle = await oneSession(t, url, false);
  for (let i = 0; i < 5; i++) t.ok(((await unitsOf(handle, "2021")) ?? 0) > 0);
  t.same(await prepared(handle, '%units of%'), [], 'nothing prepared');
  const mode = (await sql<{ plan_cache_mode: string }>`SHOW plan_cache_mode`.execute(handle.db)).rows[0]?.plan_cache_mode;
  t.equal(mode, 'auto');
});
