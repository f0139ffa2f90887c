// The recompute queue and its worker on PostgreSQL: overlapping batches in both commit orders, a recompute killed or
// failing mid-way loses nothing, two workers consume every entry once, readers never wait, freshness fields and status.
import { createDb, type DatabaseHandle, sql } from '@datenpool/db';
import t from 'tap';
import { resolveTarget, runBatch, systemActor } from '../../ingest/src/pipeline/batch.ts';
import { testGateway } from '../../../test/support/app.ts';
import { indicatorsCaughtUp } from '../../../test/support/indicators.ts';
import { indicatorConfigFromEnv } from '../src/config.ts';
import { recomputeAll, type QueueReport, recomputePending } from '../src/engine/recompute.ts';
import { RecomputeWorker } from '../src/worker.ts';
import { loadFixture, VERSION } from './fixture.ts';

const { app, database } = await testGateway(t);
const { db } = database;
const fixture = await loadFixture(database);
const config = indicatorConfigFromEnv();
const DATE = '2022-12-31';

/** the current observation value the fixture holds (or a later push set) for a variable, unit and date */
async function current(variable: string, unit: string, date: string): Promise<number> {
  const row = await db
    .selectFrom('observation')
    .select('value')
    .where('variable_id', '=', variable)
    .where('unit_id', '=', unit)
    .where('ref_date', '=', date)
    .where('breakdown', '=', '')
    .where('valid_to', 'is', null)
    .executeTakeFirstOrThrow();
  return row.value as number;
}

/** the hand formula of tx_wanderung (balance per 100 residents), from the current observations */
async function expectedBalance(unit: string): Promise<number> {
  return (((await current('tx_zuzug', unit, DATE)) - (await current('tx_fortzug', unit, DATE))) / (await current('tx_ew', unit, '2022-06-30'))) * 100;
}

async function storedBalance(unit: string): Promise<number | null> {
  const row = await db
    .selectFrom('indicator_value')
    .select('value')
    .where('indicator_id', '=', 'tx_wanderung')
    .where('level', '=', 'planungsraum')
    .where('unit_id', '=', unit)
    .where('ref_date', '=', DATE)
    .where('breakdown', '=', '')
    .executeTakeFirst();
  return row?.value ?? null;
}

/** one push through the real batch pipeline (the same code as POST …/observations) */
async function land(handle: DatabaseHandle, variable: string, unit: string, value: number): Promise<string> {
  const target = await resolveTarget(handle.db, variable, VERSION, systemActor);
  const result = await runBatch(
    handle.db,
    target,
    { mode: 'atomic', dryRun: false, decimalComma: false, contentType: 'application/json', idempotencyKey: null, sourceId: null },
    systemActor,
    [{ row: 1, unit, date: DATE, value, breakdown: {} }],
    () => null,
  );
  if (result.statusCode !== 201) throw new Error(`push answered ${result.statusCode}`);
  return result.body.id as string;
}

/** a connection of its own (for a transaction held open beside the code under test) */
async function client(): Promise<{ query(text: string, values?: unknown[]): Promise<unknown>; end(): Promise<void> }> {
  const c = await (database.pool as NonNullable<typeof database.pool>).connect();
  return { query: (text, values) => c.query(text, values), end: async () => c.release() };
}

/** waits until `n` backends wait for a lock while running a statement that starts with `prefix` */
async function waitForLockWaits(prefix: string, n: number): Promise<number[]> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE ${`${prefix}%`} ORDER BY pid`.execute(db);
    if (rows.length >= n) return rows.map((r) => r.pid);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${n} lock waits for ${prefix}`);
}

/** holds the row lock of a current observation in an open transaction: a batch revising it waits inside its own */
async function holdObservation(variable: string, unit: string): Promise<() => Promise<void>> {
  const c = await client();
  await c.query('BEGIN');
  await c.query(
    `SELECT 1 FROM observation WHERE variable_id = $1 AND unit_id = $2 AND ref_date = $3 AND breakdown = '' AND valid_to IS NULL FOR UPDATE`,
    [variable, unit, DATE],
  );
  return async () => {
    await c.query('COMMIT');
    await c.end();
  };
}

