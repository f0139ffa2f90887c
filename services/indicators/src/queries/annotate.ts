// Reference values of each value: Berlin and district, rank and percentile in its level, changes, target distance.
import { type Database, type Kysely, sql } from '@datenpool/db';
import { type ComputeScope, inScope, type ValueTable } from './work.ts';

/**
 * fills berlin, district, rank (1 = highest value), percentile (0 = lowest, 100 = highest), change_1y, change_ny
 * and the target of the unit's scope (its district's target before Berlin's, totals only) for one indicator.
 * One scan with window functions over the indicator's rows of the scope's versions (every year: changes read
 * earlier ones); only rows of the scope whose reference values changed are written.
 */
export async function annotate(
  db: Kysely<Database>,
  table: ValueTable,
  indicatorId: string,
  scope: ComputeScope,
  changeYears: number,
): Promise<number> {
  const t = sql.table(table);
  const hasTargets = await db.selectFrom('indicator_target').select('id').where('indicator_id', '=', indicatorId).limit(1).executeTakeFirst();
  const target = hasTargets
    ? sql`(SELECT x.target_value FROM indicator_target x
        WHERE x.indicator_id = w.indicator_id AND w.breakdown = '' AND w.ref_date BETWEEN x.period_from AND x.period_to
          AND (x.scope = 'berlin' OR (x.scope = left(w.unit_id, 2) AND w.level <> 'berlin'))
        ORDER BY x.scope = 'berlin', x.period_from DESC LIMIT 1)`
    : sql`NULL::double precision`;
  const versions = sql`${scope.versions}::text[]`;
  // frame offsets must be constants: the number of years is a validated integer
  const oneYear = sql.raw(`interval '1 year'`);
  const nYears = sql.raw(`interval '${Math.trunc(changeYears)} years'`);
  const result = await sql`UPDATE ${t} AS t SET berlin = a.berlin, district = a.district, rank = a.rank, percentile = a.percentile,
      change_1y = a.change_1y, change_ny = a.change_ny, target = a.target, target_distance = a.value - a.target
    FROM (
      SELECT w.*, ${target} AS target FROM (
        SELECT v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown, v.indicator_id, v.value,
          max(v.value) FILTER (WHERE v.level = 'berlin') OVER (PARTITION BY v.lor_version, v.ref_date, v.breakdown) AS berlin,
          max(v.value) FILTER (WHERE v.level = 'bezirk')
            OVER (PARTITION BY v.lor_version, v.ref_date, v.breakdown, CASE WHEN v.level = 'berlin' THEN NULL ELSE left(v.unit_id, 2) END) AS district,
          CASE WHEN v.value IS NOT NULL THEN rank() OVER (PARTITION BY v.lor_version, v.level, v.ref_date, v.breakdown, v.value IS NULL
            ORDER BY v.value DESC) END::int AS rank,
          CASE WHEN v.value IS NOT NULL THEN 100 * percent_rank() OVER (PARTITION BY v.lor_version, v.level, v.ref_date, v.breakdown,
            v.value IS NULL ORDER BY v.value) END AS percentile,
          v.value - max(v.value) OVER (PARTITION BY v.lor_version, v.level, v.unit_id, v.breakdown ORDER BY v.ref_date
            RANGE BETWEEN ${oneYear} PRECEDING AND ${oneYear} PRECEDING) AS change_1y,
          v.value - max(v.value) OVER (PARTITION BY v.lor_version, v.level, v.unit_id, v.breakdown ORDER BY v.ref_date
            RANGE BETWEEN ${nYears} PRECEDING AND ${nYears} PRECEDING) AS change_ny
        FROM ${t} v
        WHERE v.indicator_id = ${indicatorId} AND (${versions} IS NULL OR v.lor_version = ANY (${versions}))
      ) w
      WHERE ${inScope('w', scope)}
    ) a
    WHERE t.indicator_id = ${indicatorId} AND t.lor_version = a.lor_version AND t.level = a.level AND t.unit_id = a.unit_id
      AND t.ref_date = a.ref_date AND t.breakdown = a.breakdown
      AND (t.berlin, t.district, t.rank, t.percentile, t.change_1y, t.change_ny, t.target, t.target_distance)
        IS DISTINCT FROM (a.berlin, a.district, a.rank, a.percentile, a.change_1y, a.change_ny, a.target, a.value - a.target)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
