// Orchestration of a recompute: which indicators, in dependency order, into which value table; full, from the queue, as of.
import { formulaIndicators, formulaVariables } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { IndicatorConfig } from '../config.ts';
import { type IndicatorDefinition, type QueuedChanges, dependencyOrder, queuedScope, withPrerequisites } from '../plan.ts';
import { mergeStage, refreshChanges, type StagedIndicator } from './annotate.ts';
import { loadDefinitions, lockRecompute } from '../queries/catalog.ts';
import { buildCells, computeDistribution, computeRate, computeSimple, secondarySuppression } from './compute.ts';
import { computeChange, computeIndex } from './derived.ts';
import { claimEntries, deleteEntries, peekEntries, type QueueEntry, recordRecompute } from './queue.ts';
import { appendStage, createNextTable, NEXT_TABLE, swapIn, valueTableShape } from './rebuild.ts';
import { type ComputeScope, clearStage, createWorkTables, type ValueTable, withHashAggregate, yearEnd } from './work.ts';

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
  if (kind === 'distribution') return withHashAggregate(db, () => computeDistribution(db, definition, scope, config));
  if (kind === 'rate') return withHashAggregate(db, () => computeRate(db, definition, scope, config));
  return withHashAggregate(db, () => computeSimple(db, definition, scope, config));
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
    // a full recompute appends to the fresh table it swaps in, and counts what changed at the swap
    if (table === NEXT_TABLE) await appendStage(db, staged, config.changeYears);
    else {
      const r = await mergeStage(db, table, staged, config.changeYears);
      written += r.written;
      removed += r.removed;
    }
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

/**
 * every indicator, every version and year, into the materialisation. It does not consume queue entries: callers go
 * through recomputeFull, which deletes the entries this recompute covered once it has committed
 */
export async function recomputeAll(db: Kysely<Database>, config: IndicatorConfig): Promise<RecomputeReport> {
  const started = performance.now();
  return db.transaction().execute(async (trx) => {
    await lockRecompute(trx);
    const { definitions } = await loadDefinitions(trx);
    const ordered = dependencyOrder(definitions);
    const all: ComputeScope = { versions: null, years: null };
    const plan = ordered.map((definition) => ({ definition, scope: all }));
    const report = (r: { written: number; removed: number }) => ({
      mode: 'full' as const,
      indicators: ordered.map((d) => d.id),
      valuesWritten: r.written,
      valuesRemoved: r.removed,
      seconds: (performance.now() - started) / 1000,
    });
    // rebuild and swap (engine/rebuild.ts): every value into a fresh table without indexes, indexed, analysed and
    // swapped in at the end of this transaction; readers read the old values until it commits. Values of indicators
    // that no longer exist or no longer parse are not carried over.
    const shape = await valueTableShape(trx);
    if (shape.dependents.length === 0) {
      await createNextTable(trx);
      await run(trx, NEXT_TABLE, plan, null, config);
      return report(await swapIn(trx, shape));
    }
    // a foreign key of another table references indicator_value, or a view that something else reads (none does
    // today; the views over it are created again by the swap): dropping it would break them, so the values are merged
    // into the indexed table in place
    const removedStale = await trx
      .deleteFrom('indicator_value')
      .where('indicator_id', 'not in', ordered.length ? ordered.map((d) => d.id) : [''])
      .executeTakeFirst();
    const r = await run(trx, 'indicator_value', plan, null, config);
    // a full recompute may rewrite every row: fresh statistics keep the next incremental recompute's plans right
    await sql`ANALYZE indicator_value`.execute(trx);
    return report({ written: r.written, removed: r.removed + Number(removedStale.numDeletedRows ?? 0) });
  });
}

/** entries one incremental recompute claims at most; the rest wait for the next one */
const CLAIM_LIMIT = 500;

export interface QueueReport extends RecomputeReport {
  /** ids of the queue entries the recompute consumed */
  consumed: number[];
}

/**
 * the full recompute as the queue sees it: every entry queued before it started is covered by it (their changes had
 * committed, so its snapshot holds them) and deleted once it committed. A recompute that dies leaves them queued;
 * a crash between its commit and the deletion only recomputes once more.
 */
