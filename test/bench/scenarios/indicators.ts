// Indicator bench: full recompute of the catalog for 542 Planungsräume × 15 years × 4 breakdowns (and every level above)
// against one hand-written SQL aggregate of a share indicator over the same observations; then the incremental
// recompute after a batch of one variable lands. Both measured in the same run.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formulaSchema, formulaVariables, type VariableRef } from '@datenpool/contracts';
import { type DatabaseHandle, sql } from '@datenpool/db';
import { indicatorConfigFromEnv } from '../../../services/indicators/src/config.ts';
import { recomputeAll, recomputePending } from '../../../services/indicators/src/recompute.ts';
import { enqueueBatchRecompute } from '../../../services/ingest/src/queries/recompute-queue.ts';
import type { BenchScenario, MeasureFn } from '../types.ts';

/** the autocannon runner measures GET requests; this bench is a batch computation, run by indicatorsBench */
export const scenarios: BenchScenario[] = [];

/** the runner's entry (`pnpm bench indicators`): recompute durations against the references of the same run */
export const measurements: MeasureFn = async (ctx) =>
  (await indicatorsBench(ctx.database)).map((r) => ({
    name: r.name,
    unit: 's',
    value: r.seconds,
    reference: r.referenceSeconds,
    lowerIsBetter: true,
  }));

const YEARS = Array.from({ length: 15 }, (_, i) => 2008 + i);
/** the total and the three citizenship groups of the handbook */
const BREAKDOWNS = ['', 'citizenship=deutsch', 'citizenship=auslaendisch', 'citizenship=migrationshintergrund'];

function planungsraeume(): string[] {
  const csv = readFileSync(new URL('../../../../shared/data/lor/lor-2021-units.csv', import.meta.url), 'utf8');
  return csv.replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).map((l) => l.split(',')[1] ?? '').filter((id) => /^\d{8}$/.test(id));
}

/** the breakdown cells every variable gets: the four above, plus each single code a formula restricts it to */
async function cellsByVariable(database: DatabaseHandle): Promise<Map<string, Set<string>>> {
  const rows = await database.db.selectFrom('indicator').select(['formula']).where('status', '<>', 'retired').execute();
  const cells = new Map<string, Set<string>>();
  const add = (variable: string, breakdown: string) => cells.set(variable, (cells.get(variable) ?? new Set(BREAKDOWNS)).add(breakdown));
  const addRef = (ref: VariableRef) => {
    if (typeof ref === 'string') return add(ref, '');
    for (const [dim, codes] of Object.entries(ref.breakdown)) for (const code of [codes].flat()) add(ref.variable, `${dim}=${code}`);
  };
  for (const row of rows) {
    const parsed = formulaSchema.safeParse(row.formula);
    if (!parsed.success) continue;
    const f = parsed.data;
    for (const v of formulaVariables(f)) add(v, '');
    if (f.kind === 'share' || f.kind === 'ratio') [f.numerator, f.denominator].forEach(addRef);
    if (f.kind === 'balance' || f.kind === 'volume') [f.inflow, f.outflow, f.base].forEach(addRef);
    if (f.kind === 'distribution') for (const code of ['a', 'b', 'c', 'd']) add(f.variable, `${f.dimension}=${code}`);
  }
  return cells;
}

/**
 * replaces every observation by synthetic counts, one landed batch per variable and year (agencies deliver a year at
 * a time, so a year's rows lie together); returns the observation count
 */
async function generate(database: DatabaseHandle): Promise<number> {
  const { db } = database;
  const units = planungsraeume();
  const cells = await cellsByVariable(database);
  const known = new Set((await db.selectFrom('variable').select('id').execute()).map((r) => r.id));
  await sql`DELETE FROM observation`.execute(db);
  let n = 0;
  for (const [variable, breakdowns] of cells) {
    if (!known.has(variable)) continue;
    for (const year of YEARS) {
      const batch = randomUUID();
      await db.insertInto('ingest_batch').values({ id: batch, variable_id: variable, lor_version: '2021', status: 'accepted', errors: '[]', warnings: '[]', finished_at: new Date() }).execute();
      const result = await sql`INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, batch_id)
        SELECT ${variable}, '2021', 'planungsraum', u, make_date(${year}::int, 12, 31), b,
          CASE WHEN b = '' THEN 2000 + floor(random() * 10000) ELSE 20 + floor(random() * 1500) END, ${batch}::uuid
        FROM unnest(${units}::text[]) u CROSS JOIN unnest(${[...breakdowns]}::text[]) b`.execute(db);
      n += Number(result.numAffectedRows ?? 0);
    }
  }
  await sql`ANALYZE observation`.execute(db);
  return n;
}

