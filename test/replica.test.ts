// DATABASE_READ_URL: a primary with a streaming hot standby (infra/postgis.sh start-replica); lagging reads go to the
// standby, a push and what its agency reads back go to the primary.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createDb, migrateToLatest, readHandle, sql } from '@datenpool/db';
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { generateKey, hashKey, serviceConfigFromEnv } from '@datenpool/service-kit';
import pg from 'pg';
import t from 'tap';
import { readCsv } from '../services/sdmx/test/decode.ts';
import { TEMPLATE_DB, urlForDatabase } from './support/database.ts';
import { repoRoot } from './support/processes.ts';

const run = promisify(execFile);
// a cluster pair, a copy of the bundled data and a recompute: minutes on a busy 2-core machine
t.setTimeout(900_000);

const BIN = '/usr/lib/postgresql/15/bin';
const started = await run('bash', ['infra/postgis.sh', 'start-replica'], { cwd: repoRoot, env: { ...process.env, PG_SHARED_BUFFERS: '128MB' } });
const pair = Object.fromEntries([...started.stdout.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])) as Record<string, string>;
t.teardown(() => run('bash', ['infra/postgis.sh', 'stop', pair.PG_DIR!], { cwd: repoRoot }));

const onDatabase = (server: string, name: string) => {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
};
const primaryUrl = onDatabase(pair.DATABASE_URL!, 'datenpool');
const standbyUrl = onDatabase(pair.DATABASE_READ_URL!, 'datenpool');

async function query<R>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** waits until the standby has replayed everything the primary wrote so far */
async function caughtUp(): Promise<void> {
  const lsn = (await query<{ lsn: string }>(pair.DATABASE_URL!, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]!.lsn;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const done = await query<{ done: boolean }>(pair.DATABASE_READ_URL!, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]);
    if (done[0]?.done) return;
    if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${lsn} within 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** holds the standby where it is: what the primary writes meanwhile is not visible there until resumed */
const pauseReplay = () => query(pair.DATABASE_READ_URL!, 'SELECT pg_wal_replay_pause()');
const resumeReplay = () => query(pair.DATABASE_READ_URL!, 'SELECT pg_wal_replay_resume()');

// the bundled data of the test template, copied to the primary (the standby receives it by streaming)
await query(pair.DATABASE_URL!, 'CREATE DATABASE datenpool');
await run('bash', ['-o', 'pipefail', '-c', `"${BIN}/pg_dump" -Fc --no-unlogged-table-data -d "$FROM" | "${BIN}/pg_restore" --no-owner --exit-on-error -d "$TO"`], {
  env: { ...process.env, FROM: urlForDatabase(TEMPLATE_DB), TO: primaryUrl },
  maxBuffer: 64 * 1024 * 1024,
});
const database = await createDb({ databaseUrl: primaryUrl, databaseReadUrl: standbyUrl, dataDir: '', poolMax: 4, statementTimeoutMs: 120_000 });
t.teardown(() => database.close());
await migrateToLatest(database.db);
await caughtUp();

const app = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database }, gatewayConfigFromEnv({ RATE_LIMIT_MAX: '1000000' }, []));
// listening, as deployed: the gateway's recompute worker then runs (on the primary)
await app.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => app.close());

const { key, prefix } = generateKey();
await database.db.insertInto('api_key').values({ id: randomUUID(), prefix, hash: await hashKey(key), agency_id: 'afs', scopes: ['admin', 'ingest:write'], label: 'replica test' }).execute();
await caughtUp();
const auth = { authorization: `Bearer ${key}` };

