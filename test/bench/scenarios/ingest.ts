// Ingestion bench: 1 000 000 observations as CSV through the HTTP API vs raw COPY of the same rows, same run; a one-row
// push at the bundled data size on PostgreSQL and on the embedded PGlite vs the SQL of one revision.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, type DatabaseHandle, migrateToLatest, sql } from '@datenpool/db';
import { generateKey, hashKey, serviceConfigFromEnv } from '@datenpool/service-kit';
import pino from 'pino';
import { serveOnLoopback } from '../../support/app.ts';
import { benchGatewayConfig } from '../gateway.ts';
import type { BenchContext, BenchMeasurement, BenchScenario, MeasureFn } from '../types.ts';

/** the autocannon runner measures GET requests; this bench is one large POST, run by ingestBench */
export const scenarios: BenchScenario[] = [];

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const ONE_ROW_PUSHES = Number(process.env.BENCH_ONE_ROW_PUSHES ?? 20);
const BACK_TO_BACK = 8;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function setup(ctx: { database: DatabaseHandle }, variable: string): Promise<string> {
  const { db } = ctx.database;
  await db.insertInto('agency').values({ id: 'afs', name: 'Amt für Statistik Berlin-Brandenburg', kind: 'statistikamt' }).onConflict((oc) => oc.column('id').doNothing()).execute();
  await db
    .insertInto('variable')
    .values({ id: variable, label_de: variable, label_en: variable, unit: 'Anzahl', aggregation: 'sum', finest_level: 'planungsraum', reference_date: 'any', breakdowns: '{}', agency_id: 'afs', status: 'active' })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const { key, prefix } = generateKey();
  await db.insertInto('api_key').values({ id: randomUUID(), prefix, hash: await hashKey(key), agency_id: 'afs', scopes: ['ingest:write'], label: 'bench' }).execute();
  return key;
}