async function queueIds(): Promise<number[]> {
  return (await db.selectFrom('indicator_recompute_queue').select('id').orderBy('id').execute()).map((r) => Number(r.id));
}

t.test('the fixture landed and was drained: nothing queued, its balance is the hand formula', async (t) => {
  t.same(await queueIds(), []);
  const unit = fixture.plr[2]?.id as string;
  t.ok(Math.abs(((await storedBalance(unit)) ?? Number.NaN) - (await expectedBalance(unit))) < 1e-9);
});

// Two batches whose transactions overlap: A starts first (its finished_at, now() of its transaction, is the earlier
// one) and B second. Each waits inside its transaction on a row lock the test holds, so both are open at once; the
// test lets them commit in the given order and recomputes between the commits, as a worker would. Under the
// watermark (newest finished_at) the order B, recompute, A left A's values stale: A's finished_at is older than the
// watermark B set.
for (const order of ['B then A', 'A then B'] as const) {
  t.test(`overlapping batches committing ${order}: every value is fresh afterwards`, async (t) => {
    const unit = fixture.plr[order === 'B then A' ? 5 : 6]?.id as string;
    const zuzug = await current('tx_zuzug', unit, DATE);
    const fortzug = await current('tx_fortzug', unit, DATE);
    const releaseA = await holdObservation('tx_zuzug', unit);
    const releaseB = await holdObservation('tx_fortzug', unit);
    const a = land(database, 'tx_zuzug', unit, zuzug + 500);
    await waitForLockWaits('UPDATE observation', 1);
    const b = land(database, 'tx_fortzug', unit, fortzug + 300);
    await waitForLockWaits('UPDATE observation', 2);
    const [first, second] = order === 'B then A' ? [releaseB, releaseA] : [releaseA, releaseB];
    const [firstBatch, secondBatch] = order === 'B then A' ? [b, a] : [a, b];
    await first();
    await firstBatch;
    const between = await indicatorsCaughtUp(database);
    t.equal(between.length, 1, 'a recompute ran between the commits');
    await second();
    await secondBatch;
    const finished = await db.selectFrom('ingest_batch').select(['variable_id', 'finished_at']).where('id', 'in', [await a, await b]).execute();
    const at = (v: string) => new Date(finished.find((f) => f.variable_id === v)?.finished_at as Date).getTime();
    t.ok(at('tx_zuzug') < at('tx_fortzug'), 'A carries the older finished_at although it committed ' + (order === 'B then A' ? 'last' : 'first'));
    t.equal((await queueIds()).length, 1, 'the second commit queued its entry');
    const after = await indicatorsCaughtUp(database);
    t.same(after.map((r) => r.mode), ['incremental']);
    t.same(await queueIds(), []);
    const expected = ((zuzug + 500 - (fortzug + 300)) / (await current('tx_ew', unit, '2022-06-30'))) * 100;
    t.ok(Math.abs(((await storedBalance(unit)) ?? Number.NaN) - expected) < 1e-9, 'the balance reads both batches');
    t.ok(Math.abs(expected - (await expectedBalance(unit))) < 1e-9);
  });
}

t.test('a recompute that fails inside its transaction loses nothing it claimed', async (t) => {
  const unit = fixture.plr[7]?.id as string;
  const before = await storedBalance(unit);
  await land(database, 'tx_zuzug', unit, (await current('tx_zuzug', unit, DATE)) + 77);
  const queued = await queueIds();
  t.equal(queued.length, 1);
  await sql`CREATE FUNCTION wp_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`.execute(db);
  await sql`CREATE TRIGGER wp_fail BEFORE INSERT OR UPDATE ON indicator_value FOR EACH STATEMENT EXECUTE FUNCTION wp_fail()`.execute(db);
  await t.rejects(recomputePending(db, config), /injected failure/, 'the recompute failed mid-way');
  await sql`DROP TRIGGER wp_fail ON indicator_value`.execute(db);
  await sql`DROP FUNCTION wp_fail()`.execute(db);
  t.same(await queueIds(), queued, 'the claimed entry is queued again');
  t.equal(await storedBalance(unit), before, 'nothing of the failed recompute is visible');
  await indicatorsCaughtUp(database);
  t.same(await queueIds(), []);
  t.ok(Math.abs(((await storedBalance(unit)) ?? Number.NaN) - (await expectedBalance(unit))) < 1e-9, 'the next recompute brought it in');
});

