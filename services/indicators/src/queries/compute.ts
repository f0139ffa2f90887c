// Set-based computation of share, ratio, balance, volume and distribution values into the stage, from rolled-up cells.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { IndicatorConfig } from '../config.ts';
import { type IndicatorDefinition, inputRefs } from '../plan.ts';
import { type ComputeScope, levelsCte, versionsParam, yearsParam } from './work.ts';

/** the observation revisions read: current ones, or those valid at a past time */
function revisionFilter(asOf: Date | null) {
  return asOf
    ? sql`o.valid_from <= ${asOf} AND (o.valid_to IS NULL OR o.valid_to > ${asOf})`
    : sql`o.valid_to IS NULL`;
}

/**
 * iv_cells: every input variable summed up the LOR hierarchy once per recompute, shared by all indicators.
 * Inputs are matched by reference year: per variable, version and year the latest reference date counts, and of that
 * date the finest level delivered, from which coarser levels are summed (variables with aggregation `none` stay where
 * they were delivered).
 */
export async function buildCells(db: Kysely<Database>, variables: string[], scope: ComputeScope, asOf: Date | null): Promise<void> {
  await sql`DROP TABLE IF EXISTS iv_cells`.execute(db);
  await sql`CREATE TEMP TABLE iv_cells ON COMMIT DROP AS
    WITH ${levelsCte},
    obs AS MATERIALIZED (
      SELECT o.variable_id, o.lor_version, o.level, o.unit_id, o.ref_date, o.breakdown, o.value, o.batch_id, o.status,
        extract(year FROM o.ref_date)::int AS year
      FROM observation o
      WHERE o.variable_id = ANY (${variables}::text[]) AND NOT o.deleted AND o.value IS NOT NULL AND ${revisionFilter(asOf)}
        AND (${versionsParam(scope)} IS NULL OR o.lor_version = ANY (${versionsParam(scope)}))
        AND (${yearsParam(scope)} IS NULL OR extract(year FROM o.ref_date)::int = ANY (${yearsParam(scope)}))
    ),
    pick AS MATERIALIZED (
      SELECT DISTINCT ON (o.variable_id, o.lor_version, o.year) o.variable_id, o.lor_version, o.year, o.ref_date, o.level, lv.rank
      FROM (SELECT DISTINCT variable_id, lor_version, year, ref_date, level FROM obs) o
      JOIN lv ON lv.level = o.level
      ORDER BY o.variable_id, o.lor_version, o.year, o.ref_date DESC, lv.rank DESC
    ),
    up AS MATERIALIZED (
      SELECT p.variable_id, p.lor_version, p.year, p.ref_date, p.level, l.level AS up_level, l.len
      FROM pick p JOIN variable v ON v.id = p.variable_id
      JOIN lv l ON l.rank <= p.rank AND (v.aggregation = 'sum' OR l.rank = p.rank)
    )
    SELECT o.variable_id, o.lor_version, o.year, o.ref_date, u.up_level AS level,
      CASE WHEN u.len = 0 THEN '0' ELSE left(o.unit_id, u.len) END AS unit_id, o.breakdown,
      sum(o.value) AS value, array_agg(DISTINCT o.batch_id) AS batches,
      bool_or(o.status = 'estimated') AS estimated, bool_or(o.status = 'provisional') AS provisional
    FROM obs o
    JOIN up u ON u.variable_id = o.variable_id AND u.lor_version = o.lor_version AND u.year = o.year
      AND u.ref_date = o.ref_date AND u.level = o.level
    GROUP BY o.variable_id, o.lor_version, o.year, o.ref_date, u.up_level, 6, o.breakdown`.execute(db);
  await sql`CREATE INDEX ON iv_cells (variable_id)`.execute(db);
  await sql`ANALYZE iv_cells`.execute(db);
}

/**
 * the status and suppression of a computed row; values are rounded to 12 decimals so that a recompute
 * summing in another order yields the same value and rewrites nothing
 */