/** the reference: residents under 6 per 100 residents, every unit of every level and year, one statement */
async function handWrittenShare(database: DatabaseHandle): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (
      SELECT l.level, l.unit, o.y,
        sum(o.value) FILTER (WHERE o.breakdown = 'age=unter6') / nullif(sum(o.value) FILTER (WHERE o.breakdown = ''), 0) * 100 AS share
      FROM (SELECT unit_id, breakdown, value, extract(year FROM ref_date)::int AS y FROM observation
            WHERE variable_id = 'einwohner' AND valid_to IS NULL AND NOT deleted AND breakdown IN ('', 'age=unter6')) o
      CROSS JOIN LATERAL (VALUES ('planungsraum', o.unit_id), ('bezirksregion', left(o.unit_id, 6)),
        ('prognoseraum', left(o.unit_id, 4)), ('bezirk', left(o.unit_id, 2)), ('berlin', '0')) AS l(level, unit)
      GROUP BY 1, 2, 3) x`.execute(database.db);
  return rows[0]?.n ?? 0;
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { seconds: (performance.now() - started) / 1000, result };
}

export async function indicatorsBench(database: DatabaseHandle): Promise<Array<{ name: string; seconds: number; referenceSeconds: number }>> {
  const config = indicatorConfigFromEnv();
  const observations = await generate(database);
  await sql`SET statement_timeout = 0`.execute(database.db);
  const full = await timed(() => recomputeAll(database.db, config));
  const reference = await timed(() => handWrittenShare(database));
  const values = await database.db.selectFrom('indicator_value').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  // the floor of any materialisation: writing the same rows into an empty table with indicator_value's indexes
  const floor = await timed(() =>
    database.db.transaction().execute(async (trx) => {
      await sql`CREATE TABLE bench_iv_floor (LIKE indicator_value INCLUDING ALL)`.execute(trx);
      await sql`INSERT INTO bench_iv_floor SELECT * FROM indicator_value`.execute(trx);
    }),
  );
  await sql`DROP TABLE bench_iv_floor`.execute(database.db);
  console.error(`# ${observations} observations; full recompute: ${full.result.indicators.length} indicators, ${values.n} values; reference rows ${reference.result}`);

  // one variable's batch lands: a correction of one year for every Planungsraum
  const batch = randomUUID();
  await database.db.transaction().execute(async (trx) => {
    await trx.insertInto('ingest_batch').values({ id: batch, variable_id: 'einwohner', lor_version: '2021', status: 'accepted', errors: '[]', warnings: '[]', finished_at: new Date() }).execute();
    await sql`WITH closed AS (
        UPDATE observation SET valid_to = now() WHERE variable_id = 'einwohner' AND ref_date = '2022-12-31' AND breakdown = '' AND valid_to IS NULL
        RETURNING variable_id, lor_version, level, unit_id, ref_date, breakdown, value)
      INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, batch_id)
      SELECT variable_id, lor_version, level, unit_id, ref_date, breakdown, value + 7, ${batch}::uuid FROM closed`.execute(trx);
    // the outbox entry, as the batch pipeline writes it in the landing transaction
    await enqueueBatchRecompute(trx, batch, 'einwohner', '2021');
  });
  // the full recompute above covered whatever was queued before it (the migration's full entry): only the batch is left
  await sql`DELETE FROM indicator_recompute_queue WHERE batch_id IS DISTINCT FROM ${batch}::uuid`.execute(database.db);
  const incremental = await timed(async () => (await recomputePending(database.db, config)) ?? { mode: 'none', indicators: [], valuesWritten: 0 });
  console.error(`# incremental: ${incremental.result.mode}, ${incremental.result.indicators.length} indicators, ${incremental.result.valuesWritten} values written`);
  return [
    { name: `full recompute (${full.result.indicators.length} indicators, ${values.n} values) vs hand-written share SQL`, seconds: full.seconds, referenceSeconds: reference.seconds },
    { name: `full recompute vs writing its ${values.n} values into an empty indexed copy (the floor of the materialisation)`, seconds: full.seconds, referenceSeconds: floor.seconds },
    { name: 'incremental recompute after a one-variable batch (einwohner, one year) vs hand-written share SQL', seconds: incremental.seconds, referenceSeconds: reference.seconds },
  ];
}

// `node --import tsx test/bench/scenarios/indicators.ts`: runs this bench alone over DATABASE_URL
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { testDatabase } = await import('../../support/database.ts');
  const teardowns: Array<() => unknown> = [];
  const database = await testDatabase({ teardown: (fn) => teardowns.push(fn) });
  const rows = await indicatorsBench(database);
  console.table(rows.map((r) => ({ ...r, ratio: Math.round((r.seconds / r.referenceSeconds) * 100) / 100 })));
  for (const fn of teardowns.reverse()) await fn();
}