t.test('a worker whose recompute backend is terminated mid-way retries; nothing is lost', async (t) => {
  const other = await createDb({ databaseUrl: database.url, dataDir: '', poolMax: 3, statementTimeoutMs: 60_000 });
  const errors: unknown[] = [];
  const reports: QueueReport[] = [];
  const log = { info() {}, warn() {}, error: (o: object) => errors.push(o) };
  const worker = new RecomputeWorker({ database: other, config, log, pollMs: 50, onReport: (r) => reports.push(r) });
  await worker.start();
  t.teardown(async () => {
    await worker.stop();
    await other.close();
  });
  t.ok(worker.listening, 'LISTEN on PostgreSQL');
  const unit = fixture.plr[8]?.id as string;
  const before = await storedBalance(unit);
  // the recompute will have to write this value: holding its row lock stops it inside its transaction
  const holder = await client();
  await holder.query('BEGIN');
  await holder.query(
    `SELECT 1 FROM indicator_value WHERE indicator_id = 'tx_wanderung' AND level = 'planungsraum' AND unit_id = $1 AND ref_date = $2 AND breakdown = '' FOR UPDATE`,
    [unit, DATE],
  );
  await land(database, 'tx_zuzug', unit, (await current('tx_zuzug', unit, DATE)) + 55);
  const queued = await queueIds();
  const [pid] = await waitForLockWaits('', 1);
  const status = (await app.inject({ url: '/v1/indicators/status' })).json();
  t.equal(status.pending, 1, 'the entry is pending while claimed');
  t.equal(status.running.length, 1, 'the notified worker is running');
  t.equal(status.running[0].pid, pid);
  await sql`SELECT pg_terminate_backend(${pid}::int)`.execute(db);
  for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(errors.length, 1, 'the worker saw its recompute die');
  t.same(await queueIds(), queued, 'the entry it had claimed is still queued');
  t.equal(await storedBalance(unit), before, 'no value of the killed recompute is visible');
  await holder.query('COMMIT');
  await holder.end();
  // the report follows the commit: wait for both
  for (let i = 0; i < 400 && ((await queueIds()).length > 0 || reports.length === 0); i++) await new Promise((r) => setTimeout(r, 50));
  t.same(await queueIds(), [], 'the retry consumed it');
  t.same(reports.flatMap((r) => r.consumed), queued);
  t.ok(Math.abs(((await storedBalance(unit)) ?? Number.NaN) - (await expectedBalance(unit))) < 1e-9, 'the value is fresh');
});

