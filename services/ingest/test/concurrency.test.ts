// Concurrent pushes: the same key from many batches at once, concurrent Idempotency-Key replays, report counts (PostgreSQL and PGlite).
import { createDb, type Database, type Kysely, migrateToLatest, sql } from '@datenpool/db';
import { buildGateway, gatewayConfigFromEnv } from '../../gateway/src/index.ts';
import { type App, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { addKey, addVariable, auth, baseFixtures, lor2021Units } from './fixtures.ts';

/** what a subtest's callback is given */
type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

// the embedded database creates its schema in the test, and runs the pushes one at a time
t.setTimeout(600_000);

const plrs = lor2021Units().filter((u) => u.level === 'planungsraum').map((u) => u.id);

interface Answer {
  statusCode: number;
  body: Record<string, unknown>;
}

async function pushJson(app: App, key: string, variable: string, observations: unknown[], headers: Record<string, string> = {}): Promise<Answer> {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/variables/${variable}/observations?lorVersion=2021`,
    headers: { ...auth(key), 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ observations }),
  });
  return { statusCode: res.statusCode, body: res.json() };
}

interface Revision {
  id: number;
  value: number | null;
  batch_id: string;
  valid_from: string;
  valid_to: string | null;
}

/** every revision of one key in the order of its instants, with the instants as exact text */
async function revisionsOf(db: Kysely<Database>, variable: string, unit: string, date: string): Promise<Revision[]> {
  return (
    await sql<Revision>`SELECT id, value, batch_id, valid_from::text AS valid_from, valid_to::text AS valid_to FROM observation
      WHERE variable_id = ${variable} AND lor_version = '2021' AND unit_id = ${unit} AND ref_date = ${date}::date AND breakdown = ''
      ORDER BY valid_from, id`.execute(db)
  ).rows;
}

const rowsOf = (a: Answer) => {
  const rows = a.body.rows as { new: number; revised: number; unchanged: number };
  return { new: rows.new, revised: rows.revised, unchanged: rows.unchanged };
};

/**
 * n concurrent pushes of different values to one key, then what a client can check: every push answered 201,
 * every value stored once as a revision, the revisions a gapless chain in the order they were written (the
 * sequence of observation ids is taken under the key's lock), and each answer's counts matching its revision
 */
async function concurrentPushesToOneKey(t: TapTest, app: App, db: Kysely<Database>, key: string, variable: string, n: number) {
  const unit = plrs[0]!;
  const date = '2023-12-31';
  const values = Array.from({ length: n }, (_, i) => 1000 + i * 7);
  const answers = await Promise.all(values.map((value) => pushJson(app, key, variable, [{ unit, date, value }])));
  t.same(answers.map((a) => a.statusCode), values.map(() => 201), `all ${n} pushes answer 201 (${answers.map((a) => (a.statusCode === 201 ? 201 : `${a.statusCode} ${a.body.detail}`)).join(', ')})`);

  const revisions = await revisionsOf(db, variable, unit, date);
  t.equal(revisions.length, n, `${n} values, ${n} revisions`);
  t.same([...revisions.map((r) => r.value)].sort((a, b) => a! - b!), values, 'every pushed value is stored exactly once');
  t.same(revisions.map((r) => r.id), [...revisions.map((r) => r.id)].sort((a, b) => a - b), 'revision instants follow the order the revisions were written');
  t.equal(revisions.filter((r) => r.valid_to === null).length, 1, 'one revision is current');
  t.equal(revisions.at(-1)!.valid_to, null, 'the current one is the last written');
  for (let i = 1; i < revisions.length; i++) {
    t.equal(revisions[i - 1]!.valid_to, revisions[i]!.valid_from, `revision ${i} ends when revision ${i + 1} begins`);
    t.ok(revisions[i - 1]!.valid_from < revisions[i]!.valid_from, `revision ${i + 1} begins after revision ${i}`);
  }

  const byBatch = new Map(answers.map((a) => [a.body.id as string, a]));
  t.equal(byBatch.size, n, 'one batch per push');
  revisions.forEach((r, i) => {
    const answer = byBatch.get(r.batch_id);
    t.ok(answer, `revision ${i + 1} belongs to a batch that was answered`);
    t.same(rowsOf(answer!), i === 0 ? { new: 1, revised: 0, unchanged: 0 } : { new: 0, revised: 1, unchanged: 0 },
      `the answer of revision ${i + 1} says ${i === 0 ? 'new' : 'revised'}`);
  });
  t.equal(answers.filter((a) => rowsOf(a).unchanged > 0).length, 0, 'no answer says unchanged');
}

/** n concurrent pushes of one body with one Idempotency-Key: one batch; every answer the first answer or a 409 */
async function concurrentReplays(t: TapTest, app: App, db: Kysely<Database>, key: string, variable: string, n: number) {
  const observations = [{ unit: plrs[5], date: '2022-12-31', value: 42 }, { unit: plrs[6], date: '2022-12-31', value: 43 }];
  const headers = { 'idempotency-key': `conc-${variable}` };
  const answers = await Promise.all(Array.from({ length: n }, () => pushJson(app, key, variable, observations, headers)));
  const batches = await db.selectFrom('ingest_batch').select(['id', 'status']).where('variable_id', '=', variable).where('idempotency_key', '=', headers['idempotency-key']).execute();
  t.equal(batches.length, 1, 'exactly one batch holds the key');
  t.equal(batches[0]?.status, 'accepted');
  const codes = answers.map((a) => a.statusCode);
  t.ok(codes.every((c) => c === 201 || c === 409), `every answer is 201 or 409 (${codes.join(', ')})`);
  const landed = answers.filter((a) => a.statusCode === 201);
  t.ok(landed.length >= 1, 'at least the first push answers 201');
  for (const a of landed) t.same(a.body, landed[0]!.body, 'every 201 is the same answer');
  t.equal(landed[0]!.body.id, batches[0]!.id, 'the answer names the one batch');
  for (const a of answers.filter((x) => x.statusCode === 409)) t.match(a.body, { status: 409, detail: /Idempotency-Key is (still|already) running/ }, '409 says the first is still running');
  const later = await pushJson(app, key, variable, observations, headers);
  t.equal(later.statusCode, 201, 'a replay afterwards answers 201');
  t.same(later.body, landed[0]!.body, 'and replays the first answer');
  t.equal(
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE variable_id = ${variable}`.execute(db)).rows[0]!.n),
    2,
    'the rows are stored once',
  );
}

