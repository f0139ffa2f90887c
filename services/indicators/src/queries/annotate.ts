// Merging the staged values of one indicator with their reference values: Berlin and district, rank and percentile,
// changes and target distance, computed in the same statement that writes each row once.
import { type Database, type Kysely, sql } from '@datenpool/db';
import { type ComputeScope, inScope, type ValueTable, yearEnd } from './work.ts';

/**
 * Writes the staged values of one indicator with berlin, district, rank (1 = highest value), percentile (0 = lowest,
 * 100 = highest), change_1y, change_ny and the target of the unit's scope (its district's before Berlin's, totals
 * only). Berlin's and the district's values are joined from the stage, the earlier years' from the stage or the
 * indicator's stored rows; rank and percentile come from one ordering. Rows equal to the stored ones are not written,
 * so their provenance and computed_at stay; rows of the scope that were not computed again are removed.
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
        WHERE x.indicator_id = ${indicatorId} AND a.breakdown = '' AND a.ref_date BETWEEN x.period_from AND x.period_to
          AND (x.scope = 'berlin' OR (x.scope = left(a.unit_id, 2) AND a.level <> 'berlin'))
        ORDER BY x.scope = 'berlin', x.period_from DESC LIMIT 1)`
    : sql`NULL::double precision`;
  // the offsets of the earlier years the changes compare with (the number of years is a validated integer)
  const oneYear = sql.raw(`interval '1 year'`);
  const nYears = sql.raw(`interval '${Math.trunc(changeYears)} years'`);
  // the versions and dates staged, and the earlier dates the changes read that were not staged: as arrays, so that
  // the stored values are read through the primary key (indicator, version, date)
  const staged = await sql<{ versions: string[] | null; dates: string[] | null }>`SELECT array_agg(DISTINCT lor_version) AS versions,
      array_agg(DISTINCT ref_date::text) AS dates FROM iv_stage`.execute(db);
  const versions = staged.rows[0]?.versions ?? [];
  const dates = new Set(staged.rows[0]?.dates ?? []);
  const priorDates = [
    ...new Set([...dates].flatMap((d) => [1, Math.trunc(changeYears)].map((n) => yearEnd(Number(d.slice(0, 4)) - n)))),
  ].filter((d) => !dates.has(d));
  const written = await sql`WITH decoded AS (
      -- each distinct batch mask of the stage decoded once into its batch ids (iv_batch numbers them per version and year)
      SELECT m.lor_version, m.ref_date, m.mask, m.input_dates,
        jsonb_strip_nulls(jsonb_build_object('batches', to_jsonb(array_agg(b.id ORDER BY b.id)), 'inputDates', m.input_dates)) AS provenance
      FROM (SELECT DISTINCT lor_version, ref_date, mask::text AS mask, input_dates FROM iv_stage WHERE mask IS NOT NULL) m
      JOIN iv_batch b ON b.lor_version = m.lor_version AND b.year = extract(year FROM m.ref_date)::int
        AND substr(m.mask, b.k + 1, 1) = '1'
      GROUP BY m.lor_version, m.ref_date, m.mask, m.input_dates
    ),
    prior AS (
      -- the indicator's stored values of the earlier years the changes read
      SELECT v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown, v.value
      FROM ${t} v
      WHERE v.indicator_id = ${indicatorId} AND v.lor_version = ANY (${versions}::text[]) AND v.ref_date = ANY (${priorDates}::date[])
    ),
    series AS (
      SELECT lor_version, level, unit_id, ref_date, breakdown, value FROM iv_stage
      UNION ALL SELECT * FROM prior
    ),
    a AS (
      -- Berlin's and the district's values and the earlier years' by hash joins; rank and percentile from one ordering:
      -- percent_rank is (rows below) / (rows - 1), and the rows below are the rows less those at or above the value
      SELECT s.lor_version, s.level, s.unit_id, s.ref_date, s.breakdown, s.value, s.numerator, s.denominator, s.status,
        s.suppression, s.class, s.class_label, s.dynamics, s.dynamics_class, coalesce(s.provenance, d.provenance) AS provenance,
        bl.value AS berlin, dz.value AS district,
        CASE WHEN s.value IS NOT NULL THEN rank() OVER r END::int AS rank,
        CASE WHEN s.value IS NOT NULL THEN CASE WHEN count(*) OVER p > 1
          THEN 100 * ((count(*) OVER p - count(*) OVER r)::double precision / (count(*) OVER p - 1)::double precision) ELSE 0 END
        END AS percentile,
        s.value - p1.value AS change_1y, s.value - pn.value AS change_ny
      FROM iv_stage s
      LEFT JOIN decoded d ON d.lor_version = s.lor_version AND d.ref_date = s.ref_date AND d.mask = s.mask::text
        AND coalesce(d.input_dates, '{}') = coalesce(s.input_dates, '{}')
      LEFT JOIN iv_stage bl ON bl.level = 'berlin' AND bl.lor_version = s.lor_version AND bl.ref_date = s.ref_date
        AND bl.breakdown = s.breakdown
      LEFT JOIN iv_stage dz ON dz.level = 'bezirk' AND s.level <> 'berlin' AND dz.lor_version = s.lor_version
        AND dz.ref_date = s.ref_date AND dz.breakdown = s.breakdown AND dz.unit_id = left(s.unit_id, 2)
      LEFT JOIN series p1 ON p1.lor_version = s.lor_version AND p1.level = s.level AND p1.unit_id = s.unit_id
        AND p1.breakdown = s.breakdown AND p1.ref_date = (s.ref_date - ${oneYear})::date
      LEFT JOIN series pn ON pn.lor_version = s.lor_version AND pn.level = s.level AND pn.unit_id = s.unit_id
        AND pn.breakdown = s.breakdown AND pn.ref_date = (s.ref_date - ${nYears})::date
      WINDOW p AS (PARTITION BY s.lor_version, s.level, s.ref_date, s.breakdown, s.value IS NULL),
        r AS (p ORDER BY s.value DESC)
    )
    INSERT INTO ${t} AS t (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator,
      status, suppression, berlin, district, rank, percentile, change_1y, change_ny, target, target_distance,
      class, class_label, dynamics, dynamics_class, provenance, computed_at)
    SELECT ${indicatorId}, a.lor_version, a.level, a.unit_id, a.ref_date, a.breakdown, a.value, a.numerator, a.denominator,
      a.status, a.suppression, a.berlin, a.district, a.rank, a.percentile, a.change_1y, a.change_ny, g.target, a.value - g.target,
      a.class, a.class_label, a.dynamics, a.dynamics_class, a.provenance, now()
    FROM a CROSS JOIN LATERAL (SELECT ${target} AS target) g
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
