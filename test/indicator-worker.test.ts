// The recompute worker in real processes: a gateway killed in the middle of a recompute starts again and is ready
// before any recompute (the worker catches up); a push is readable once the worker consumed it; the split
// deployment's worker process (services/indicators/src/worker-main.ts) recomputes and stops cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { ensureKey } from '@datenpool/service-kit';
import t from 'tap';
import { loadFixture, VERSION } from '../services/indicators/test/fixture.ts';
import { testDatabase } from './support/database.ts';
import { evaluatePending } from '../services/ingest/src/pipeline/disclosure.ts';
import { indicatorsCaughtUp, indicatorsCaughtUpAt } from './support/indicators.ts';
import { freePort, repoRoot, startService, waitForHealth } from './support/processes.ts';

t.setTimeout(900_000);

const database = await testDatabase(t);
const { db } = database;
const fixture = await loadFixture(database);
// the fixture writes its observations directly: their disclosure evaluation (which a start does for what is pending,
// queueing the indicators it reaches) first, so that the test's queue holds only what it adds
await evaluatePending(db);
await indicatorsCaughtUp(database);
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
const unit = fixture.plr[4]?.id as string;
const DATE = '2022-12-31';

async function current(variable: string, u: string, date: string): Promise<number> {
  const row = await db.selectFrom('observation').select('value').where('variable_id', '=', variable).where('unit_id', '=', u)
    .where('ref_date', '=', date).where('breakdown', '=', '').where('valid_to', 'is', null).executeTakeFirstOrThrow();
  return row.value as number;
}
const expectedBalance = async (u: string) =>
  (((await current('tx_zuzug', u, DATE)) - (await current('tx_fortzug', u, DATE))) / (await current('tx_ew', u, '2022-06-30'))) * 100;

const status = async (url: string) => (await fetch(`${url}/v1/indicators/status`)).json() as Promise<{ pending: number; running: unknown[]; lastRecompute: { mode: string; finishedAt: string } | null }>;

t.test('a gateway killed during a recompute is ready again before any recompute; the worker then catches up', async (t) => {
  // a full recompute is queued (as a catalog change or the migration queues it)
  await db.insertInto('indicator_recompute_queue').values({ kind: 'full', reason: 'test' }).execute();
  const before = (await db.selectFrom('indicator_recompute_state').select('finished_at').executeTakeFirstOrThrow()).finished_at;
  const first = await startService('gateway', env);
  let running = false;
  for (let i = 0; i < 600 && !running; i++) {
    running = (await status(first.url)).running.length > 0;
    if (!running) await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(running, 'the worker started the full recompute');
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const left = await db.selectFrom('indicator_recompute_queue').select(['kind']).execute();
  t.same(left.map((e) => e.kind), ['full'], 'the killed recompute left its entry queued');

  const port = await freePort();
  const started = Date.now();
  const second = await startService('gateway', env, port);
  t.teardown(() => second.stop());
  const ready = await fetch(`${second.url}/ready`);
  const readyMs = Date.now() - started;
  t.equal(ready.status, 200, `ready after ${readyMs} ms`);
  const atReady = await status(second.url);
  t.ok(atReady.pending >= 1, 'ready while the recompute is still pending');
  t.equal(atReady.lastRecompute?.finishedAt, new Date(before).toISOString(), 'no recompute completed before readiness');
  const values = await fetch(`${second.url}/v1/indicators/tx_wanderung/values?date=2022&unit=${unit}`);
  t.equal(values.status, 200, 'reads answer meanwhile (the last materialisation)');
  t.equal(values.headers.get('datenpool-pending'), String(atReady.pending));
  await indicatorsCaughtUpAt(second.url, 600_000);
  const after = await status(second.url);
  t.equal(after.lastRecompute?.mode, 'full', 'the worker caught up with the full recompute');
  t.ok(new Date(after.lastRecompute?.finishedAt as string) > new Date(before), 'after the start');
  t.comment(`gateway ready ${readyMs} ms after its start with a full recompute queued`);

  // a push through HTTP is readable once the notified worker consumed it
  const key = 'dp_TestAdmin9_abcdefghijklmnopqrstuvwxyz0123456789';
  await ensureKey(db, key, { scopes: ['admin'], label: 'worker test' });
  const value = (await current('tx_zuzug', unit, DATE)) + 250;
  const pushed = Date.now();
  const res = await fetch(`${second.url}/v1/variables/tx_zuzug/observations?lorVersion=${VERSION}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ observations: [{ unit, date: DATE, value }] }),
  });
  t.equal(res.status, 201, await res.clone().text());
  const landed = Date.now();
  const expected = await expectedBalance(unit);
  let fresh = false;
  for (let i = 0; i < 600 && !fresh; i++) {
    const v = (await (await fetch(`${second.url}/v1/indicators/tx_wanderung/values?date=2022&unit=${unit}`)).json()) as { values: Array<{ value: number }> };
    fresh = Math.abs((v.values[0]?.value ?? Number.NaN) - expected) < 1e-9;
    if (!fresh) await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(fresh, 'the pushed value reaches the indicator without any read triggering it');
  t.comment(`push answered after ${landed - pushed} ms; its indicator value readable ${Date.now() - landed} ms after the answer`);
});

t.test('the split deployment: the worker as its own process recomputes what lands and stops cleanly', async (t) => {
  const port = await freePort();
  const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'services/indicators/src/worker-main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
  await waitForHealth(`http://127.0.0.1:${port}`);
  const indicators = await startService('indicators', env);
  t.teardown(() => indicators.stop());
  const u = fixture.plr[9]?.id as string;
  const value = (await current('tx_fortzug', u, DATE)) + 40;
  const key = 'dp_TestAdmin8_abcdefghijklmnopqrstuvwxyz0123456789';
  await ensureKey(db, key, { scopes: ['admin'], label: 'split worker test' });
  const ingest = await startService('ingest', env);
  t.teardown(() => ingest.stop());
  const res = await fetch(`${ingest.url}/v1/variables/tx_fortzug/observations?lorVersion=${VERSION}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ observations: [{ unit: u, date: DATE, value }] }),
  });
  t.equal(res.status, 201);
  await indicatorsCaughtUpAt(indicators.url, 120_000);
  const v = (await (await fetch(`${indicators.url}/v1/indicators/tx_wanderung/values?date=2022&unit=${u}`)).json()) as { values: Array<{ value: number }> };
  t.ok(Math.abs((v.values[0]?.value ?? Number.NaN) - (await expectedBalance(u))) < 1e-9, 'the worker process recomputed the value');
  worker.kill('SIGTERM');
  t.equal(await exited, 0, 'the worker stops cleanly on SIGTERM');
});