/** ROWS distinct keys: every Planungsraum times consecutive days */
async function csvBody(ctx: BenchContext): Promise<string> {
  const units = (await ctx.database.db.selectFrom('lor_unit').select('id').where('version', '=', '2021').where('level', '=', 'planungsraum').orderBy('id').execute()).map((u) => u.id);
  if (units.length === 0) throw new Error('the bench database has no 2021 Planungsräume');
  const days = Math.ceil(ROWS / units.length);
  const lines = ['unit,date,value'];
  for (let i = 0; i < ROWS; i++) {
    const date = new Date(Date.UTC(2000, 0, 1) + (i % days) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${units[Math.floor(i / days)]},${date},${i % 10_000}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function ingestBench(ctx: BenchContext): Promise<{ name: string; opsPerSec: number; referenceOpsPerSec: number }[]> {
  const key = await setup(ctx, 'bench_ingest');
  await setup(ctx, 'bench_copy');
  const body = await csvBody(ctx);

  const started = performance.now();
  const res = await fetch(`${ctx.baseUrl}/v1/variables/bench_ingest/observations?lorVersion=2021`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    body,
  });
  const report = (await res.json()) as { status?: string; rows?: { new: number } };
  const httpSeconds = (performance.now() - started) / 1000;
  console.error(`# HTTP push of ${ROWS} rows: ${httpSeconds.toFixed(1)} s`);
  if (res.status !== 201 || report.rows?.new !== ROWS) throw new Error(`push answered ${res.status}: ${JSON.stringify(report).slice(0, 300)}`);

  // reference: the same rows straight into observation with COPY (server-side file: the bench runs beside its PostgreSQL)
  const { db } = ctx.database;
  const batchId = randomUUID();
  await db.insertInto('ingest_batch').values({ id: batchId, variable_id: 'bench_copy', lor_version: '2021', status: 'running', errors: '[]', warnings: '[]' }).execute();
  const file = join(tmpdir(), `bench-copy-${batchId}.csv`);
  writeFileSync(file, body.slice(body.indexOf('\n') + 1));
  const copyStarted = performance.now();
  await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('statement_timeout', '0', true)`.execute(trx);
    await sql`CREATE TEMP TABLE bench_copy_rows (unit_id text, ref_date date, value float8) ON COMMIT DROP`.execute(trx);
    await sql`COPY bench_copy_rows FROM ${sql.lit(file)} WITH (FORMAT csv)`.execute(trx);
    await sql`INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, batch_id)
      SELECT 'bench_copy', '2021', 'planungsraum', unit_id, ref_date, '', value, ${batchId}::uuid FROM bench_copy_rows`.execute(trx);
  });
  const copySeconds = (performance.now() - copyStarted) / 1000;
  unlinkSync(file);
  return [{ name: `POST ${ROWS} observations as CSV (raw COPY as reference)`, opsPerSec: Math.round(ROWS / httpSeconds), referenceOpsPerSec: Math.round(ROWS / copySeconds) }];
}

// `node --import tsx test/bench/scenarios/ingest.ts`: runs this bench alone over DATABASE_URL
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { testDatabase } = await import('../../support/database.ts');
  const { buildGateway } = await import('../../../services/gateway/src/index.ts');
  const teardowns: Array<() => unknown> = [];
  const database = await testDatabase({ teardown: (fn) => teardowns.push(fn) });
  const app = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '600000' }), database }, benchGatewayConfig());
  const ctx = { baseUrl: await serveOnLoopback(app), database };
  const one = await onePushBench(ctx);
  console.table(one.map((m) => ({ ...m, ratio: Math.round((m.reference / m.value) * 100) / 100 })));
  if (ROWS > 0) {
    const rows = await ingestBench(ctx);
    console.table(rows.map((r) => ({ ...r, ratio: Math.round((r.opsPerSec / r.referenceOpsPerSec) * 100) / 100 })));
  }
  await app.close();
  for (const fn of teardowns.reverse()) await fn();
}

function pushOne(baseUrl: string, key: string, variable: string, unit: string, date: string, value: number): Promise<Response> {
  return fetch(`${baseUrl}/v1/variables/${variable}/observations?lorVersion=2021`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ observations: [{ unit, date, value }] }),
  });
}

/** until the recompute worker has consumed what is queued (the one-row push is measured on an idle pool) */
async function recomputeIdle(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const status = (await (await fetch(`${baseUrl}/v1/indicators/status`)).json()) as { pending: number };
    if (status.pending === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the recompute queue did not drain within 600 s');
}

/** the SQL of one revision as the pipeline writes it: the batch record, the old value closed, the new one inserted */
async function revisionFloor(database: DatabaseHandle, variable: string, unit: string, date: string, value: number): Promise<number> {
  const started = performance.now();
  await database.db.transaction().execute(async (trx) => {
    const id = randomUUID();
    await trx.insertInto('ingest_batch').values({ id, variable_id: variable, lor_version: '2021', status: 'accepted', errors: '[]', warnings: '[]' }).execute();
    const at = sql`clock_timestamp()`;
    await sql`UPDATE observation SET valid_to = ${at} WHERE variable_id = ${variable} AND lor_version = '2021' AND unit_id = ${unit}
      AND ref_date = ${date}::date AND breakdown = '' AND valid_to IS NULL`.execute(trx);
    await sql`INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, batch_id, valid_from)
      VALUES (${variable}, '2021', 'planungsraum', ${unit}, ${date}::date, '', ${value}, ${id}::uuid, ${at})`.execute(trx);
  });
  return performance.now() - started;
}

/**
 * On one database at the bundled data size: the median one-row push (a variable no indicator reads, the recompute
 * queue idle before each) against the median of its SQL floor; and 8 one-row pushes of the residents back to back,
 * where each landing queues a recompute of the indicators that read them (on PGlite's one connection the next push
 * waits for it), against 8 floors.
 */
async function onePushMeasurements(label: string, baseUrl: string, database: DatabaseHandle): Promise<BenchMeasurement[]> {
  const ctx = { baseUrl, database };
  const key = await setup(ctx, 'bench_one');
  const units = (await database.db.selectFrom('lor_unit').select('id').where('version', '=', '2021').where('level', '=', 'planungsraum').orderBy('id').limit(ONE_ROW_PUSHES).execute()).map((u) => u.id);
  const observations = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation`.execute(database.db)).rows[0]?.n ?? 0);
  const pushMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < ONE_ROW_PUSHES * 2; i++) {
    await recomputeIdle(baseUrl);
    const unit = units[i % units.length]!;
    const started = performance.now();
    const res = await pushOne(baseUrl, key, 'bench_one', unit, '2024-12-31', i);
    const report = (await res.json()) as { rows?: { new: number; revised: number } };
    if (res.status !== 201 || (report.rows?.new ?? 0) + (report.rows?.revised ?? 0) !== 1) throw new Error(`one-row push answered ${res.status}: ${JSON.stringify(report).slice(0, 300)}`);
    pushMs.push(performance.now() - started);
    floorMs.push(await revisionFloor(database, 'bench_one', unit, '2023-12-31', i));
  }

  // the residents of the bundled data: every landing queues the recompute of the indicators that read them
  const [resident] = (await sql<{ unit_id: string; ref_date: string; value: number }>`SELECT unit_id, ref_date::text AS ref_date, value FROM observation
    WHERE variable_id = 'einwohner' AND lor_version = '2021' AND level = 'planungsraum' AND breakdown = '' AND valid_to IS NULL
    ORDER BY ref_date DESC, unit_id LIMIT 1`.execute(database.db)).rows;
  const measured: BenchMeasurement[] = [
    { name: `one-row push, ${label}, ${observations} observations (median ms; SQL of one revision)`, unit: 'ms', value: median(pushMs), reference: median(floorMs), lowerIsBetter: true },
  ];
  if (resident) {
    await recomputeIdle(baseUrl);
    const started = performance.now();
    for (let i = 1; i <= BACK_TO_BACK; i++) {
      const res = await pushOne(baseUrl, key, 'einwohner', resident.unit_id, resident.ref_date, resident.value + i);
      if (res.status !== 201) throw new Error(`push of einwohner answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    let floor = 0;
    for (let i = 1; i <= BACK_TO_BACK; i++) floor += await revisionFloor(database, 'bench_one', units[0]!, '2022-12-31', i);
    measured.push({ name: `${BACK_TO_BACK} one-row pushes of einwohner back to back, ${label} (s, recomputes queued meanwhile; ${BACK_TO_BACK} revisions in SQL)`, unit: 's', value: seconds, reference: floor / 1000, lowerIsBetter: true });
    await recomputeIdle(baseUrl);
  }
  return measured;
}

/**
 * the embedded database at the bundled data size: BENCH_PGLITE_DIR names a data folder of an earlier first start
 * (copied, so the bench does not change it); otherwise the first start's migrations and bundled load run here
 */
async function pgliteGateway(): Promise<{ baseUrl: string; database: DatabaseHandle; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pglite-'));
  if (process.env.BENCH_PGLITE_DIR) cpSync(process.env.BENCH_PGLITE_DIR, dataDir, { recursive: true });
  const started = performance.now();
  const database = await createDb({ dataDir, poolMax: 1, statementTimeoutMs: 600_000 });
  await migrateToLatest(database.db);
  const { buildGateway, bootstrapServices } = await import('../../../services/gateway/src/index.ts');
  const config = serviceConfigFromEnv({ LOG_LEVEL: 'warn', PORT: '0' });
  if (!process.env.BENCH_PGLITE_DIR) await bootstrapServices({ config, database }, pino({ level: 'warn' }), {});
  console.error(`# PGlite at the bundled data size ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const app = await buildGateway({ config, database }, benchGatewayConfig());
  return {
    baseUrl: await serveOnLoopback(app),
    database,
    close: async () => {
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function onePushBench(ctx: BenchContext): Promise<BenchMeasurement[]> {
  const measured = await onePushMeasurements('PostgreSQL', ctx.baseUrl, ctx.database);
  if (process.env.BENCH_PGLITE === 'off') return measured;
  const embedded = await pgliteGateway();
  try {
    measured.push(...(await onePushMeasurements('PGlite', embedded.baseUrl, embedded.database)));
  } finally {
    await embedded.close();
  }
  return measured;
}

/** the runner's entry: rows per second through HTTP against raw COPY; the one-row push on both databases */
export const measurements: MeasureFn = async (ctx) => [
  ...(await onePushBench(ctx)),
  ...(await ingestBench(ctx)).map((r) => ({ name: r.name, unit: 'rows/s', value: r.opsPerSec, reference: r.referenceOpsPerSec })),
];
