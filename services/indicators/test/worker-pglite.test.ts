// The recompute worker on the embedded database (PGlite: one session, no second connection to LISTEN on): it polls,
// consumes what a batch queued, and stops cleanly; readers meanwhile read the last materialisation.
import { createDb, migrateToLatest } from '@datenpool/db';
import t from 'tap';
import { resolveTarget, runBatch, systemActor } from '../../ingest/src/pipeline/batch.ts';
import { indicatorConfigFromEnv } from '../src/config.ts';
import { freshness } from '../src/queries/queue.ts';
import type { QueueReport } from '../src/engine/recompute.ts';
import { RecomputeWorker } from '../src/worker.ts';
import { loadFixture, VERSION } from './fixture.ts';

t.setTimeout(600_000);
const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 120_000 });
t.teardown(() => database.close());
await migrateToLatest(database.db);
const fixture = await loadFixture(database);
const { db } = database;
const DATE = '2022-12-31';

async function current(variable: string, unit: string, date: string): Promise<number> {
  const row = await db.selectFrom('observation').select('value').where('variable_id', '=', variable).where('unit_id', '=', unit)
    .where('ref_date', '=', date).where('breakdown', '=', '').where('valid_to', 'is', null).executeTakeFirstOrThrow();
  return row.value as number;
}

t.test('PGlite: the polling worker recomputes what a landed batch queued', async (t) => {
  t.equal(database.capabilities.engine, 'pglite');
  const reports: QueueReport[] = [];
  const worker = new RecomputeWorker({ database, config: indicatorConfigFromEnv(), log: { info() {}, warn() {}, error: (o) => t.fail(JSON.stringify(o)) }, pollMs: 50, onReport: (r) => reports.push(r) });
  await worker.start();
  t.notOk(worker.listening, 'no LISTEN connection on PGlite: it polls');
  const unit = fixture.plr[3]?.id as string;
  const zuzug = (await current('tx_zuzug', unit, DATE)) + 321;
  const target = await resolveTarget(db, 'tx_zuzug', VERSION, systemActor);
  const result = await runBatch(
    db,
    target,
    { mode: 'atomic', dryRun: false, decimalComma: false, contentType: 'application/json', idempotencyKey: null, sourceId: null },
    systemActor,
    [{ row: 1, unit, date: DATE, value: zuzug, breakdown: {} }],
    () => null,
  );
  t.equal(result.statusCode, 201);
  for (let i = 0; i < 400 && reports.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  await worker.stop();
  t.equal(reports.length, 1, 'one recompute');
  t.equal(reports[0]?.mode, 'incremental');
  t.equal((await freshness(db)).pending, 0, 'the queue is empty');
  const expected = ((zuzug - (await current('tx_fortzug', unit, DATE))) / (await current('tx_ew', unit, '2022-06-30'))) * 100;
  const row = await db.selectFrom('indicator_value').select('value').where('indicator_id', '=', 'tx_wanderung').where('level', '=', 'planungsraum')
    .where('unit_id', '=', unit).where('ref_date', '=', DATE).where('breakdown', '=', '').executeTakeFirstOrThrow();
  t.ok(Math.abs((row.value as number) - expected) < 1e-9, 'the hand-computed balance');
});

t.test('PGlite: a burst of batches is recomputed once, after it (the quiet period)', async (t) => {
  const reports: QueueReport[] = [];
  const log = { info() {}, warn() {}, error: (o: object) => t.fail(JSON.stringify(o)) };
  const worker = new RecomputeWorker({ database, config: indicatorConfigFromEnv(), log, pollMs: 50, quietMs: 2_000, onReport: (r) => reports.push(r) });
  await worker.start();
  const land = async (unit: string) => {
    const target = await resolveTarget(db, 'tx_zuzug', VERSION, systemActor);
    const value = (await current('tx_zuzug', unit, DATE)) + 7;
    const options = { mode: 'atomic' as const, dryRun: false, decimalComma: false, contentType: 'application/json', idempotencyKey: null, sourceId: null };
    const result = await runBatch(db, target, options, systemActor, [{ row: 1, unit, date: DATE, value, breakdown: {} }], () => null);
    t.equal(result.statusCode, 201);
  };
  await land(fixture.plr[4]?.id as string);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(reports.length, 0, 'no recompute between two batches of a burst');
  await land(fixture.plr[5]?.id as string);
  for (let i = 0; i < 400 && reports.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  await worker.stop();
  t.equal(reports.length, 1, 'one recompute for the burst');
  t.equal(reports[0]?.consumed.length, 2, 'it consumed both batches\' entries');
  t.equal((await freshness(db)).pending, 0, 'the queue is empty');
});