function finalSelect(minBase: number) {
  return sql`SELECT lor_version, level, unit_id, make_date(year, 12, 31), breakdown,
      CASE WHEN suppression IS NULL THEN round(value::numeric, 12)::double precision END,
      round(numerator::numeric, 12)::double precision, round(denominator::numeric, 12)::double precision,
      CASE WHEN suppression IS NOT NULL THEN 'suppressed' WHEN estimated THEN 'estimated'
        WHEN provisional THEN 'provisional' ELSE 'ok' END,
      suppression, provenance
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
  config: IndicatorConfig,
): Promise<void> {
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
  await sql`INSERT INTO iv_stage (lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, provenance)
    WITH refs AS MATERIALIZED (
      SELECT r.role, r.variable_id, r.dims, r.restriction,
        r.count_role AND v.value_kind = 'count' AS count_role,
        greatest(v.disclosure_threshold, ${config.disclosureThreshold}::int) AS threshold
      FROM (VALUES ${values}) AS r(role, variable_id, dims, restriction, count_role)
      JOIN variable v ON v.id = r.variable_id
    ),
    bmap AS MATERIALIZED (
      SELECT r.role, r.variable_id, b.breakdown, dp_breakdown_without(b.breakdown, r.dims) AS residual
      FROM refs r JOIN (SELECT DISTINCT variable_id, breakdown FROM iv_cells) b ON b.variable_id = r.variable_id
      WHERE dp_breakdown_matches(b.breakdown, r.restriction)
    ),
    vals AS (
      SELECT c.lor_version, c.year, c.level, c.unit_id, m.residual AS breakdown, ${perRole},
        bool_or(c.estimated) AS estimated, bool_or(c.provisional) AS provisional,
        dp_array_concat(c.batches) AS batches,
        jsonb_object_agg(c.variable_id, c.ref_date) FILTER (WHERE c.ref_date <> make_date(c.year, 12, 31)) AS input_dates
      FROM iv_cells c
      JOIN bmap m ON m.variable_id = c.variable_id AND m.breakdown = c.breakdown
      JOIN refs r ON r.role = m.role
      GROUP BY c.lor_version, c.year, c.level, c.unit_id, m.residual
    ),
    x AS (
      SELECT vals.*, ${numerator} AS numerator, ${denominator} AS denominator, ${below} AS below_threshold,
        CASE WHEN ${denominator} = 0 THEN NULL ELSE (${numerator}) / (${denominator}) * ${factor}::double precision END AS value,
        jsonb_strip_nulls(jsonb_build_object('batches', to_jsonb(dp_uuid_union(batches)), 'inputDates', input_dates)) AS provenance
      FROM vals
      WHERE ${complete}
    )
    ${finalSelect(Math.max(definition.minBase, config.minBase))}`.execute(db);
}

/** distribution: each code of a dimension as a share of the cell without that dimension (its total, else the sum of its codes) */
export async function computeDistribution(
  db: Kysely<Database>,
  definition: IndicatorDefinition,
  config: IndicatorConfig,
): Promise<void> {
  const f = definition.formula;
  if (f.kind !== 'distribution') return;
  await sql`INSERT INTO iv_stage (lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, provenance)
    WITH v AS (
      SELECT value_kind = 'count' AS counts, greatest(disclosure_threshold, ${config.disclosureThreshold}::int) AS threshold
      FROM variable WHERE id = ${f.variable}
    ),
    split AS MATERIALIZED (
      SELECT c.*, b.code, b.rest
      FROM iv_cells c
      JOIN (SELECT DISTINCT breakdown, dp_breakdown_code(breakdown, ${f.dimension}) AS code,
              dp_breakdown_without(breakdown, ARRAY[${f.dimension}]::text[]) AS rest
            FROM iv_cells WHERE variable_id = ${f.variable}) b ON b.breakdown = c.breakdown
      WHERE c.variable_id = ${f.variable}
    ),
    parts AS (
      SELECT p.*, coalesce(t.value, sum(p.value) OVER (PARTITION BY p.lor_version, p.year, p.level, p.unit_id, p.rest)) AS total,
        dp_uuid_union(p.batches || coalesce(t.batches, '{}')) AS all_batches
      FROM split p
      LEFT JOIN split t ON t.code IS NULL AND t.lor_version = p.lor_version AND t.year = p.year AND t.level = p.level
        AND t.unit_id = p.unit_id AND t.breakdown = p.rest
      WHERE p.code IS NOT NULL
    ),
    x AS (
      SELECT lor_version, year, level, unit_id, breakdown, value AS numerator, total AS denominator,
        CASE WHEN total = 0 THEN NULL ELSE value / total * ${f.factor}::double precision END AS value,
        (SELECT counts AND parts.value < threshold FROM v) AS below_threshold, estimated, provisional,
        jsonb_strip_nulls(jsonb_build_object('batches', to_jsonb(all_batches),
          'inputDates', CASE WHEN ref_date <> make_date(year, 12, 31) THEN jsonb_build_object(variable_id, ref_date) END)) AS provenance
      FROM parts
    )
    ${finalSelect(Math.max(definition.minBase, config.minBase))}`.execute(db);
}

/**
 * secondary suppression: where exactly one child of a parent is suppressed, the unsuppressed sibling with the
 * smallest denominator is suppressed too, so the withheld value cannot be recovered from the parent by subtraction
 */
export async function secondarySuppression(db: Kysely<Database>): Promise<number> {
  const result = await sql`WITH ${levelsCte},
    kids AS (
      SELECT s.lor_version, s.level, s.unit_id, s.ref_date, s.breakdown, s.status,
        count(*) FILTER (WHERE s.status = 'suppressed') OVER parent AS suppressed_siblings,
        row_number() OVER (PARTITION BY s.lor_version, s.level, left(s.unit_id, p.len), s.ref_date, s.breakdown,
          s.status = 'suppressed' ORDER BY s.denominator NULLS LAST, s.unit_id) AS smallest
      FROM iv_stage s JOIN lv c ON c.level = s.level JOIN lv p ON p.rank = c.rank - 1
      WINDOW parent AS (PARTITION BY s.lor_version, s.level, left(s.unit_id, p.len), s.ref_date, s.breakdown)
    )
    UPDATE iv_stage s SET status = 'suppressed', suppression = 'secondary', value = NULL
    FROM kids k
    WHERE k.suppressed_siblings = 1 AND k.status <> 'suppressed' AND k.smallest = 1
      AND s.lor_version = k.lor_version AND s.level = k.level AND s.unit_id = k.unit_id
      AND s.ref_date = k.ref_date AND s.breakdown = k.breakdown`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