t.test('the read handle is the standby, the primary handle the primary', async (t) => {
  t.equal(database.readReplica, true);
  t.equal((await sql<{ r: boolean }>`SELECT pg_is_in_recovery() AS r`.execute(database.read)).rows[0]?.r, true, 'reads: a server in recovery');
  t.equal((await sql<{ r: boolean }>`SELECT pg_is_in_recovery() AS r`.execute(database.db)).rows[0]?.r, false, 'writes: the primary');
  t.equal(readHandle(database).db, database.read, 'the read view of the handle reads the standby');
  t.equal(readHandle(database).pool, database.readPool);
  t.match((await app.inject({ url: '/ready' })).json(), { status: 'ready', database: { readReplica: true } }, '/ready says reads go to a replica');
  const sessions = await query<{ n: number }>(pair.DATABASE_READ_URL!, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'datenpool-read'`);
  t.ok(sessions[0]!.n >= 1, 'the standby holds the read pool’s sessions');
});

t.test('features, the hierarchy and the viewer read the standby: a change on the primary shows there once replayed', async (t) => {
  const item = async () => (await app.inject({ url: '/collections/lor-2021-bezirk/items/01?f=json' })).json().properties.name as string;
  const unit = async () => (await app.inject({ url: '/v1/lor/2021/units/01' })).json();
  const viewer = async () =>
    ((await app.inject({ url: '/viewer/units/2021/bezirk?zoom=10' })).json().features as Array<{ id: string; properties: { name: string } }>).find((f) => f.id === '01')?.properties.name;
  const before = await item();
  t.equal(before, (await query<{ name: string }>(primaryUrl, `SELECT name FROM lor_unit WHERE version = '2021' AND level = 'bezirk' AND id = '01'`))[0]!.name);
  await pauseReplay();
  try {
    await query(primaryUrl, `UPDATE lor_unit SET name = name || ' (umbenannt)' WHERE version = '2021' AND level = 'bezirk' AND id = '01'`);
    t.equal(await item(), before, 'the feature still has the name the standby holds');
    t.match(JSON.stringify(await unit()), before, 'so does the hierarchy API');
    t.notMatch(JSON.stringify(await unit()), 'umbenannt');
    t.equal(await viewer(), before, 'and the viewer’s map');
  } finally {
    await resumeReplay();
  }
  await caughtUp();
  // replayed up to the primary's WAL position; on a loaded machine the standby's sessions may still take a moment
  const renamed = `${before} (umbenannt)`;
  for (let i = 0; i < 100 && ((await item()) !== renamed || (await viewer()) !== renamed); i++) await new Promise((r) => setTimeout(r, 100));
  t.equal(await item(), renamed, 'once replayed, the feature has the new name');
  t.equal(await viewer(), renamed, 'and the viewer’s map');
  await query(primaryUrl, `UPDATE lor_unit SET name = $1 WHERE version = '2021' AND level = 'bezirk' AND id = '01'`, [before]);
  await caughtUp();
});

t.test('a push is read back from the primary at once; indicator values and SDMX from the standby, as computedAt says', async (t) => {
  const unit = '01100101';
  const [stored] = await query<{ numerator: number; denominator: number; value: number }>(
    primaryUrl,
    `SELECT numerator, denominator, value FROM indicator_value WHERE indicator_id = 'anteil_unter_6' AND lor_version = '2021' AND unit_id = $1 AND ref_date = '2025-12-31' AND breakdown = ''`,
    [unit],
  );
  t.ok(stored, 'the bundled data has the share of children under 6 for the unit in 2025');
  const valuesUrl = `/v1/indicators/anteil_unter_6/values?version=2021&level=planungsraum&date=2025&unit=${unit}`;
  const sdmxUrl = `/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6.${unit}._T?startPeriod=2025&endPeriod=2025&format=csv`;
  const sdmxValue = async () => Number(readCsv((await app.inject({ url: sdmxUrl })).body)[0]?.OBS_VALUE);
  const valuesBefore = await app.inject({ url: valuesUrl });
  t.equal(valuesBefore.statusCode, 200);
  const computedBefore = valuesBefore.json().computedAt as string | null;
  t.ok(computedBefore, 'the answer names when its values were computed');
  t.equal(valuesBefore.headers['datenpool-computed-at'], computedBefore, 'and says so in a header');
  t.equal(valuesBefore.json().values[0]?.value, stored!.value);
  t.equal(await sdmxValue(), stored!.value);

  const pushed = stored!.numerator + 10;
  await pauseReplay();
  let batch: { id: string; finishedAt: string };
  try {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/variables/einwohner/observations?lorVersion=2021',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ observations: [{ unit, date: '2025-12-31', value: pushed, breakdown: { age: 'unter6' } }] }),
    });
    t.equal(res.statusCode, 201, res.body);
    batch = res.json();
    t.match(batch, { rows: { revised: 1 } });
    t.same(await query(standbyUrl, 'SELECT id FROM ingest_batch WHERE id = $1', [batch.id]), [], 'the standby has not seen the batch yet');

    const report = await app.inject({ url: `/v1/batches/${batch.id}`, headers: auth });
    t.equal(report.statusCode, 200, 'its batch report is read back at once (from the primary)');
    t.match(report.json(), { id: batch.id, status: 'accepted' });
    const observations = await app.inject({ url: `/v1/variables/einwohner/observations?lorVersion=2021&unit=${unit}&date=2025-12-31&breakdown=age=unter6` });
    t.equal(observations.json().observations[0]?.value, pushed, 'so is the value just pushed');

    const stale = await app.inject({ url: valuesUrl });
    t.equal(stale.json().computedAt, computedBefore, 'indicator values come from the standby: computed before the batch, as computedAt says');
    t.ok(new Date(stale.json().computedAt) < new Date(batch.finishedAt), 'computedAt is older than the batch');
    t.equal(stale.json().values[0]?.value, stored!.value, 'and they are the values of before');
    t.equal(await sdmxValue(), stored!.value, 'SDMX reads the standby too');
  } finally {
    await resumeReplay();
  }

  // the gateway's recompute worker computes the batch on the primary; the standby shows it once replayed
  const expected = (pushed / stored!.denominator) * 100;
  const deadline = Date.now() + 180_000;
  let fresh: { computedAt: string; values: Array<{ value: number }> } | undefined;
  while (Date.now() < deadline) {
    const res = await app.inject({ url: valuesUrl });
    const body = res.json();
    if (body.computedAt && new Date(body.computedAt) > new Date(batch!.finishedAt) && res.headers['datenpool-pending'] === '0') {
      fresh = body;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  t.ok(fresh, 'the values become fresh: computedAt after the batch, nothing pending');
  t.ok(Math.abs((fresh?.values[0]?.value ?? Number.NaN) - expected) < 1e-9, `the share is the pushed numerator over the denominator (${expected})`);
  t.ok(Math.abs((await sdmxValue()) - expected) < 1e-9, 'SDMX serves the new value as well');
});