export async function recomputeFull(db: Kysely<Database>, config: IndicatorConfig): Promise<QueueReport> {
  const covered = (await db.selectFrom('indicator_recompute_queue').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  const report = await recomputeAll(db, config);
  await db.transaction().execute(async (trx) => {
    await deleteEntries(trx, covered);
    await recordRecompute(trx, {
      mode: 'full',
      entries: covered.length,
      indicators: report.indicators.length,
      valuesWritten: report.valuesWritten,
      valuesRemoved: report.valuesRemoved,
      seconds: report.seconds,
    });
  });
  return { ...report, consumed: covered };
}

/** the changes a set of queue entries describes; false when one of them asks for everything */
function changesOf(entries: QueueEntry[]): QueuedChanges | false {
  const changes: QueuedChanges = { observations: [], variables: new Set(), indicators: new Set() };
  for (const e of entries) {
    if (e.kind === 'full') return false;
    if (e.kind === 'indicator' && e.indicator_id) changes.indicators.add(e.indicator_id);
    if (e.kind === 'observations' && e.variable_id) {
      if (e.lor_version === null || e.ref_years === null) changes.variables.add(e.variable_id);
      else for (const year of e.ref_years) changes.observations.push({ variable: e.variable_id, version: e.lor_version, year });
    }
  }
  return changes;
}

/** thrown inside the claiming transaction when the full path is cheaper: the claim is rolled back */
class PreferFull extends Error {}

/**
 * consumes what the queue holds: claims the oldest entries (FOR UPDATE SKIP LOCKED) in one transaction, recomputes the
 * indicators and years they affect, deletes them and records the recompute, all in that transaction; so a recompute
 * that is killed or fails loses nothing (its entries return to the queue) and nothing depends on clocks. A full entry,
 * or changes that reach most indicators in every year, go the full path. Returns null when the queue is empty.
 */
export async function recomputePending(db: Kysely<Database>, config: IndicatorConfig): Promise<QueueReport | null> {
  const head = await peekEntries(db, CLAIM_LIMIT);
  if (head.length === 0) return null;
  if (head.some((e) => e.kind === 'full')) return recomputeFull(db, config);
  const started = performance.now();
  try {
    return await db.transaction().execute(async (trx) => {
      // one recompute at a time writes the materialisation: two from different snapshots would overwrite each other
      await lockRecompute(trx);
      const entries = await claimEntries(trx, CLAIM_LIMIT);
      if (entries.length === 0) return null;
      const changes = changesOf(entries);
      if (!changes) throw new PreferFull();
      const { definitions, invalid } = await loadDefinitions(trx);
      const ordered = dependencyOrder(definitions);
      const scopes = queuedScope(ordered, changes);
      const everything = [...scopes.values()].filter((s) => s === null).length;
      if (ordered.length > 0 && everything * 2 > ordered.length) throw new PreferFull();
      // values of indicators that were retired, deleted or no longer parse are dropped
      const computable = new Set(ordered.map((d) => d.id));
      const gone = [...new Set([...changes.indicators, ...definitions.map((d) => d.id), ...invalid])].filter((id) => !computable.has(id));
      const removedGone = gone.length
        ? Number((await trx.deleteFrom('indicator_value').where('indicator_id', 'in', gone).executeTakeFirst()).numDeletedRows ?? 0)
        : 0;
      const plan = ordered
        .filter((d) => scopes.has(d.id))
        .map((definition) => {
          const s = scopes.get(definition.id);
          return { definition, scope: s ? { versions: s.versions, years: s.years } : { versions: null, years: null } };
        });
      const r = plan.length ? await run(trx, 'indicator_value', plan, null, config) : { written: 0, removed: 0 };
      // the changes of the years after the recomputed ones (change_1y, change_ny) read the values that changed
      const later = plan.flatMap(({ definition, scope }) =>
        scope.years === null
          ? []
          : [...new Set(scope.years.flatMap((y) => [y + 1, y + config.changeYears]))]
              .filter((y) => !scope.years?.includes(y))
              .flatMap((y) => (scope.versions ?? []).map((version) => ({ id: definition.id, version, date: yearEnd(y) }))),
      );
      if (later.length) await refreshChanges(trx, 'indicator_value', later, config.changeYears);
      const consumed = entries.map((e) => Number(e.id));
      await deleteEntries(trx, consumed);
      const report: QueueReport = {
        mode: 'incremental',
        indicators: plan.map((p) => p.definition.id),
        valuesWritten: r.written,
        valuesRemoved: r.removed + removedGone,
        seconds: (performance.now() - started) / 1000,
        consumed,
      };
      await recordRecompute(trx, { ...report, entries: consumed.length, indicators: report.indicators.length });
      return report;
    });
  } catch (err) {
    if (err instanceof PreferFull) return recomputeFull(db, config);
    throw err;
  }
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
  const { definitions } = await loadDefinitions(trx, { asOf });
  const needed = withPrerequisites(definitions, [indicatorId]);
  const plan = dependencyOrder(definitions)
    .filter((d) => needed.has(d.id))
    .map((definition) => ({ definition, scope: { versions, years: null } }));
  await run(trx, 'iv_asof', plan, asOf, config);
}
