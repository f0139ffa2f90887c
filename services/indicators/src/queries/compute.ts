// Set-based computation of share, ratio, balance, volume and distribution values of one indicator into the stage.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { IndicatorConfig } from '../config.ts';
import { type IndicatorDefinition, type InputRef, inputRefs } from '../plan.ts';
import { type ComputeScope, levelsCte, versionsParam, yearsParam } from './work.ts';

/** the observation revisions read: current ones, or those valid at a past time */
function revisionFilter(asOf: Date | null) {
  return asOf
    ? sql`o.valid_from <= ${asOf} AND (o.valid_to IS NULL OR o.valid_to > ${asOf})`
    : sql`o.valid_to IS NULL`;
}

/**
 * observations of the inputs, matched by reference year: per variable, version and year the latest
 * reference date, and of that date the finest level delivered, from which coarser levels are summed
 */
function inputCtes(variables: string[], scope: ComputeScope, asOf: Date | null) {
  return sql`obs AS MATERIALIZED (
    SELECT o.variable_id, o.lor_version, o.level, o.unit_id, o.ref_date, o.breakdown, o.value, o.batch_id, o.status,
      extract(year FROM o.ref_date)::int AS year
    FROM observation o
    WHERE o.variable_id = ANY (${variables}::text[]) AND NOT o.deleted AND o.value IS NOT NULL AND ${revisionFilter(asOf)}
      AND (${versionsParam(scope)} IS NULL OR o.lor_version = ANY (${versionsParam(scope)}))
      AND (${yearsParam(scope)} IS NULL OR extract(year FROM o.ref_date)::int = ANY (${yearsParam(scope)}))
  ),
  latest AS (
    SELECT variable_id, lor_version, year, max(ref_date) AS ref_date FROM obs GROUP BY 1, 2, 3
  ),
  pick AS (
    SELECT DISTINCT ON (o.variable_id, o.lor_version, o.year) o.variable_id, o.lor_version, o.year, o.ref_date, o.level
    FROM (SELECT DISTINCT o.variable_id, o.lor_version, o.year, o.ref_date, o.level FROM obs o
          JOIN latest l USING (variable_id, lor_version, year, ref_date)) o
    JOIN lv ON lv.level = o.level
    ORDER BY o.variable_id, o.lor_version, o.year, lv.rank DESC
  )`;
}

function refsValues(refs: Array<InputRef & { keepDim?: string }>) {
  return sql.join(
    refs.map(
      (r) => sql`(${r.role}::text, ${r.variable}::text, ${Object.keys(r.restriction)}::text[], ${JSON.stringify(r.restriction)}::jsonb,
        ${r.combos}::int, ${r.countRole}::boolean)`,
    ),
  );
}

/** refs joined with their variables, cells of each role at the picked date and level, then summed up the hierarchy */
function cellCtes(refs: InputRef[], config: IndicatorConfig) {
  return sql`refs AS (
    SELECT r.role, r.variable_id, r.dims, r.restriction, r.combos,
      r.count_role AND v.value_kind = 'count' AS count_role, v.aggregation AS agg,
      greatest(v.disclosure_threshold, ${config.disclosureThreshold}::int) AS threshold
    FROM (VALUES ${refsValues(refs)}) AS r(role, variable_id, dims, restriction, combos, count_role)
    JOIN variable v ON v.id = r.variable_id
  ),
  bmap AS (
    SELECT r.role, b.breakdown, dp_breakdown_without(b.breakdown, r.dims) AS residual
    FROM refs r JOIN (SELECT DISTINCT variable_id, breakdown FROM obs) b ON b.variable_id = r.variable_id
    WHERE dp_breakdown_matches(b.breakdown, r.restriction)
  ),
  cells AS (
    SELECT r.role, o.variable_id, o.lor_version, o.year, o.ref_date, o.level, o.unit_id, m.residual,
      sum(o.value) AS value, array_agg(DISTINCT o.batch_id) AS batches,
      bool_or(o.status = 'estimated') AS estimated, bool_or(o.status = 'provisional') AS provisional
    FROM obs o
    JOIN pick p ON p.variable_id = o.variable_id AND p.lor_version = o.lor_version AND p.year = o.year
      AND p.ref_date = o.ref_date AND p.level = o.level
    JOIN refs r ON r.variable_id = o.variable_id
    JOIN bmap m ON m.role = r.role AND m.breakdown = o.breakdown
    GROUP BY r.role, o.variable_id, o.lor_version, o.year, o.ref_date, o.level, o.unit_id, m.residual
    HAVING count(*) = max(r.combos)
  ),
  rolled AS (
    SELECT c.role, c.variable_id, c.lor_version, c.year, c.ref_date, up.level,
      CASE WHEN up.len = 0 THEN '0' ELSE left(c.unit_id, up.len) END AS unit_id, c.residual,
      sum(c.value) AS value, dp_uuid_union(dp_array_concat(c.batches)) AS batches,
      bool_or(c.estimated) AS estimated, bool_or(c.provisional) AS provisional,
      bool_or(r.count_role) AND sum(c.value) < max(r.threshold) AS below_threshold
    FROM cells c
    JOIN refs r ON r.role = c.role
    JOIN lv own ON own.level = c.level
    JOIN lv up ON up.rank <= own.rank AND (r.agg = 'sum' OR up.rank = own.rank)
    GROUP BY c.role, c.variable_id, c.lor_version, c.year, c.ref_date, up.level, 7, c.residual
  )`;
}