/** new, revised and unchanged rows in one batch's report */
async function reportCounts(t: TapTest, app: App, key: string, variable: string) {
  const [a, b, c] = [plrs[10], plrs[11], plrs[12]];
  const first = await pushJson(app, key, variable, [{ unit: a, date: '2021-12-31', value: 1 }, { unit: b, date: '2021-12-31', value: 2 }]);
  t.equal(first.statusCode, 201, JSON.stringify(first.body));
  t.same(rowsOf(first), { new: 2, revised: 0, unchanged: 0 }, 'two new rows');
  const second = await pushJson(app, key, variable, [
    { unit: a, date: '2021-12-31', value: 1 },
    { unit: b, date: '2021-12-31', value: 3 },
    { unit: c, date: '2021-12-31', value: 4 },
  ]);
  t.equal(second.statusCode, 201, JSON.stringify(second.body));
  t.same(rowsOf(second), { new: 1, revised: 1, unchanged: 1 }, 'one new, one revised, one unchanged');
}

t.test('PostgreSQL', async (t) => {
  const { app, database } = await testGateway(t);
  const { db } = database;
  await baseFixtures(db);
  for (const id of ['c_key', 'c_mixed', 'c_idem', 'c_counts']) await addVariable(db, { id, agency: 'afs', referenceDate: 'any' });
  const key = await addKey(db, 'afs', ['ingest:write']);

  t.test('8 concurrent pushes to one key: every value a revision in commit order, no 500', (t) => concurrentPushesToOneKey(t, app, db, key, 'c_key', 8));

  t.test('batches too large to lock key by key serialise with small ones on the same keys', async (t) => {
    const date = '2024-12-31';
    const big = plrs.slice(0, 300);
    const pushes = [
      ...[0, 1, 2].map((i) => pushJson(app, key, 'c_mixed', big.map((unit, j) => ({ unit, date, value: i * 1000 + j })))),
      ...[3, 4, 5, 6].map((i) => pushJson(app, key, 'c_mixed', [{ unit: big[0], date, value: i * 1000 }, { unit: big[299], date, value: i * 1000 + 299 }])),
    ];
    const answers = await Promise.all(pushes);
    t.same(answers.map((a) => a.statusCode), answers.map(() => 201), 'every push answers 201');
    for (const unit of [big[0]!, big[150]!, big[299]!]) {
      const revisions = await revisionsOf(db, 'c_mixed', unit, date);
      const expected = unit === big[150] ? 3 : 7;
      t.equal(revisions.length, expected, `${unit}: one revision per push that named it`);
      for (let i = 1; i < revisions.length; i++) t.equal(revisions[i - 1]!.valid_to, revisions[i]!.valid_from, `${unit}: revision ${i} ends where ${i + 1} begins`);
    }
    const counted = answers.reduce((n, a) => n + rowsOf(a).new + rowsOf(a).revised, 0);
    const stored = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE variable_id = 'c_mixed'`.execute(db)).rows[0]!.n);
    t.equal(counted, stored, 'the answers count every stored revision, new or revised');
    t.equal(answers.reduce((n, a) => n + rowsOf(a).unchanged, 0), 0, 'no answer says unchanged');
  });

  t.test('20 concurrent replays of one Idempotency-Key: one batch, each answer the first or a 409', (t) => concurrentReplays(t, app, db, key, 'c_idem', 20));

  t.test('the report counts new, revised and unchanged rows', (t) => reportCounts(t, app, key, 'c_counts'));
});

t.test('PGlite', async (t) => {
  const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 60_000 });
  t.teardown(() => database.close());
  t.equal(database.capabilities.engine, 'pglite');
  await migrateToLatest(database.db);
  const { db } = database;
  const app = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database }, gatewayConfigFromEnv({ RATE_LIMIT_MAX: '1000000' }, []));
  await app.ready();
  t.teardown(() => app.close());
  await baseFixtures(db);
  for (const id of ['c_key', 'c_idem', 'c_counts']) await addVariable(db, { id, agency: 'afs', referenceDate: 'any' });
  const key = await addKey(db, 'afs', ['ingest:write']);

  t.test('the report counts new, revised and unchanged rows', (t) => reportCounts(t, app, key, 'c_counts'));
  t.test('8 concurrent pushes to one key: every value a revision in order', (t) => concurrentPushesToOneKey(t, app, db, key, 'c_key', 8));
  t.test('20 concurrent replays of one Idempotency-Key', (t) => concurrentReplays(t, app, db, key, 'c_idem', 20));
});
