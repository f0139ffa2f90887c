// Working tables of one recompute transaction, the scope filter, and merging staged values into a value table.
import { idLengthByLevel, type LorLevel, lorLevels } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';

/**
 * where values are written: the materialisation, a temporary table for computations as of a past time, or the fresh
 * table a full recompute builds and swaps in for the materialisation (engine/rebuild.ts)
 */
export type ValueTable = 'indicator_value' | 'iv_asof' | 'indicator_value_next';

/** which LOR versions and reference years to (re)compute; null means all */
export interface ComputeScope {
  versions: string[] | null;
  years: number[] | null;
}

/**
 * the length of the id prefix that names a unit's ancestor of `level` (the id scheme is hierarchical); 0 for Berlin,
 * which every unit lies in and whose id is BERLIN_ID
 */
export function prefixLength(level: LorLevel): number {
  return level === 'berlin' ? 0 : idLengthByLevel[level];
}

/** LOR levels with their rank (coarse to fine) and id prefix length, as the CTE `lv` */
export const levelsCte = sql`lv AS (
  SELECT * FROM (VALUES ${sql.join(lorLevels.map((level, rank) => sql`(${sql.lit(level)}, ${sql.lit(rank)}, ${sql.lit(prefixLength(level))})`))})
  AS l(level, rank, len))`;

export function versionsParam(scope: ComputeScope) {
  return sql`${scope.versions}::text[]`;
}
export function yearsParam(scope: ComputeScope) {
  return sql`${scope.years}::int[]`;
}

/** 31 December of a reference year: the date every value carries */
export function yearEnd(year: number): string {
  return `${String(year).padStart(4, '0')}-12-31`;
}

/** the dates of the scope's years */
function yearEnds(scope: ComputeScope): string[] | null {
  return scope.years ? scope.years.map(yearEnd) : null;
}

/**
 * cells (iv_cells) of the scope: a recompute rolls its inputs up once, for the union of its steps' scopes, and each step
 * computes its own scope only (an index that reads a variable for a year two years on would otherwise make every other
 * reader of that variable compute that year too, and the merge compare it)
 */
export function cellsInScope(alias: string, scope: ComputeScope) {
  const ref = sql.ref(alias);
  const versions = scope.versions ? sql`AND ${ref}.lor_version = ANY (${scope.versions}::text[])` : sql``;
  const years = scope.years ? sql`AND ${ref}.year = ANY (${scope.years}::int[])` : sql``;
  return sql`true ${versions} ${years}`;
}

/** rows of a value table (alias v) inside the scope */
export function inScope(alias: string, scope: ComputeScope) {
  const ref = sql.ref(alias);
  return sql`(${versionsParam(scope)} IS NULL OR ${ref}.lor_version = ANY (${versionsParam(scope)}))
    AND (${yearsParam(scope)} IS NULL OR ${ref}.ref_date = ANY (${yearEnds(scope)}::date[]))`;
}

