// Merging the staged values of one indicator with their reference values: Berlin and district, rank and percentile,
// changes and target distance, computed in the same statement that writes each row once.
import { type Database, type Kysely, sql } from '@datenpool/db';
import { type ComputeScope, inScope, type ValueTable } from './work.ts';

/**
 * Writes the staged values of one indicator with berlin, district, rank (1 = highest value), percentile (0 = lowest,
 * 100 = highest), change_1y, change_ny and the target of the unit's scope (its district's before Berlin's, totals
 * only). The windows run over the staged rows together with the indicator's stored rows of other dates, from which
 * changes read earlier years. Rows equal to the stored ones are not written, so their provenance and computed_at
 * stay; rows of the scope that were not computed again are removed.
 */
export async function mergeStage(
  db: Kysely<Database>,
  table: ValueTable,
  indicatorId: string,
  scope: ComputeScope,
  changeYears: number,
): Promise<{ written: number; removed: number }> {
  const t = sql.table(table);
  const hasTargets = await db.selectFrom('indicator_target').select('id').where('indicator_id', '=', indicatorId).limit(1).executeTakeFirst();
  const target = hasTargets
    ? sql`(SELECT x.target_value FROM indicator_target x
        WHERE x.indicator_id = ${indicatorId} AND w.breakdown = '' AND w.ref_date BETWEEN x.period_from AND x.period_to
          AND (x.scope = 'berlin' OR (x.scope = left(w.unit_id, 2) AND w.level <> 'berlin'))
        ORDER BY x.scope = 'berlin', x.period_from DESC LIMIT 1)`
    : sql`NULL::double precision`;
  // frame offsets must be constants: the number of years is a validated integer
  const oneYear = sql.raw(`interval '1 year'`);
  const nYears = sql.raw(`interval '${Math.trunc(changeYears)} years'`);
  const written = await sql`WITH decoded AS (
      -- each distinct batch mask of the stage decoded once into its batch ids (iv_batch numbers them per version and year)
      SELECT m.lor_version, m.ref_date, m.mask, m.input_dates,
        jsonb_strip_nulls(jsonb_build_object('batches', to_jsonb(array_agg(b.id ORDER BY b.id)), 'inputDates', m.input_dates)) AS provenance
      FROM (SELECT DISTINCT lor_version, ref_date, mask::text AS mask, input_dates FROM iv_stage WHERE mask IS NOT NULL) m
      JOIN iv_batch b ON b.lor_version = m.lor_version AND b.year = extract(year FROM m.ref_date)::int
        AND substr(m.mask, b.k + 1, 1) = '1'
      GROUP BY m.lor_version, m.ref_date, m.mask, m.input_dates
    ),
    base AS (
      SELECT s.lor_version, s.level, s.unit_id, s.ref_date, s.breakdown, s.value, s.numerator, s.denominator, s.status,
        s.suppression, s.class, s.class_label, s.dynamics, s.dynamics_class, coalesce(s.provenance, d.provenance) AS provenance,
        true AS staged
      FROM iv_stage s
      LEFT JOIN decoded d ON d.lor_version = s.lor_version AND d.ref_date = s.ref_date AND d.mask = s.mask::text
        AND coalesce(d.input_dates, '{}') = coalesce(s.input_dates, '{}')
      UNION ALL
      SELECT v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown, v.value, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, false
      FROM ${t} v
      WHERE v.indicator_id = ${indicatorId} AND v.lor_version IN (SELECT DISTINCT lor_version FROM iv_stage)
        AND v.ref_date NOT IN (SELECT DISTINCT ref_date FROM iv_stage)
        -- only the earlier years the changes read
        AND v.ref_date IN (SELECT DISTINCT (d - ${oneYear})::date FROM (SELECT DISTINCT ref_date AS d FROM iv_stage) x
          UNION SELECT DISTINCT (d - ${nYears})::date FROM (SELECT DISTINCT ref_date AS d FROM iv_stage) y)
    ),
    w AS (
      SELECT b.*,
        max(b.value) FILTER (WHERE b.level = 'berlin') OVER (PARTITION BY b.lor_version, b.ref_date, b.breakdown) AS berlin,
        max(b.value) FILTER (WHERE b.level = 'bezirk')
          OVER (PARTITION BY b.lor_version, b.ref_date, b.breakdown, CASE WHEN b.level = 'berlin' THEN NULL ELSE left(b.unit_id, 2) END) AS district,
        CASE WHEN b.value IS NOT NULL THEN rank() OVER (PARTITION BY b.lor_version, b.level, b.ref_date, b.breakdown, b.value IS NULL
          ORDER BY b.value DESC) END::int AS rank,
        CASE WHEN b.value IS NOT NULL THEN 100 * percent_rank() OVER (PARTITION BY b.lor_version, b.level, b.ref_date, b.breakdown,
          b.value IS NULL ORDER BY b.value) END AS percentile,
        b.value - max(b.value) OVER (PARTITION BY b.lor_version, b.level, b.unit_id, b.breakdown ORDER BY b.ref_date
          RANGE BETWEEN ${oneYear} PRECEDING AND ${oneYear} PRECEDING) AS change_1y,
        b.value - max(b.value) OVER (PARTITION BY b.lor_version, b.level, b.unit_id, b.breakdown ORDER BY b.ref_date
          RANGE BETWEEN ${nYears} PRECEDING AND ${nYears} PRECEDING) AS change_ny
      FROM base b
    ),
    a AS (SELECT w.*, ${target} AS target FROM w WHERE w.staged)
    INSERT INTO ${t} AS t (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator,
      status, suppression, berlin, district, rank, percentile, change_1y, change_ny, target, target_distance,
      class, class_label, dynamics, dynamics_class, provenance, computed_at)
    SELECT ${indicatorId}, a.lor_version, a.level, a.unit_id, a.ref_date, a.breakdown, a.value, a.numerator, a.denominator,
      a.status, a.suppression, a.berlin, a.district, a.rank, a.percentile, a.change_1y, a.change_ny, a.target, a.value - a.target,
      a.class, a.class_label, a.dynamics, a.dynamics_class, a.provenance, now()
    FROM a
    ON CONFLICT (indicator_id, lor_version, level, unit_id, ref_date, breakdown) DO UPDATE SET
      value = excluded.value, numerator = excluded.numerator, denominator = excluded.denominator, status = excluded.status,
      suppression = excluded.suppression, berlin = excluded.berlin, district = excluded.district, rank = excluded.rank,
      percentile = excluded.percentile, change_1y = excluded.change_1y, change_ny = excluded.change_ny, target = excluded.target,
      target_distance = excluded.target_distance, class = excluded.class, class_label = excluded.class_label,
      dynamics = excluded.dynamics, dynamics_class = excluded.dynamics_class, provenance = excluded.provenance,
      -- the time of the last change of the value or its provenance, not of its reference values
      computed_at = CASE WHEN (t.value, t.numerator, t.denominator, t.status, t.suppression, t.class, t.dynamics, t.provenance)
        IS DISTINCT FROM (excluded.value, excluded.numerator, excluded.denominator, excluded.status, excluded.suppression,
          excluded.class, excluded.dynamics, excluded.provenance) THEN excluded.computed_at ELSE t.computed_at END
    WHERE (t.value, t.numerator, t.denominator, t.status, t.suppression, t.berlin, t.district, t.rank, t.percentile, t.change_1y,
        t.change_ny, t.target, t.target_distance, t.class, t.class_label, t.dynamics, t.dynamics_class, t.provenance)
      IS DISTINCT FROM (excluded.value, excluded.numerator, excluded.denominator, excluded.status, excluded.suppression,
        excluded.berlin, excluded.district, excluded.rank, excluded.percentile, excluded.change_1y, excluded.change_ny,
        excluded.target, excluded.target_distance, excluded.class, excluded.class_label, excluded.dynamics,
        excluded.dynamics_class, excluded.provenance)`.execute(db);
  const removed = await sql`DELETE FROM ${t} AS v
    WHERE v.indicator_id = ${indicatorId} AND ${inScope('v', scope)}
      AND NOT EXISTS (SELECT 1 FROM iv_stage s WHERE s.lor_version = v.lor_version AND s.level = v.level
        AND s.unit_id = v.unit_id AND s.ref_date = v.ref_date AND s.breakdown = v.breakdown)`.execute(db);
  return { written: Number(written.numAffectedRows ?? 0), removed: Number(removed.numAffectedRows ?? 0) };
}
