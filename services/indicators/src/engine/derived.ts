// Values derived from other indicators' values: change over years, and the status and dynamics index.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { RawBuilder } from 'kysely';
import type { IndicatorDefinition } from '../plan.ts';
import { type ComputeScope, inScope, type ValueTable, yearEnd } from './work.ts';

/** the batch ids a jsonb array of them (a value's provenance->'batches') lists, as uuid[] */
const batchIds = (batches: RawBuilder<unknown>) => sql`ARRAY(SELECT jsonb_array_elements_text(${batches}))::uuid[]`;

/** the union of the batch lists of a group's rows (an aggregate over `batches`, jsonb arrays of batch ids) */
const batchUnion = (batches: RawBuilder<unknown>) => sql`dp_uuid_union(dp_array_concat(${batchIds(batches)}))`;

const statusOf = sql`CASE WHEN cur.status = 'suppressed' OR prev.status = 'suppressed' THEN 'suppressed'
  WHEN 'estimated' IN (cur.status, prev.status) THEN 'estimated'
  WHEN 'provisional' IN (cur.status, prev.status) THEN 'provisional' ELSE 'ok' END`;

type Formula = IndicatorDefinition['formula'];

/**
 * a kind derived from stored values (change, index): staged from `table` (its name as `t`) for one definition of that
 * kind and a scope; a definition of another kind stages nothing. Returns the number of rows staged.
 */
function derivedStep<K extends Formula['kind']>(
  kind: K,
  stage: (db: Kysely<Database>, t: ReturnType<typeof sql.table>, f: Extract<Formula, { kind: K }>, definition: IndicatorDefinition, scope: ComputeScope) => Promise<number>,
) {
  return async (db: Kysely<Database>, table: ValueTable, definition: IndicatorDefinition, scope: ComputeScope): Promise<number> => {
    const f = definition.formula;
    if (f.kind !== kind) return 0;
    return stage(db, sql.table(table), f as Extract<Formula, { kind: K }>, definition, scope);
  };
}

/** change of an indicator against `years` earlier, for every unit, level and breakdown where both values exist */
export const computeChange = derivedStep('change', async (db, t, f, definition, scope) => {
  const value =
    f.mode === 'relative'
      ? sql`CASE WHEN prev.value = 0 THEN NULL ELSE (cur.value / prev.value - 1) * 100 END`
      : sql`cur.value - prev.value`;
  const staged = await sql`INSERT INTO iv_stage (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression, provenance)
    SELECT ${definition.id}::text, cur.lor_version, cur.level, cur.unit_id, cur.ref_date, cur.breakdown,
      CASE WHEN cur.status = 'suppressed' OR prev.status = 'suppressed' THEN NULL ELSE round((${value})::numeric, 12)::double precision END,
      NULL, NULL, ${statusOf},
      CASE WHEN cur.status = 'suppressed' OR prev.status = 'suppressed' THEN coalesce(cur.suppression, prev.suppression) END,
      jsonb_build_object('batches', to_jsonb(dp_uuid_union(
          ${batchIds(sql`cur.provenance->'batches'`)} || ${batchIds(sql`prev.provenance->'batches'`)})),
        'from', jsonb_build_array(${f.indicator}::text), 'dates', jsonb_build_array(prev.ref_date, cur.ref_date))
    FROM ${t} AS cur
    JOIN ${t} AS prev ON prev.indicator_id = cur.indicator_id AND prev.lor_version = cur.lor_version AND prev.level = cur.level
      AND prev.unit_id = cur.unit_id AND prev.breakdown = cur.breakdown
      AND prev.ref_date = (cur.ref_date - make_interval(years => ${f.years}::int))::date
    WHERE cur.indicator_id = ${f.indicator} AND ${inScope('cur', scope)}`.execute(db);
  return Number(staged.numAffectedRows ?? 0);
});

/**
 * status index (Monitoring Soziale Stadtentwicklung): per version and date, z-scores (population standard deviation)
 * of each member valid in that year over the units of the index level that have every such member, weighted and
 * summed, (standardised again and) classed by the thresholds; dynamics the same over each member's change against
 * `dynamicsYears` earlier, or over the change its `dynamics` indicator delivers, classed by the dynamics thresholds.
 * Units whose `minBase` variable is below its minimum are left out of both standardisations and written as
 * suppressed (`min_base`), as the MSS leaves out Planungsräume under 300 residents.
 */