/** the stage of the indicators computed since the last merge and, for computations as of a time, the temporary value table */
export async function createWorkTables(db: Kysely<Database>, asOf: boolean): Promise<void> {
  // the roll-up sorts and hashes a few hundred thousand rows: keep them in memory
  await sql`SET LOCAL work_mem = '64MB'`.execute(db);
  // every statement of a recompute is bulk work over rows written moments ago, which have no statistics yet;
  // estimates of one row then lead to nested loops, or merge joins on the first key column, over tens of
  // thousands of rows (minutes instead of seconds): hash joins are right for all of them
  await sql`SET LOCAL enable_nestloop = off`.execute(db);
  await sql`SET LOCAL enable_mergejoin = off`.execute(db);
  // the disabled plan types inflate cost estimates past the JIT thresholds: compiling then takes longer than running
  await sql`SET LOCAL jit = off`.execute(db);
  // the work tables' text keys are ASCII codes and compare bytewise (COLLATE "C"): sorts and index insertions
  // through the locale's collation cost several times more
  // staged values of several indicators at once: they are merged together (no key: every compute statement groups
  // by the key, and the merge's ON CONFLICT rejects a duplicate)
  await sql`CREATE TEMP TABLE IF NOT EXISTS iv_stage (
    indicator_id text COLLATE "C" NOT NULL, lor_version text COLLATE "C" NOT NULL, level text COLLATE "C" NOT NULL, unit_id text COLLATE "C" NOT NULL,
    ref_date date NOT NULL, breakdown text COLLATE "C" NOT NULL,
    value double precision, numerator double precision, denominator double precision,
    status text NOT NULL, suppression text, class integer, class_label text, dynamics double precision, dynamics_class integer,
    dynamics_label text, combined_label text,
    -- provenance: the batch mask and input dates of values computed from cells, or written out by derived kinds
    mask bit varying, input_dates jsonb, provenance jsonb
  ) ON COMMIT DROP`.execute(db);
  // staged partitions that equal their stored rows, moved out of the stage by the merge (annotate.ts, keepUnchanged):
  // still read as earlier years' values, never written
  await sql`CREATE TEMP TABLE IF NOT EXISTS iv_kept (LIKE iv_stage) ON COMMIT DROP`.execute(db);
  // the keys and values of the rows the merges of this recompute wrote or removed (value null): the changes of the
  // years after them are refreshed from these (annotate.ts, refreshChanges)
  await sql`CREATE TEMP TABLE IF NOT EXISTS iv_written (
    indicator_id text COLLATE "C" NOT NULL, lor_version text COLLATE "C" NOT NULL, level text COLLATE "C" NOT NULL,
    unit_id text COLLATE "C" NOT NULL, ref_date date NOT NULL, breakdown text COLLATE "C" NOT NULL, value double precision
  ) ON COMMIT DROP`.execute(db);
  if (asOf) {
    await sql`CREATE TEMP TABLE IF NOT EXISTS iv_asof (LIKE indicator_value INCLUDING DEFAULTS) ON COMMIT DROP`.execute(db);
    // the key order of indicator_value's primary key: the merge reads stored values by indicator, version and date
    await sql`CREATE UNIQUE INDEX IF NOT EXISTS iv_asof_pk ON iv_asof (indicator_id, lor_version, ref_date, level, unit_id, breakdown)`.execute(db);
    await createAsOfPublished(db);
  }
}

/**
 * iv_asof_published: the as-of values as the public sees them, by the one definition of indicator_value_published
 * (migration 0060) read back from the database and pointed at iv_asof, so that the withholding rule is written once
 */
async function createAsOfPublished(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ definition: string }>`SELECT pg_get_viewdef('indicator_value_published'::regclass) AS definition`.execute(db);
  const definition = rows[0]?.definition.trim().replace(/;$/, '') ?? '';
  const from = /\bFROM (?:public\.)?indicator_value v$/;
  if (!from.test(definition)) throw new Error(`indicator_value_published is not a view over "indicator_value v": ${definition}`);
  await sql`CREATE OR REPLACE TEMP VIEW iv_asof_published AS ${sql.raw(definition.replace(from, 'FROM iv_asof v'))}`.execute(db);
}

/**
 * runs a statement that groups cells: their joins with a few reference rows are estimated at a few hundred rows
 * where they are hundreds of thousands, which picks a sort where a hash aggregate is several times faster
 */
export async function withHashAggregate<T>(db: Kysely<Database>, run: () => Promise<T>): Promise<T> {
  await sql`SET LOCAL enable_sort = off`.execute(db);
  try {
    return await run();
  } finally {
    await sql`SET LOCAL enable_sort = on`.execute(db);
  }
}

export async function clearStage(db: Kysely<Database>): Promise<void> {
  await sql`TRUNCATE iv_stage, iv_kept`.execute(db);
}
