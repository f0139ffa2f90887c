// Orchestration of a recompute: which indicators, in dependency order, into which value table; full, incremental, as of.
import { formulaIndicators, formulaVariables } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { IndicatorConfig } from './config.ts';
import { type IndicatorDefinition, affectedScope, dependencyOrder, withPrerequisites } from './plan.ts';
import { mergeStage, refreshChanges, type StagedIndicator } from './queries/annotate.ts';
import { changedSince, freshnessState, loadDefinitions, lockRecompute, setWatermark } from './queries/catalog.ts';
import { buildCells, computeDistribution, computeRate, computeSimple, secondarySuppression } from './queries/compute.ts';
import { computeChange, computeIndex } from './queries/derived.ts';
import { type ComputeScope, clearStage, createWorkTables, type ValueTable, withHashAggregate, yearEnd } from './queries/work.ts';

export interface RecomputeReport {
  mode: 'full' | 'incremental' | 'none';
  indicators: string[];
  valuesWritten: number;
  valuesRemoved: number;
  seconds: number;
}

/** staged rows after which the stage is merged: the merge's hashes and its one ordering then stay in memory */
const STAGE_ROWS = 300_000;

/** stages one indicator's values; returns the number of rows staged */
async function stageOne(
  db: Kysely<Database>,
  table: ValueTable,
  definition: IndicatorDefinition,
  scope: ComputeScope,
  config: IndicatorConfig,
): Promise<number> {
  const kind = definition.formula.kind;
  if (kind === 'change') return computeChange(db, table, definition, scope);
  if (kind === 'index') return computeIndex(db, table, definition, scope);
  if (kind === 'distribution') return withHashAggregate(db, () => computeDistribution(db, definition, config));
  if (kind === 'rate') return withHashAggregate(db, () => computeRate(db, definition, config));
  return withHashAggregate(db, () => computeSimple(db, definition, config));
}

/**
 * computes the given plan in dependency order; `db` must be a transaction (the work tables are temporary). Indicators
 * are staged together and merged in one statement, before an indicator that is derived from a staged one (change
 * and index read the stored values) and whenever the stage has grown past STAGE_ROWS.
 */
async function run(
  db: Kysely<Database>,
  table: ValueTable,
  plan: Array<{ definition: IndicatorDefinition; scope: ComputeScope }>,
  asOf: Date | null,
  config: IndicatorConfig,
): Promise<{ written: number; removed: number }> {
  await createWorkTables(db, table === 'iv_asof');
  // inputs of every step are rolled up once, over the union of the scopes of the steps that read them (change and
  // index read stored values instead, and are not suppressed secondarily: they derive from published values)
  const readers = plan.filter((p) => formulaVariables(p.definition.formula).length > 0);
  // delivered rates are published as the agency withheld them, and an index derives from published values: neither is
  // suppressed secondarily
  const readerIds = new Set(readers.filter((p) => !['rate', 'index'].includes(p.definition.formula.kind)).map((p) => p.definition.id));
  const variables = new Set(readers.flatMap((p) => formulaVariables(p.definition.formula)));
  const scopes = readers.map((p) => p.scope);
  const union = (pick: (s: ComputeScope) => Array<string | number> | null) =>
    scopes.some((s) => pick(s) === null) ? null : [...new Set(scopes.flatMap((s) => pick(s) ?? []))];
  await buildCells(db, [...variables], { versions: union((s) => s.versions) as string[] | null, years: union((s) => s.years) as number[] | null }, asOf);
  let written = 0;
  let removed = 0;
  let staged: StagedIndicator[] = [];
  let stagedRows = 0;
  const merge = async () => {
    if (config.secondarySuppression) await secondarySuppression(db, staged.map((s) => s.id).filter((id) => readerIds.has(id)));
    const r = await mergeStage(db, table, staged, config.changeYears);
    written += r.written;
    removed += r.removed;
    await clearStage(db);
    staged = [];
    stagedRows = 0;
  };
  for (const step of plan) {
    const from = formulaIndicators(step.definition.formula);
    if (staged.some((s) => from.includes(s.id))) await merge();
    stagedRows += await stageOne(db, table, step.definition, step.scope, config);
    staged.push({ id: step.definition.id, scope: step.scope });
    if (stagedRows >= STAGE_ROWS) await merge();
  }
  if (staged.length) await merge();
  return { written, removed };
}

