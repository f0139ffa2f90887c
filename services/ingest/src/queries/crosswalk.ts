// The 2006 ↔ 2021 crosswalk: its weights, and observations carried across the LOR reform with them.
import { type Database, type Kysely, sql } from '@datenpool/db';

/** one weight of the crosswalk, as the table holds it */
export type CrosswalkRow = Database['lor_crosswalk'];

export async function hasCrosswalk(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('lor_crosswalk').select('level').limit(1).executeTakeFirst()) !== undefined;
}

export async function insertCrosswalk(db: Kysely<Database>, rows: CrosswalkRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('lor_crosswalk').values(rows.slice(i, i + 1000)).execute();
}

export interface CarryKey {
  variable_id: string;
  from_version: string;
  to_version: string;
  /** the year ends to carry */
  ref_dates: string[];
  value_kind: string;
}

/**
 * what can be carried: current Planungsraum observations at a year end of summed count variables, and of delivered
 * rates, on one version, with breakdown cells the other version has no observation of on that date (the MSS delivers
 * residents on LOR 2021 for 31.12.2020, the Einwohnerregister their age groups on LOR 2006 only: those are carried)
 */
export async function carryCandidates(db: Kysely<Database>): Promise<CarryKey[]> {
  const result = await sql<CarryKey>`WITH d AS (
      SELECT DISTINCT o.variable_id, o.lor_version, o.ref_date FROM observation_current o
      WHERE NOT o.deleted AND o.level = 'planungsraum'
        AND extract(month FROM o.ref_date) = 12 AND extract(day FROM o.ref_date) = 31
    )
    SELECT d.variable_id, d.lor_version AS from_version, x.to_version,
      array_agg(to_char(d.ref_date, 'YYYY-MM-DD') ORDER BY d.ref_date) AS ref_dates, v.value_kind
    FROM d
    JOIN variable v ON v.id = d.variable_id
    JOIN (SELECT DISTINCT from_version, to_version FROM lor_crosswalk WHERE level = 'planungsraum') x ON x.from_version = d.lor_version
    WHERE ((v.aggregation = 'sum' AND v.value_kind = 'count') OR v.value_kind = 'rate')
      -- something to carry: a breakdown cell of that date the other version lacks
      AND EXISTS (SELECT 1 FROM observation_current o WHERE o.variable_id = d.variable_id AND o.lor_version = d.lor_version
        AND o.ref_date = d.ref_date AND o.level = 'planungsraum' AND NOT o.deleted
        AND NOT EXISTS (SELECT 1 FROM observation_current t WHERE t.variable_id = o.variable_id AND t.lor_version = x.to_version
          AND t.ref_date = o.ref_date AND t.breakdown = o.breakdown AND NOT t.deleted))
    GROUP BY d.variable_id, d.lor_version, x.to_version, v.value_kind
    ORDER BY d.variable_id, d.lor_version`.execute(db);
  return result.rows;
}

export interface CarriedRow {
  ref_date: string;
  unit_id: string;
  breakdown: string;
  value: number;
}

/**
 * one variable's dates carried to the Planungsräume of the other version (the breakdown cells it lacks): an additive value as Σ value × weight; a
 * rate as the mean of the source rates weighted by weight × the source unit's residents of that date (where those are
 * missing, by weight alone)
 */
export async function carriedValues(db: Kysely<Database>, key: CarryKey): Promise<CarriedRow[]> {
  const rate = key.value_kind === 'rate';
  const result = await sql<CarriedRow>`SELECT to_char(o.ref_date, 'YYYY-MM-DD') AS ref_date, c.to_id AS unit_id, o.breakdown,
      ${rate
        ? sql`sum(o.value * c.weight * coalesce(e.value, 1)) / nullif(sum(c.weight * coalesce(e.value, 1)), 0)`
        : sql`sum(o.value * c.weight)`} AS value
    FROM observation_current o
    JOIN lor_crosswalk c ON c.from_version = o.lor_version AND c.to_version = ${key.to_version} AND c.level = 'planungsraum'
      AND c.from_id = o.unit_id
    ${rate
      ? sql`LEFT JOIN observation_current e ON e.variable_id = 'einwohner' AND e.lor_version = o.lor_version AND e.unit_id = o.unit_id
          AND e.ref_date = o.ref_date AND e.breakdown = '' AND NOT e.deleted`
      : sql``}
    WHERE o.variable_id = ${key.variable_id} AND o.lor_version = ${key.from_version} AND o.ref_date = ANY (${key.ref_dates}::date[])
      AND o.level = 'planungsraum' AND NOT o.deleted AND o.value IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM observation_current t WHERE t.variable_id = o.variable_id AND t.lor_version = ${key.to_version}
        AND t.ref_date = o.ref_date AND t.breakdown = o.breakdown AND NOT t.deleted)
    GROUP BY o.ref_date, c.to_id, o.breakdown
    ORDER BY o.ref_date, c.to_id, o.breakdown`.execute(db);
  return result.rows.filter((r) => r.value !== null).map((r) => ({ ...r, value: Number(r.value) }));
}
