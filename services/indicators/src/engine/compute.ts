// Set-based computation of share, ratio, balance, volume and distribution values into the stage, from rolled-up cells.
import { BERLIN_ID, type LorLevel, lorLevels } from '@datenpool/contracts';
import { type Database, type Kysely, observationRevisionsAt, sql, versionLinks, withheldCells } from '@datenpool/db';
import { publishedRelations, SECONDARY, withhold } from '@datenpool/disclosure';
import type { IndicatorConfig } from '../config.ts';
import { type IndicatorDefinition, inputRef, inputRefs } from '../plan.ts';
import { cellsInScope, type ComputeScope, levelsCte, prefixLength, withHashAggregate } from './work.ts';

/** the observations read: current ones (or those valid at a past time) of the variables, in the scope */
function observationFilter(variables: string[], scope: ComputeScope, asOf: Date | null) {
  const versions = scope.versions ? sql`AND o.lor_version = ANY (${scope.versions}::text[])` : sql``;
  // the year as date ranges, with every level listed: the key index (variable, version, level, date) then reads
  // only the scope's years of each variable instead of all of them
  const years = scope.years?.length === 0 ? sql`AND false` : scope.years
    ? sql`AND o.level = ANY (${lorLevels}::text[])
      AND (${sql.join(
        [...new Set(scope.years)].map((y) => sql`(o.ref_date >= make_date(${y}::int, 1, 1) AND o.ref_date < make_date(${y + 1}::int, 1, 1))`),
        sql` OR `,
      )})`
    : sql``;
  return sql`o.variable_id = ANY (${variables}::text[]) AND NOT o.deleted AND o.value IS NOT NULL AND ${observationRevisionsAt(asOf).where}
    ${versions} ${years}`;
}

/**
 * iv_cells: every input variable summed up the LOR hierarchy once per recompute, shared by all indicators.
 * Inputs are matched by reference year: per variable, version and year the latest reference date counts, and of that
 * date the finest level delivered (iv_pick), from which coarser levels are summed one level at a time (variables with
 * aggregation `none` stay where they were delivered).
 *
 * Provenance travels as a bit mask: the batches of each version and year are numbered (iv_batch), a cell holds the
 * bits of the batches it sums, and a value ORs the masks of its cells. Masks have one length per recompute, so that
 * `bit_or` and `|` apply; they are decoded into batch ids once per distinct mask when values are written.
 */