export const computeIndex = derivedStep('index', async (db, t, f, definition, scope) => {
  const members = sql.join(
    f.members.map(
      (m) =>
        sql`(${m.indicator}::text, ${m.weight}::double precision, ${m.fromYear ?? null}::int, ${m.toYear ?? null}::int, ${m.dynamics ?? null}::text)`,
    ),
  );
  const memberIds = f.members.map((m) => m.indicator);
  const dynamicsIds = f.members.flatMap((m) => (m.dynamics ? [m.dynamics] : []));
  // the sum as it is, or standardised again over the units of the version and date (nulls are left out of both)
  const standardized = (column: string) =>
    f.standardize
      ? sql`(${sql.raw(column)} - avg(${sql.raw(column)}) OVER units) / nullif(stddev_pop(${sql.raw(column)}) OVER units, 0)`
      : sql.raw(column);
  // the dates the dynamics compare with, so that the earlier values are read through the primary key
  const prevDates = scope.years ? scope.years.map((y) => yearEnd(y - f.dynamicsYears)) : null;
  const classOf = (score: string, thresholds: number[]) =>
    sql`CASE WHEN ${sql.ref(score)} IS NULL THEN NULL ELSE 1 + (SELECT count(*) FROM unnest(${thresholds}::double precision[]) th WHERE ${sql.ref(score)} > th)::int END`;
  const dynamicsThresholds = f.dynamicsThresholds ?? f.thresholds;
  const statusLabel = sql`(${f.classLabels ?? null}::text[])[${classOf('score', f.thresholds)}]`;
  const dynamicsLabel = sql`(${f.dynamicsLabels ?? null}::text[])[${classOf('dynamics', dynamicsThresholds)}]`;
  // residents (or whatever minBase names) of each unit at the index level, from the rolled-up cells of this recompute
  const small = f.minBase
    ? sql`SELECT c.lor_version, c.unit_id, make_date(c.year, 12, 31) AS ref_date FROM iv_cells c
        WHERE c.variable_id = ${f.minBase.variable} AND c.level = ${f.level} AND c.breakdown = '' AND c.value < ${f.minBase.min}::double precision`
    : sql`SELECT NULL::text AS lor_version, NULL::text AS unit_id, NULL::date AS ref_date WHERE false`;
  const staged = await sql`INSERT INTO iv_stage (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression,
      class, class_label, dynamics, dynamics_class, dynamics_label, combined_label, provenance)
    WITH m(indicator_id, weight, from_year, to_year, dynamics_id) AS (VALUES ${members}),
    small AS MATERIALIZED (${small}),
    valid AS (
      -- the members of each date's edition, and how many a unit needs
      SELECT d.ref_date, m.*, count(*) OVER (PARTITION BY d.ref_date) AS n
      FROM (SELECT DISTINCT v.ref_date FROM ${t} v WHERE v.indicator_id = ANY (${memberIds}::text[]) AND ${inScope('v', scope)}) d
      JOIN m ON (m.from_year IS NULL OR extract(year FROM d.ref_date) >= m.from_year)
        AND (m.to_year IS NULL OR extract(year FROM d.ref_date) <= m.to_year)
    ),
    all_units AS (
      SELECT v.lor_version, v.unit_id, v.ref_date, v.indicator_id, m.weight, m.n, m.dynamics_id, v.value, v.status,
        v.provenance->'batches' AS batches
      FROM ${t} v JOIN valid m ON m.indicator_id = v.indicator_id AND m.ref_date = v.ref_date
      WHERE v.indicator_id = ANY (${memberIds}::text[]) AND v.level = ${f.level} AND v.breakdown = '' AND v.value IS NOT NULL
        AND ${inScope('v', scope)}
    ),
    base AS (
      SELECT a.* FROM all_units a
      WHERE NOT EXISTS (SELECT 1 FROM small s WHERE s.lor_version = a.lor_version AND s.unit_id = a.unit_id AND s.ref_date = a.ref_date)
    ),
    complete AS (
      SELECT lor_version, unit_id, ref_date FROM base GROUP BY 1, 2, 3 HAVING count(DISTINCT indicator_id) = max(n)
    ),
    z AS (
      -- in numeric, whose sums are exact: the scores do not depend on the order the rows are read in (a rebuilt table
      -- holds them in another order than one merged into), so a recompute rounds them to the same 12 decimals
      SELECT b.*, (b.value::numeric - avg(b.value::numeric) OVER w) / nullif(stddev_pop(b.value::numeric) OVER w, 0) AS z
      FROM base b JOIN complete c USING (lor_version, unit_id, ref_date)
      WINDOW w AS (PARTITION BY b.lor_version, b.ref_date, b.indicator_id)
    ),
    scored AS (
      SELECT lor_version, unit_id, ref_date, sum(weight::numeric * z) AS score,
        bool_or(status = 'estimated') AS estimated, bool_or(status = 'provisional') AS provisional,
        ${batchUnion(sql`batches`)} AS batches
      FROM z GROUP BY 1, 2, 3
    ),
    changes AS (
      -- a member's change: as its dynamics indicator delivers it, else against its value dynamicsYears earlier
      SELECT b.lor_version, b.unit_id, b.ref_date, b.indicator_id, b.weight, b.n,
        CASE WHEN b.dynamics_id IS NOT NULL THEN dv.value ELSE b.value - prev.value END AS d
      FROM base b JOIN complete c USING (lor_version, unit_id, ref_date)
      LEFT JOIN ${t} dv ON b.dynamics_id IS NOT NULL AND dv.indicator_id = ANY (${dynamicsIds}::text[])
        AND dv.indicator_id = b.dynamics_id AND dv.lor_version = b.lor_version AND dv.level = ${f.level}
        AND dv.unit_id = b.unit_id AND dv.breakdown = '' AND dv.ref_date = b.ref_date
      LEFT JOIN ${t} prev ON b.dynamics_id IS NULL AND prev.indicator_id = ANY (${memberIds}::text[])
        AND (${prevDates}::date[] IS NULL OR prev.ref_date = ANY (${prevDates}::date[]))
        AND prev.indicator_id = b.indicator_id AND prev.lor_version = b.lor_version AND prev.level = ${f.level}
        AND prev.unit_id = b.unit_id AND prev.breakdown = ''
        AND prev.ref_date = (b.ref_date - make_interval(years => ${f.dynamicsYears}::int))::date
    ),
    dz AS (
      SELECT c.*, (c.d::numeric - avg(c.d::numeric) OVER w) / nullif(stddev_pop(c.d::numeric) OVER w, 0) AS z
      FROM changes c WHERE c.d IS NOT NULL
      WINDOW w AS (PARTITION BY c.lor_version, c.ref_date, c.indicator_id)
    ),
    dyn AS (
      SELECT lor_version, unit_id, ref_date, sum(weight::numeric * z) AS dynamics
      FROM dz GROUP BY 1, 2, 3 HAVING count(DISTINCT indicator_id) = max(n)
    ),
    x AS (
      -- rounded so that the class and a recompute summing in another order agree
      SELECT s.lor_version, s.unit_id, s.ref_date, round((${standardized('s.score')})::numeric, 12)::double precision AS score,
        s.estimated, s.provisional, s.batches, round((${standardized('d.dynamics')})::numeric, 12)::double precision AS dynamics
      FROM scored s LEFT JOIN dyn d USING (lor_version, unit_id, ref_date)
      WINDOW units AS (PARTITION BY s.lor_version, s.ref_date)
    ),
    labelled AS (
      SELECT x.*, ${statusLabel} AS status_label, ${dynamicsLabel} AS dynamics_label FROM x
    )
    SELECT ${definition.id}::text, lor_version, ${f.level}, unit_id, ref_date, '', score, NULL, NULL,
      CASE WHEN estimated THEN 'estimated' WHEN provisional THEN 'provisional' ELSE 'ok' END, NULL,
      ${classOf('score', f.thresholds)}, status_label, dynamics, ${classOf('dynamics', dynamicsThresholds)}, dynamics_label,
      CASE WHEN status_label IS NOT NULL AND dynamics_label IS NOT NULL AND ${f.combinedLabel ?? null}::text IS NOT NULL
        THEN replace(replace(${f.combinedLabel ?? null}::text, '{status}', status_label), '{dynamics}', dynamics_label) END,
      jsonb_build_object('batches', to_jsonb(batches), 'from', ${JSON.stringify(memberIds)}::jsonb)
    FROM labelled
    UNION ALL
    -- units left out of the standardisation for their small base: written as withheld, with the reason
    SELECT ${definition.id}::text, a.lor_version, ${f.level}, a.unit_id, a.ref_date, '',
      NULL::double precision, NULL::double precision, NULL::double precision, 'suppressed', 'min_base', NULL::int, NULL::text,
      NULL::double precision, NULL::int, NULL::text, NULL::text,
      jsonb_build_object('batches', to_jsonb(${batchUnion(sql`a.batches`)}),
        'from', ${JSON.stringify(memberIds)}::jsonb)
    FROM all_units a JOIN small s ON s.lor_version = a.lor_version AND s.unit_id = a.unit_id AND s.ref_date = a.ref_date
    GROUP BY a.lor_version, a.unit_id, a.ref_date`.execute(db);
  return Number(staged.numAffectedRows ?? 0);
});