/** every indicator (or the given ones), every version and year, into the materialisation; sets the watermark */
export async function recomputeAll(db: Kysely<Database>, config: IndicatorConfig): Promise<RecomputeReport> {
  const started = performance.now();
  return db.transaction().execute(async (trx) => {
    await lockRecompute(trx);
    const state = await freshnessState(trx);
    const { definitions } = await loadDefinitions(trx);
    const ordered = dependencyOrder(definitions);
    // values of indicators that no longer exist or no longer parse are dropped
    const removedStale = await trx
      .deleteFrom('indicator_value')
      .where('indicator_id', 'not in', ordered.length ? ordered.map((d) => d.id) : [''])
      .executeTakeFirst();
    const all: ComputeScope = { versions: null, years: null };
    const r = await run(trx, 'indicator_value', ordered.map((definition) => ({ definition, scope: all })), null, config);
    // a full recompute may rewrite every row: fresh statistics keep the next incremental recompute's plans right
    await sql`ANALYZE indicator_value`.execute(trx);
    await setWatermark(trx, { finishedAt: state.newestFinishedAt, batchId: state.newestBatchId, catalogHash: state.catalogHash });
    return {
      mode: 'full' as const,
      indicators: ordered.map((d) => d.id),
      valuesWritten: r.written,
      valuesRemoved: r.removed + Number(removedStale.numDeletedRows ?? 0),
      seconds: (performance.now() - started) / 1000,
    };
  });
}

/**
 * the lazy trigger: when a batch landed after the watermark, recomputes only the indicators that read its
 * variables (directly or through change and index) for the versions and years it touched; when the definitions
 * changed, or nothing was ever computed, everything
 */
export async function ensureFresh(db: Kysely<Database>, config: IndicatorConfig): Promise<RecomputeReport> {
  const started = performance.now();
  const quick = await freshnessState(db);
  if (isFresh(quick)) return { mode: 'none', indicators: [], valuesWritten: 0, valuesRemoved: 0, seconds: 0 };
  const report = await db.transaction().execute(async (trx) => {
    await lockRecompute(trx);
    const state = await freshnessState(trx);
    if (isFresh(state)) return null;
    if (!state.computed || state.catalogHash !== state.watermarkCatalogHash || !state.watermarkFinishedAt) return 'full' as const;
    const changed = await changedSince(trx, state.watermarkFinishedAt);
    const { definitions } = await loadDefinitions(trx);
    const ordered = dependencyOrder(definitions);
    const scopes = affectedScope(ordered, changed);
    const plan = ordered
      .filter((d) => scopes.has(d.id))
      .map((definition) => {
        const s = scopes.get(definition.id) as { versions: Set<string>; years: Set<number> };
        return { definition, scope: { versions: [...s.versions], years: [...s.years] } };
      });
    const r = await run(trx, 'indicator_value', plan, null, config);
    // the changes of the years after the recomputed ones (change_1y, change_ny) read the values that changed
    const later = plan.flatMap(({ definition, scope }) =>
      [...new Set((scope.years ?? []).flatMap((y) => [y + 1, y + config.changeYears]))]
        .filter((y) => !scope.years?.includes(y))
        .flatMap((y) => (scope.versions ?? []).map((version) => ({ id: definition.id, version, date: yearEnd(y) }))),
    );
    await refreshChanges(trx, 'indicator_value', later, config.changeYears);
    await setWatermark(trx, { finishedAt: state.newestFinishedAt, batchId: state.newestBatchId, catalogHash: state.catalogHash });
    return {
      mode: 'incremental' as const,
      indicators: plan.map((p) => p.definition.id),
      valuesWritten: r.written,
      valuesRemoved: r.removed,
      seconds: (performance.now() - started) / 1000,
    };
  });
  if (report === 'full') return recomputeAll(db, config);
  return report ?? { mode: 'none', indicators: [], valuesWritten: 0, valuesRemoved: 0, seconds: 0 };
}

function isFresh(state: Awaited<ReturnType<typeof freshnessState>>): boolean {
  return (
    state.computed &&
    state.catalogHash === state.watermarkCatalogHash &&
    (state.newestFinishedAt?.getTime() ?? 0) <= (state.watermarkFinishedAt?.getTime() ?? 0)
  );
}

/**
 * computes one indicator (and what it is derived from) from the observation revisions valid at `asOf`, into a
 * temporary table that lives as long as the transaction `trx`; the caller reads it with the query functions
 */
export async function computeAsOf(
  trx: Kysely<Database>,
  indicatorId: string,
  versions: string[] | null,
  asOf: Date,
  config: IndicatorConfig,
): Promise<void> {
  const { definitions } = await loadDefinitions(trx);
  const needed = withPrerequisites(definitions, [indicatorId]);
  const plan = dependencyOrder(definitions)
    .filter((d) => needed.has(d.id))
    .map((definition) => ({ definition, scope: { versions, years: null } }));
  await run(trx, 'iv_asof', plan, asOf, config);
}