/** the status and suppression of a computed row (columns numerator, denominator, below_threshold, estimated, provisional) */
function finalSelect(minBase: number) {
  return sql`SELECT lor_version, level, unit_id, make_date(year, 12, 31), breakdown,
      CASE WHEN suppression IS NULL THEN value END, numerator, denominator,
      CASE WHEN suppression IS NOT NULL THEN 'suppressed' WHEN estimated THEN 'estimated'
        WHEN provisional THEN 'provisional' ELSE 'ok' END,
      suppression, provenance
    FROM (
      SELECT x.*, CASE WHEN x.denominator < ${minBase}::double precision THEN 'min_base'
        WHEN x.below_threshold THEN 'disclosure' END AS suppression
      FROM x
    ) s`;
}

function provenanceExpr() {
  return sql`jsonb_strip_nulls(jsonb_build_object('batches', to_jsonb(dp_uuid_union(dp_array_concat(batches))),
    'inputDates', jsonb_object_agg(variable_id, ref_date) FILTER (WHERE ref_date <> make_date(year, 12, 31))))`;
}

function kindExpressions(definition: IndicatorDefinition) {
  const f = definition.formula;
  const factor = 'factor' in f ? f.factor : 100;
  if (f.kind === 'share' || f.kind === 'ratio') return { numerator: sql`num`, denominator: sql`den`, factor };
  if (f.kind === 'balance') return { numerator: sql`inflow - outflow`, denominator: sql`base`, factor };
  return { numerator: sql`inflow + outflow`, denominator: sql`base`, factor };
}

/** share, ratio, balance, volume: one value per version, year, level, unit and residual breakdown where all inputs exist */
export async function computeSimple(
  db: Kysely<Database>,
  definition: IndicatorDefinition,
  scope: ComputeScope,
  asOf: Date | null,
  config: IndicatorConfig,
): Promise<void> {
  const refs = inputRefs(definition.formula);
  const roles = refs.map((r) => r.role);
  const { numerator, denominator, factor } = kindExpressions(definition);
  const pivot = sql.join(roles.map((role) => sql`sum(value) FILTER (WHERE role = ${role}) AS ${sql.ref(role)}`));
  await sql`INSERT INTO iv_stage (lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, provenance)
    WITH ${levelsCte}, ${inputCtes([...new Set(refs.map((r) => r.variable))], scope, asOf)}, ${cellCtes(refs, config)},
    vals AS (
      SELECT lor_version, year, level, unit_id, residual AS breakdown, ${pivot},
        bool_or(below_threshold) AS below_threshold, bool_or(estimated) AS estimated, bool_or(provisional) AS provisional,
        ${provenanceExpr()} AS provenance
      FROM rolled
      GROUP BY lor_version, year, level, unit_id, residual
      HAVING count(DISTINCT role) = ${roles.length}::int
    ),
    x AS (
      SELECT vals.*, ${numerator} AS numerator, ${denominator} AS denominator,
        CASE WHEN ${denominator} = 0 THEN NULL ELSE (${numerator}) / (${denominator}) * ${factor}::double precision END AS value
      FROM vals
    )
    ${finalSelect(Math.max(definition.minBase, config.minBase))}`.execute(db);
}

/** distribution: each code of a dimension as a share of the cell without that dimension (its total, else the sum of its codes) */
export async function computeDistribution(
  db: Kysely<Database>,
  definition: IndicatorDefinition,
  scope: ComputeScope,
  asOf: Date | null,
  config: IndicatorConfig,
): Promise<void> {
  const f = definition.formula;
  if (f.kind !== 'distribution') return;
  const refs: InputRef[] = [{ role: 'num', variable: f.variable, restriction: {}, combos: 1, countRole: true }];
  await sql`INSERT INTO iv_stage (lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, provenance)
    WITH ${levelsCte}, ${inputCtes([f.variable], scope, asOf)}, ${cellCtes(refs, config)},
    split AS (
      SELECT r.*, dp_breakdown_code(r.residual, ${f.dimension}) AS code,
        dp_breakdown_without(r.residual, ARRAY[${f.dimension}]::text[]) AS rest
      FROM rolled r
    ),
    parts AS (
      SELECT p.*, coalesce(t.value, sum(p.value) OVER (PARTITION BY p.lor_version, p.year, p.level, p.unit_id, p.rest)) AS total,
        dp_uuid_union(p.batches || coalesce(t.batches, '{}')) AS all_batches
      FROM split p
      LEFT JOIN split t ON t.code IS NULL AND t.lor_version = p.lor_version AND t.year = p.year AND t.level = p.level
        AND t.unit_id = p.unit_id AND t.residual = p.rest
      WHERE p.code IS NOT NULL
    ),
    x AS (
      SELECT lor_version, year, level, unit_id, residual AS breakdown, value AS numerator, total AS denominator,
        CASE WHEN total = 0 THEN NULL ELSE value / total * ${f.factor}::double precision END AS value,
        below_threshold, estimated, provisional,
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
        row_number() OVER (PARTITION BY s.lor_version, s.level, p.len, left(s.unit_id, p.len), s.ref_date, s.breakdown,
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
