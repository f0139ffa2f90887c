// Ingestion bench: 1 000 000 observations as CSV through the HTTP API vs raw COPY of the same rows, same run.
import { randomUUID } from 'node:crypto';
import { writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from '@datenpool/db';
import { generateKey, hashKey } from '@datenpool/service-kit';
import type { BenchContext, BenchScenario, MeasureFn } from '../types.ts';

/** the autocannon runner measures GET requests; this bench is one large POST, run by ingestBench */
export const scenarios: BenchScenario[] = [];

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);

async function setup(ctx: BenchContext, variable: string): Promise<string> {
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
  const { buildGateway, gatewayConfigFromEnv } = await import('../../../services/gateway/src/index.ts');
  const { serviceConfigFromEnv } = await import('@datenpool/service-kit');
  const teardowns: Array<() => unknown> = [];
  const database = await testDatabase({ teardown: (fn) => teardowns.push(fn) });
  const app = await buildGateway(
    { config: serviceConfigFromEnv({ LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '600000' }), database },
    gatewayConfigFromEnv({ RATE_LIMIT_MAX: '100000000' }, []),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const rows = await ingestBench({ baseUrl: `http://127.0.0.1:${port}`, database });
  console.table(rows.map((r) => ({ ...r, ratio: Math.round((r.opsPerSec / r.referenceOpsPerSec) * 100) / 100 })));
  await app.close();
  for (const fn of teardowns.reverse()) await fn();
}

/** the runner's entry: rows per second through HTTP against raw COPY */
export const measurements: MeasureFn = async (ctx) =>
  (await ingestBench(ctx)).map((r) => ({ name: r.name, unit: 'rows/s', value: r.opsPerSec, reference: r.referenceOpsPerSec }));