t.test('two workers at once: every entry consumed once, and the result is what one full recompute computes', async (t) => {
  const handles = await Promise.all([0, 1].map(() => createDb({ databaseUrl: database.url, dataDir: '', poolMax: 3, statementTimeoutMs: 60_000 })));
  const consumed: number[][] = [[], []];
  const workers = handles.map(
    (h, i) =>
      new RecomputeWorker({ database: h, config, log: { info() {}, warn() {}, error() {} }, pollMs: 20, onReport: (r) => consumed[i]?.push(...r.consumed) }),
  );
  await Promise.all(workers.map((w) => w.start()));
  t.teardown(async () => {
    for (const w of workers) await w.stop();
    for (const h of handles) await h.close();
  });
  const floor = Number((await sql<{ n: number | null }>`SELECT max(id) AS n FROM indicator_recompute_queue`.execute(db)).rows[0]?.n ?? 0);
  const units = fixture.plr.slice(10, 16).map((p) => p.id);
  await Promise.all(units.map(async (unit, i) => land(database, i % 2 ? 'tx_fortzug' : 'tx_zuzug', unit, (await current(i % 2 ? 'tx_fortzug' : 'tx_zuzug', unit, DATE)) + 11 * (i + 1))));
  for (let i = 0; i < 600; i++) {
    const status = (await app.inject({ url: '/v1/indicators/status' })).json();
    if (status.pending === 0 && status.running.length === 0 && consumed.flat().length >= units.length) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // a second consumption of an entry would show up here
  await new Promise((r) => setTimeout(r, 300));
  const all = consumed.flat();
  t.equal(all.length, units.length, 'one consumption per landed batch');
  t.equal(new Set(all).size, units.length, 'no entry consumed twice');
  t.ok(all.every((id) => id > floor), 'exactly the new entries');
  for (const unit of units) t.ok(Math.abs(((await storedBalance(unit)) ?? Number.NaN) - (await expectedBalance(unit))) < 1e-9, `${unit} fresh`);

  for (const w of workers) await w.stop();
  // the same entries consumed concurrently without the workers' lock: the claim and the recompute lock keep them apart
  for (const [i, unit] of fixture.plr.slice(16, 20).entries()) await land(database, 'tx_zuzug', unit.id, (await current('tx_zuzug', unit.id, DATE)) + i + 1);
  const waiting = await queueIds();
  const both = await Promise.all(handles.map((h) => recomputePending(h.db, config)));
  t.same(both.flatMap((r) => r?.consumed ?? []).sort((x, y) => x - y), waiting, 'each of the four entries once');
  t.equal(both.filter((r) => r !== null).length, 1, 'the second found nothing left');

  // what the queue left equals what the full recompute computes from the same observations (the fixture's indicators:
  // every value the queue recomputed in this file; the bundled ones come from the template's own full recompute)
  await sql`CREATE TABLE wp_snapshot AS SELECT * FROM indicator_value WHERE left(indicator_id, 3) = 'tx_'`.execute(db);
  await recomputeAll(db, config);
  const { rows } = await sql<{ n: number; sample: unknown }>`SELECT count(*)::int AS n, (array_agg(json_build_array(s, v)))[1:3] AS sample FROM wp_snapshot s
    FULL JOIN (SELECT * FROM indicator_value WHERE left(indicator_id, 3) = 'tx_') v USING (indicator_id, lor_version, level, unit_id, ref_date, breakdown)
    WHERE s.indicator_id IS NULL OR v.indicator_id IS NULL OR s.value IS DISTINCT FROM v.value OR s.status IS DISTINCT FROM v.status
      OR s.numerator IS DISTINCT FROM v.numerator OR s.denominator IS DISTINCT FROM v.denominator OR s.berlin IS DISTINCT FROM v.berlin
      OR s.district IS DISTINCT FROM v.district OR s.rank IS DISTINCT FROM v.rank OR s.change_1y IS DISTINCT FROM v.change_1y
      OR s.change_ny IS DISTINCT FROM v.change_ny OR s.class IS DISTINCT FROM v.class`.execute(db);
  const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM wp_snapshot`.execute(db)).rows[0]?.n ?? 0;
  t.ok(total > 1000, `${total} values compared`);
  t.equal(rows[0]?.n, 0, 'no value differs from a full recompute', { sample: rows[0]?.sample });
  await sql`DROP TABLE wp_snapshot`.execute(db);
});

t.test('readers never trigger or wait for a recompute; every indicator answer says how fresh it is', async (t) => {
  await indicatorsCaughtUp(database);
  const unit = fixture.plr[21]?.id as string;
  const url = `/v1/indicators/tx_wanderung/values?date=2022&unit=${unit}`;
  const status0 = (await app.inject({ url: '/v1/indicators/status' })).json();
  t.equal(status0.pending, 0);
  t.ok(status0.lastRecompute, 'the last recompute is recorded');
  const r0 = await app.inject({ url });
  t.equal(r0.headers['datenpool-computed-at'], status0.lastRecompute.finishedAt, 'Datenpool-Computed-At is the last recompute');
  t.equal(r0.headers['datenpool-pending'], '0');
  t.equal(r0.json().computedAt, status0.lastRecompute.finishedAt, 'so is computedAt');
  const old = r0.json().values[0].value;

  const batch = await land(database, 'tx_zuzug', unit, (await current('tx_zuzug', unit, DATE)) + 1000);
  const r1 = await app.inject({ url });
  t.equal(r1.json().values[0].value, old, 'the read answers the last materialisation');
  t.equal(r1.headers['datenpool-pending'], '1', 'and says one change is queued behind it');
  t.equal(r1.json().computedAt, status0.lastRecompute.finishedAt);
  const status1 = (await app.inject({ url: '/v1/indicators/status' })).json();
  t.match(status1, { pending: 1, queue: { full: 0, indicators: 0, observations: 1 }, running: [] }, 'the read recomputed nothing');
  t.ok(status1.oldestPendingAt);
  const entry = await db.selectFrom('indicator_recompute_queue').selectAll().executeTakeFirstOrThrow();
  t.same([entry.batch_id, entry.variable_id, entry.lor_version, entry.ref_years], [batch, 'tx_zuzug', VERSION, [2022]]);

  const others = [
    `/v1/indicators/tx_wanderung/series?unit=${unit}`,
    `/v1/units/${unit}/profile?f=json`,
    '/collections/indicator-tx_wanderung/items?limit=1',
    `/sdmx/2.1/data/DF_INDICATORS_${VERSION}/tx_wanderung.${unit}.?format=csv`,
  ];
  for (const other of others) {
    const res = await app.inject({ url: other });
    t.equal(res.statusCode, 200, other);
    t.equal(res.headers['datenpool-computed-at'], status0.lastRecompute.finishedAt, `${other}: Datenpool-Computed-At`);
    t.equal(res.headers['datenpool-pending'], '1', `${other}: Datenpool-Pending`);
    if (other.startsWith('/v1/')) t.equal(res.json().computedAt, status0.lastRecompute.finishedAt, `${other}: computedAt`);
  }

  const page = (await app.inject({ url: '/collections/indicator-tx_wanderung/items?limit=1' })).json();
  const item = await app.inject({ url: `/collections/indicator-tx_wanderung/items/${encodeURIComponent(page.features[0].id)}` });
  t.equal(item.statusCode, 200, 'one feature of the layer');
  t.equal(item.headers['datenpool-pending'], '1', 'one feature of the layer: Datenpool-Pending');

  const drained = await indicatorsCaughtUp(database);
  t.same(drained.map((d) => d.mode), ['incremental']);
  const r2 = await app.inject({ url });
  t.not(r2.json().values[0].value, old, 'fresh after the drain');
  t.ok(Math.abs(r2.json().values[0].value - (await expectedBalance(unit))) < 1e-9);
  t.equal(r2.headers['datenpool-pending'], '0');
  t.ok(new Date(r2.json().computedAt) > new Date(status0.lastRecompute.finishedAt), 'computedAt moved on');
  const status2 = (await app.inject({ url: '/v1/indicators/status' })).json();
  t.match(status2, { pending: 0, running: [], lastRecompute: { mode: 'incremental', entries: 1, finishedAt: r2.json().computedAt } });
  const asOf = await app.inject({ url: `${url}&asOf=${encodeURIComponent(new Date().toISOString())}` });
  t.equal(asOf.statusCode, 200);
  t.ok(new Date(asOf.json().computedAt) >= new Date(r2.json().computedAt), 'asOf values are computed for the request');
  t.notOk(asOf.headers['datenpool-pending'], 'nothing pends for values computed now');
});

t.test('catalog edits queue their indicator: a target change reaches the values through the worker', async (t) => {
  const before = await queueIds();
  t.same(before, []);
  await db.insertInto('indicator_target').values({ indicator_id: 'tx_wanderung', scope: '0', period_from: '2022-01-01', period_to: '2022-12-31', target_value: 1.5 }).execute();
  const entries = await db.selectFrom('indicator_recompute_queue').selectAll().execute();
  t.same(entries.map((e) => [e.kind, e.indicator_id]), [['indicator', 'tx_wanderung']]);
  await db.updateTable('indicator').set({ label_en: 'relabelled' }).where('id', '=', 'tx_kita').execute();
  t.equal((await queueIds()).length, 1, 'a label edit changes no value and queues nothing');
  const reports = await indicatorsCaughtUp(database);
  t.ok(reports[0]?.indicators.includes('tx_wanderung'));
  const row = await db.selectFrom('indicator_value').select(['target']).where('indicator_id', '=', 'tx_wanderung').where('level', '=', 'planungsraum')
    .where('ref_date', '=', DATE).where('breakdown', '=', '').limit(1).executeTakeFirstOrThrow();
  t.equal(row.target, 1.5, 'the 2022 values carry the new Berlin target');
});