export async function buildCells(db: Kysely<Database>, variables: string[], scope: ComputeScope, asOf: Date | null): Promise<void> {
  const where = observationFilter(variables, scope, asOf);
  const revisions = observationRevisionsAt(asOf);
  for (const table of ['iv_obs', 'iv_cells', 'iv_pick', 'iv_batch', 'iv_breakdowns']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  // the observations read, once: the pick, the batch numbering and the cells read them from here
  await sql`CREATE TEMP TABLE iv_obs ON COMMIT DROP AS
    SELECT o.variable_id COLLATE "C" AS variable_id, o.lor_version COLLATE "C" AS lor_version, o.ref_date,
      o.level COLLATE "C" AS level, o.unit_id COLLATE "C" AS unit_id, o.breakdown COLLATE "C" AS breakdown, o.value,
      o.batch_id, o.status
    FROM ${revisions.from} WHERE ${where}`.execute(db);
  await sql`CREATE TEMP TABLE iv_pick ON COMMIT DROP AS
    WITH ${levelsCte},
    d AS (SELECT DISTINCT o.variable_id, o.lor_version, o.ref_date, o.level FROM iv_obs o)
    SELECT DISTINCT ON (d.variable_id, d.lor_version, extract(year FROM d.ref_date))
      d.variable_id, d.lor_version, extract(year FROM d.ref_date)::int AS year, d.ref_date, d.level, lv.rank
    FROM d JOIN lv ON lv.level = d.level
    ORDER BY d.variable_id, d.lor_version, extract(year FROM d.ref_date), d.ref_date DESC, lv.rank DESC`.execute(db);
  await sql`ANALYZE iv_pick`.execute(db);
  await sql`CREATE TEMP TABLE iv_batch ON COMMIT DROP AS
    SELECT lor_version, year, batch_id AS id, (row_number() OVER (PARTITION BY lor_version, year ORDER BY batch_id) - 1)::int AS k
    FROM (SELECT DISTINCT o.lor_version, p.year, o.batch_id
      FROM iv_obs o JOIN iv_pick p ON p.variable_id = o.variable_id AND p.lor_version = o.lor_version
        AND p.ref_date = o.ref_date AND p.level = o.level) x`.execute(db);
  const widest = await sql<{ n: number }>`SELECT coalesce(max(k) + 1, 1)::int AS n FROM iv_batch`.execute(db);
  const bits = 64 * Math.ceil((widest.rows[0]?.n ?? 1) / 64);
  // the mask length is a computed integer, inlined because a cast to bit(n) takes a constant
  await sql`ALTER TABLE iv_batch ADD COLUMN mask bit varying`.execute(db);
  await sql`UPDATE iv_batch SET mask = set_bit(0::${sql.raw(`bit(${bits})`)}::bit varying, k, 1)`.execute(db);
  await sql`CREATE TEMP TABLE iv_cells ON COMMIT DROP AS
    SELECT o.variable_id, o.lor_version, p.year, o.ref_date, o.level, p.rank, o.unit_id, o.breakdown, o.value, b.mask,
      o.status = 'estimated' AS estimated, o.status = 'provisional' AS provisional
    FROM iv_obs o
    JOIN iv_pick p ON p.variable_id = o.variable_id AND p.lor_version = o.lor_version AND p.ref_date = o.ref_date AND p.level = o.level
    JOIN iv_batch b ON b.lor_version = o.lor_version AND b.year = p.year AND b.id = o.batch_id`.execute(db);
  await sql`DROP TABLE iv_obs`.execute(db);
  // statistics pay off in the plans of the roll-up and the stage when there are many cells; for the few thousand
  // cells of an incremental recompute, sampling them costs more than the plans gain
  const cells = await sql<{ n: number }>`SELECT count(*)::int AS n FROM iv_cells`.execute(db);
  if ((cells.rows[0]?.n ?? 0) > 100_000) await sql`ANALYZE iv_cells`.execute(db);
  // one level at a time, from the level below (cells of rank r + 1 exist only where the pick is at least that fine)
  for (let rank = lorLevels.length - 2; rank >= 0; rank--) {
    const level = lorLevels[rank] as LorLevel;
    const length = prefixLength(level);
    const unit = length === 0 ? sql`${BERLIN_ID}::text` : sql.raw(`left(c.unit_id, ${length})`);
    await withHashAggregate(db, () => sql`INSERT INTO iv_cells
      SELECT c.variable_id, c.lor_version, c.year, c.ref_date, ${level}::text, ${rank}::int, ${unit}, c.breakdown,
        sum(c.value), bit_or(c.mask), bool_or(c.estimated), bool_or(c.provisional)
      FROM iv_cells c
      WHERE c.rank = ${rank + 1}::int AND c.variable_id IN (SELECT id FROM variable WHERE aggregation = 'sum')
      GROUP BY c.variable_id, c.lor_version, c.year, c.ref_date, ${length === 0 ? sql`` : sql`${unit}, `}c.breakdown`.execute(db));
  }
  await markWithheldCells(db, asOf);
  await sql`CREATE INDEX ON iv_cells (variable_id)`.execute(db);
  // the breakdowns each variable holds: where references and distributions look up their codes
  await sql`CREATE TEMP TABLE iv_breakdowns ON COMMIT DROP AS
    SELECT DISTINCT variable_id, breakdown FROM iv_cells
    -- summed variables reach Berlin with every breakdown they hold; the others stay where they were delivered
    WHERE rank = 0 OR variable_id IN (SELECT id FROM variable WHERE aggregation <> 'sum')`.execute(db);
}

/**
 * cells the observation reads withhold from the public (at the time computed): a value read from one is withheld too,
 * else its value, numerator or base would give the withheld count away (the one rule of migration 0057, packages/db).
 * Groups still pending an evaluation are not looked at here: they are evaluated where observations land.
 */
async function markWithheldCells(db: Kysely<Database>, asOf: Date | null): Promise<void> {
  await sql`ALTER TABLE iv_cells ADD COLUMN withheld boolean NOT NULL DEFAULT false`.execute(db);
  const withheld = withheldCells(asOf ? { kind: 'at', at: asOf } : { kind: 'current' });
  await sql`UPDATE iv_cells c SET withheld = true FROM (${withheld}) w
    WHERE w.variable_id COLLATE "C" = c.variable_id AND w.lor_version COLLATE "C" = c.lor_version AND w.ref_date = c.ref_date
      AND w.unit_id COLLATE "C" = c.unit_id AND w.breakdown COLLATE "C" = c.breakdown`.execute(db);
}

/**
 * the status and suppression of a computed row; values are rounded to 12 decimals so that a recompute
 * summing in another order yields the same value and rewrites nothing
 */
function finalSelect(indicatorId: string, minBase: number) {
  return sql`SELECT ${indicatorId}::text, lor_version, level, unit_id, make_date(year, 12, 31), breakdown,
      CASE WHEN suppression IS NULL THEN round(value::numeric, 12)::double precision END,
      round(numerator::numeric, 12)::double precision, round(denominator::numeric, 12)::double precision,
      CASE WHEN suppression IS NOT NULL THEN 'suppressed' WHEN estimated THEN 'estimated'
        WHEN provisional THEN 'provisional' ELSE 'ok' END,
      suppression, mask, input_dates
    FROM (
      SELECT x.*, CASE WHEN x.denominator < ${minBase}::double precision THEN 'min_base'
        WHEN x.below_threshold THEN 'disclosure' END AS suppression
      FROM x
    ) s`;
}

function kindExpressions(definition: IndicatorDefinition) {
  const f = definition.formula;
  const factor = 'factor' in f ? f.factor : 100;
  if (f.kind === 'share' || f.kind === 'ratio') return { numerator: sql`num`, denominator: sql`den`, factor };
  if (f.kind === 'balance') return { numerator: sql`inflow - outflow`, denominator: sql`base`, factor };
  return { numerator: sql`inflow + outflow`, denominator: sql`base`, factor };
}

/**
 * share, ratio, balance, volume: one value per version, year, level, unit and residual breakdown (the breakdown
 * without the dimensions a reference restricts) where every input has all its codes
 */
export async function computeSimple(
  db: Kysely<Database>,
  definition: IndicatorDefinition,
  scope: ComputeScope,
  config: IndicatorConfig,
): Promise<number> {
  const refs = inputRefs(definition.formula);
  const { numerator, denominator, factor } = kindExpressions(definition);
  const values = sql.join(
    refs.map(
      (r) => sql`(${r.role}::text, ${r.variable}::text, ${Object.keys(r.restriction)}::text[], ${JSON.stringify(r.restriction)}::jsonb, ${r.countRole}::boolean)`,
    ),
  );
  const perRole = sql.join(
    refs.map((r) => {
      const role = sql.lit(r.role);
      return sql`sum(c.value) FILTER (WHERE m.role = ${role}) AS ${sql.ref(r.role)},
        count(*) FILTER (WHERE m.role = ${role}) = ${r.combos}::int AS ${sql.ref(`${r.role}_complete`)},
        coalesce(bool_or(r.count_role) FILTER (WHERE m.role = ${role}), false)
          AND sum(c.value) FILTER (WHERE m.role = ${role}) < max(r.threshold) FILTER (WHERE m.role = ${role}) AS ${sql.ref(`${r.role}_below`)}`;
    }),
  );
  const complete = sql.join(refs.map((r) => sql.ref(`${r.role}_complete`)), sql` AND `);
  const below = sql.join(refs.map((r) => sql.ref(`${r.role}_below`)), sql` OR `);
  const variables = [...new Set(refs.map((r) => r.variable))];
  const staged = await sql`INSERT INTO iv_stage (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, mask, input_dates)
    WITH refs AS MATERIALIZED (
      SELECT r.role, r.variable_id, r.dims, r.restriction,
        r.count_role AND v.value_kind = 'count' AS count_role,
        greatest(v.disclosure_threshold, ${config.disclosureThreshold}::int) AS threshold
      FROM (VALUES ${values}) AS r(role, variable_id, dims, restriction, count_role)
      JOIN variable v ON v.id = r.variable_id
    ),
    candidates AS MATERIALIZED (
      SELECT r.role, r.variable_id, b.breakdown, dp_breakdown_without(b.breakdown, r.dims) AS residual
      FROM refs r JOIN iv_breakdowns b ON b.variable_id = r.variable_id
      WHERE dp_breakdown_matches(b.breakdown, r.restriction)
    ),
    bmap AS MATERIALIZED (
      -- only residual breakdowns that every input can deliver: the others can never be complete, and grouping their
      -- cells was most of the work (a share of one age group by the total grouped every breakdown of the total)
      SELECT c.* FROM candidates c
      WHERE c.residual IN (SELECT residual FROM candidates GROUP BY residual HAVING count(DISTINCT role) = ${refs.length}::int)
    ),
    vals AS (
      SELECT c.lor_version, c.year, c.level, c.unit_id, m.residual AS breakdown, ${perRole},
        bool_or(c.withheld) AS inputs_withheld, bool_or(c.estimated) AS estimated, bool_or(c.provisional) AS provisional, bit_or(c.mask) AS mask,
        jsonb_object_agg(c.variable_id, c.ref_date) FILTER (WHERE c.ref_date <> make_date(c.year, 12, 31)) AS input_dates
      FROM iv_cells c
      JOIN bmap m ON m.variable_id = c.variable_id AND m.breakdown = c.breakdown
      JOIN refs r ON r.role = m.role
      WHERE c.variable_id = ANY (${variables}::text[]) AND ${cellsInScope('c', scope)}
      GROUP BY c.lor_version, c.year, c.level, c.unit_id, m.residual
    ),
    x AS (
      SELECT vals.*, ${numerator} AS numerator, ${denominator} AS denominator, ${below} OR inputs_withheld AS below_threshold,
        CASE WHEN ${denominator} = 0 THEN NULL ELSE (${numerator}) / (${denominator}) * ${factor}::double precision END AS value
      FROM vals
      WHERE ${complete}
    )
    ${finalSelect(definition.id, Math.max(definition.minBase, config.minBase))}`.execute(db);
  return Number(staged.numAffectedRows ?? 0);
}

/**
 * rate: a delivered rate (a variable of value kind `rate`) at the level it was delivered, as delivered (value and
 * status), with the base it refers to as denominator and rate × base / factor as numerator; every coarser level as the
 * base-weighted mean of the delivered units that have both (Σ numerator / Σ base × factor), marked estimated. Where the
 * declared base has no value in a version and year (residents by age before 2015), every unit of that version and year
 * is weighted by the base variable's total instead, and the provenance says so (`weights.fallback`). Delivered values
 * are not withheld for a small base: the agency published them under its own disclosure rules.
 */
export async function computeRate(
  db: Kysely<Database>,
  definition: IndicatorDefinition,
  scope: ComputeScope,
  config: IndicatorConfig,
): Promise<number> {
  const f = definition.formula;
  if (f.kind !== 'rate' || !f.base) return 0;
  const base = inputRef('base', f.base, false);
  const dims = Object.keys(base.restriction);
  const weights = (fallback: boolean) =>
    JSON.stringify({ weights: { variable: base.variable, breakdown: fallback ? {} : base.restriction, fallback } });
  const minBase = Math.max(definition.minBase, config.minBase);
  const dateOf = (variable: string, date: string) =>
    sql`CASE WHEN ${sql.ref(date)} <> make_date(year, 12, 31) THEN jsonb_build_object(${variable}::text, ${sql.ref(date)}) END`;
  const staged = await sql`INSERT INTO iv_stage (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, mask, input_dates, provenance)
    WITH ${levelsCte},
    r AS MATERIALIZED (
      SELECT c.lor_version, c.year, c.level, c.rank, c.unit_id, c.breakdown, c.value, c.mask, c.estimated, c.provisional, c.ref_date
      FROM iv_cells c WHERE c.variable_id = ${f.rate} AND ${cellsInScope('c', scope)}
    ),
    -- the base is read only where rates were delivered (their versions, years and level), and its breakdowns are
    -- matched against the restriction once each (iv_breakdowns), not once per cell
    keys AS MATERIALIZED (SELECT DISTINCT lor_version, year, level FROM r),
    bmap AS MATERIALIZED (
      SELECT breakdown, dp_breakdown_without(breakdown, ${dims}::text[]) AS residual
      FROM iv_breakdowns WHERE variable_id = ${base.variable} AND dp_breakdown_matches(breakdown, ${JSON.stringify(base.restriction)}::jsonb)
    ),
    bcells AS MATERIALIZED (
      SELECT c.lor_version, c.year, c.level, c.unit_id, c.breakdown, c.value, c.mask, c.estimated, c.ref_date, c.withheld
      FROM iv_cells c JOIN keys k ON k.lor_version = c.lor_version AND k.year = c.year AND k.level = c.level
      WHERE c.variable_id = ${base.variable}
    ),
    declared AS MATERIALIZED (
      SELECT c.lor_version, c.year, c.level, c.unit_id, m.residual AS breakdown,
        sum(c.value) AS value, bit_or(c.mask) AS mask, bool_or(c.estimated) AS estimated, min(c.ref_date) AS ref_date,
        bool_or(c.withheld) AS withheld
      FROM bcells c JOIN bmap m ON m.breakdown = c.breakdown
      GROUP BY 1, 2, 3, 4, 5 HAVING count(*) = ${base.combos}::int
    ),
    declared_years AS (SELECT DISTINCT lor_version, year FROM declared),
    b AS (
      SELECT d.*, false AS fallback FROM declared d
      UNION ALL
      SELECT c.*, true FROM bcells c
      WHERE NOT EXISTS (SELECT 1 FROM declared_years y WHERE y.lor_version = c.lor_version AND y.year = c.year)
    ),
    delivered AS MATERIALIZED (
      SELECT r.*, b.value AS base, b.fallback, b.ref_date AS base_date,
        CASE WHEN b.mask IS NULL THEN r.mask ELSE r.mask | b.mask END AS all_mask, coalesce(b.estimated, false) AS base_estimated,
        coalesce(b.withheld, false) AS base_withheld
      FROM r LEFT JOIN b ON b.lor_version = r.lor_version AND b.year = r.year AND b.level = r.level AND b.unit_id = r.unit_id
        AND b.breakdown = r.breakdown
    ),
    finest AS (SELECT lor_version, year, max(rank) AS rank FROM r GROUP BY 1, 2),
    rolled AS (
      SELECT d.lor_version, d.year, lv.level, CASE WHEN lv.len = 0 THEN ${BERLIN_ID}::text ELSE left(d.unit_id, lv.len) END AS unit_id,
        d.breakdown, sum(d.value * d.base / ${f.factor}::double precision) AS numerator, sum(d.base) AS denominator,
        bit_or(d.all_mask) AS mask, bool_or(d.fallback) AS fallback, min(d.ref_date) AS ref_date, min(d.base_date) AS base_date,
        bool_or(d.base_withheld) AS base_withheld
      FROM delivered d
      JOIN finest f ON f.lor_version = d.lor_version AND f.year = d.year AND f.rank = d.rank
      JOIN lv ON lv.rank < d.rank
      WHERE d.base IS NOT NULL
      GROUP BY 1, 2, 3, 4, 5
    ),
    x AS (
      SELECT lor_version, year, level, unit_id, breakdown, value,
        CASE WHEN base IS NOT NULL THEN value * base / ${f.factor}::double precision END AS numerator, base AS denominator,
        -- a base withheld from the public is no base to publish (the value itself was published by its agency)
        CASE WHEN base_withheld THEN 'suppressed' WHEN estimated THEN 'estimated' WHEN provisional THEN 'provisional' ELSE 'ok' END AS status,
        CASE WHEN base_withheld THEN 'disclosure' END AS suppression,
        all_mask AS mask, ${dateOf(f.rate, 'ref_date')} AS rate_date, ${dateOf(base.variable, 'base_date')} AS base_dates,
        CASE WHEN base IS NULL THEN NULL WHEN fallback THEN ${weights(true)}::jsonb ELSE ${weights(false)}::jsonb END AS provenance
      FROM delivered
      UNION ALL
      SELECT lor_version, year, level, unit_id, breakdown,
        CASE WHEN denominator = 0 THEN NULL ELSE numerator / denominator * ${f.factor}::double precision END,
        numerator, denominator, CASE WHEN denominator < ${minBase}::double precision OR base_withheld THEN 'suppressed' ELSE 'estimated' END,
        CASE WHEN denominator < ${minBase}::double precision THEN 'min_base' WHEN base_withheld THEN 'disclosure' END,
        mask, ${dateOf(f.rate, 'ref_date')}, ${dateOf(base.variable, 'base_date')},
        CASE WHEN fallback THEN ${weights(true)}::jsonb ELSE ${weights(false)}::jsonb END
      FROM rolled
      WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.lor_version = rolled.lor_version AND r.year = rolled.year AND r.level = rolled.level
        AND r.unit_id = rolled.unit_id AND r.breakdown = rolled.breakdown)
    )
    SELECT ${definition.id}::text, lor_version, level, unit_id, make_date(year, 12, 31), breakdown,
      CASE WHEN suppression IS NULL THEN round(value::numeric, 12)::double precision END,
      round(numerator::numeric, 12)::double precision, round(denominator::numeric, 12)::double precision,
      status, suppression, mask, nullif(coalesce(rate_date, '{}') || coalesce(base_dates, '{}'), '{}'), provenance
    FROM x`.execute(db);
  return Number(staged.numAffectedRows ?? 0);
}

/** distribution: each code of a dimension as a share of the cell without that dimension (its total, else the sum of its codes) */
export async function computeDistribution(
  db: Kysely<Database>,
  definition: IndicatorDefinition,
  scope: ComputeScope,
  config: IndicatorConfig,
): Promise<number> {
  const f = definition.formula;
  if (f.kind !== 'distribution') return 0;
  const staged = await sql`INSERT INTO iv_stage (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, mask, input_dates)
    WITH v AS (
      SELECT value_kind = 'count' AS counts, greatest(disclosure_threshold, ${config.disclosureThreshold}::int) AS threshold
      FROM variable WHERE id = ${f.variable}
    ),
    split AS MATERIALIZED (
      SELECT c.*, b.code, b.rest
      FROM iv_cells c
      JOIN (SELECT breakdown, dp_breakdown_code(breakdown, ${f.dimension}) AS code,
              dp_breakdown_without(breakdown, ARRAY[${f.dimension}]::text[]) AS rest
            FROM iv_breakdowns WHERE variable_id = ${f.variable}) b ON b.breakdown = c.breakdown
      WHERE c.variable_id = ${f.variable} AND ${cellsInScope('c', scope)}
    ),
    parts AS (
      SELECT p.*, coalesce(t.value, sum(p.value) OVER (PARTITION BY p.lor_version, p.year, p.level, p.unit_id, p.rest)) AS total,
        coalesce(t.withheld, bool_or(p.withheld) OVER (PARTITION BY p.lor_version, p.year, p.level, p.unit_id, p.rest)) AS total_withheld,
        CASE WHEN t.mask IS NULL THEN p.mask ELSE p.mask | t.mask END AS all_mask
      FROM split p
      LEFT JOIN split t ON t.code IS NULL AND t.lor_version = p.lor_version AND t.year = p.year AND t.level = p.level
        AND t.unit_id = p.unit_id AND t.breakdown = p.rest
      WHERE p.code IS NOT NULL
    ),
    x AS (
      SELECT lor_version, year, level, unit_id, breakdown, value AS numerator, total AS denominator,
        CASE WHEN total = 0 THEN NULL ELSE value / total * ${f.factor}::double precision END AS value,
        (v.counts AND parts.value < v.threshold) OR parts.withheld OR parts.total_withheld AS below_threshold, estimated, provisional, all_mask AS mask,
        CASE WHEN ref_date <> make_date(year, 12, 31) THEN jsonb_build_object(variable_id, ref_date) END AS input_dates
      FROM parts CROSS JOIN v
    )
    ${finalSelect(definition.id, Math.max(definition.minBase, config.minBase))}`.execute(db);
  return Number(staged.numAffectedRows ?? 0);
}

export interface StagedCellRow {
  indicator_id: string;
  lor_version: string;
  unit_id: string;
  ref_date: string;
  breakdown: string;
  withheld: boolean;
  denominator: number | null;
}

/** the staged values of the indicators' dates that hold a withheld value, in a stable order */
export async function stagedWithheldGroups(db: Kysely<Database>, indicatorIds: string[]): Promise<StagedCellRow[]> {
  const result = await sql<StagedCellRow>`WITH g AS MATERIALIZED (
      SELECT DISTINCT indicator_id, ref_date FROM iv_stage WHERE indicator_id = ANY (${indicatorIds}::text[]) AND status = 'suppressed'
    )
    SELECT s.indicator_id, s.lor_version, s.unit_id, to_char(s.ref_date, 'YYYY-MM-DD') AS ref_date, s.breakdown,
      s.status = 'suppressed' AS withheld, s.denominator
    FROM iv_stage s JOIN g ON g.indicator_id = s.indicator_id AND g.ref_date = s.ref_date
    ORDER BY s.indicator_id COLLATE "C", s.ref_date, s.lor_version COLLATE "C", s.unit_id COLLATE "C", s.breakdown COLLATE "C"`.execute(db);
  return result.rows;
}

/** withholds the given staged values as complementary cells */
export async function withholdStaged(db: Kysely<Database>, cells: Omit<StagedCellRow, 'withheld' | 'denominator'>[]): Promise<number> {
  if (cells.length === 0) return 0;
  const col = <K extends keyof StagedCellRow>(k: K) => cells.map((c) => c[k as keyof typeof c]);
  const result = await sql`UPDATE iv_stage s SET status = 'suppressed', suppression = 'secondary', value = NULL
    FROM unnest(${col('indicator_id')}::text[], ${col('lor_version')}::text[], ${col('unit_id')}::text[], ${col('ref_date')}::date[],
      ${col('breakdown')}::text[]) AS k(indicator_id, lor_version, unit_id, ref_date, breakdown)
    WHERE s.indicator_id = k.indicator_id AND s.lor_version = k.lor_version AND s.unit_id = k.unit_id AND s.ref_date = k.ref_date
      AND s.breakdown = k.breakdown`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * secondary suppression of the staged values of the given indicators, by the pool's one rule (@datenpool/disclosure):
 * per indicator and date, over every relation the values' numerators and bases obey (a unit and its child units, a
 * breakdown cell and the cells of one more dimension, the same territory in both LOR versions), complementary cells
 * (the smallest base first) are withheld until no relation has a single withheld value
 */
export async function secondarySuppression(db: Kysely<Database>, indicatorIds: string[]): Promise<number> {
  if (indicatorIds.length === 0) return 0;
  const rows = await stagedWithheldGroups(db, indicatorIds);
  if (rows.length === 0) return 0;
  const links = await versionLinks(db);
  const picked: StagedCellRow[] = [];
  for (let start = 0; start < rows.length; ) {
    let end = start;
    while (end < rows.length && rows[end]!.indicator_id === rows[start]!.indicator_id && rows[end]!.ref_date === rows[start]!.ref_date) end++;
    const group = rows.slice(start, end);
    const cells = group.map((r) => ({ version: r.lor_version, unit: r.unit_id, breakdown: r.breakdown }));
    const relations = publishedRelations(cells, { hierarchy: true, breakdowns: true, links });
    const state = withhold(
      group.map((r) => r.withheld),
      group.map((r) => (r.denominator === null ? Number.POSITIVE_INFINITY : Number(r.denominator))),
      relations,
    );
    group.forEach((r, i) => {
      if (state[i] === SECONDARY) picked.push(r);
    });
    start = end;
  }
  return withholdStaged(db, picked);
}
