// Reference values of each value: Berlin and district, rank and percentile in its level, changes, target distance.
import { type Database, type Kysely, sql } from '@datenpool/db';
import { type ComputeScope, inScope, type ValueTable } from './work.ts';

/**
 * fills berlin, district, rank (1 = highest value), percentile (0 = lowest, 100 = highest), change_1y, change_ny
 * and the target of the unit's scope (its district's target before Berlin's, totals only) for one indicator;
 * rows whose reference values did not change are not written
 */
export async function annotate(
  db: Kysely<Database>,
  table: ValueTable,
  indicatorId: string,
  scope: ComputeScope,
  changeYears: number,
): Promise<number> {
  const t = sql.table(table);
  const same = (alias: string) => {
    const a = sql.ref(alias);
    return sql`${a}.indicator_id = v.indicator_id AND ${a}.lor_version = v.lor_version AND ${a}.breakdown = v.breakdown`;
  };
  const result = await sql`UPDATE ${t} AS t SET berlin = a.berlin, district = a.district, rank = a.rank, percentile = a.percentile,
      change_1y = a.change_1y, change_ny = a.change_ny, target = a.target, target_distance = a.target_distance
    FROM (
      SELECT v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown,
        b.value AS berlin, d.value AS district,
        CASE WHEN v.value IS NOT NULL THEN rank() OVER (PARTITION BY v.lor_version, v.level, v.ref_date, v.breakdown, v.value IS NULL
          ORDER BY v.value DESC) END::int AS rank,
        CASE WHEN v.value IS NOT NULL THEN 100 * percent_rank() OVER (PARTITION BY v.lor_version, v.level, v.ref_date, v.breakdown,
          v.value IS NULL ORDER BY v.value) END AS percentile,
        v.value - p1.value AS change_1y, v.value - pn.value AS change_ny,
        tg.target_value AS target, v.value - tg.target_value AS target_distance
      FROM ${t} v
      LEFT JOIN ${t} b ON ${same('b')} AND b.level = 'berlin' AND b.unit_id = '0' AND b.ref_date = v.ref_date
      LEFT JOIN ${t} d ON ${same('d')} AND d.level = 'bezirk' AND d.unit_id = left(v.unit_id, 2) AND v.level <> 'berlin'
        AND d.ref_date = v.ref_date
      LEFT JOIN ${t} p1 ON ${same('p1')} AND p1.level = v.level AND p1.unit_id = v.unit_id
        AND p1.ref_date = (v.ref_date - interval '1 year')::date
      LEFT JOIN ${t} pn ON ${same('pn')} AND pn.level = v.level AND pn.unit_id = v.unit_id
        AND pn.ref_date = (v.ref_date - make_interval(years => ${changeYears}::int))::date
      LEFT JOIN LATERAL (
        SELECT x.target_value FROM indicator_target x
        WHERE x.indicator_id = v.indicator_id AND v.breakdown = '' AND v.ref_date BETWEEN x.period_from AND x.period_to
          AND (x.scope = 'berlin' OR (x.scope = left(v.unit_id, 2) AND v.level <> 'berlin'))
        ORDER BY x.scope = 'berlin', x.period_from DESC LIMIT 1
      ) tg ON true
      WHERE v.indicator_id = ${indicatorId} AND ${inScope('v', scope)}
    ) a
    WHERE t.indicator_id = ${indicatorId} AND t.lor_version = a.lor_version AND t.level = a.level AND t.unit_id = a.unit_id
      AND t.ref_date = a.ref_date AND t.breakdown = a.breakdown
      AND (t.berlin, t.district, t.rank, t.percentile, t.change_1y, t.change_ny, t.target, t.target_distance)
        IS DISTINCT FROM (a.berlin, a.district, a.rank, a.percentile, a.change_1y, a.change_ny, a.target, a.target_distance)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
