// What the profile needs beside the values: the unit with its district and area, the catalog notes of the core
// indicators, and how many units of the level and of the district have a value (the denominators of the ranks).
import { type Database, type Kysely, sql } from '@datenpool/db';

export interface ProfileUnit {
  id: string;
  level: string;
  name: string;
  areaM2: number | null;
  districtId: string | null;
  districtName: string | null;
}

/** the unit of an id in a version with its Bezirk's name and its area (undefined when it does not exist) */
export async function profileUnit(db: Kysely<Database>, version: string, id: string): Promise<ProfileUnit | undefined> {
  const result = await sql<{ id: string; level: string; name: string; area_m2: number | null; district_id: string | null; district_name: string | null }>`
    SELECT u.id, u.level, u.name, u.area_m2, d.id AS district_id, d.name AS district_name
    FROM lor_unit u
    LEFT JOIN lor_unit d ON d.version = u.version AND d.level = 'bezirk' AND d.id = left(u.id, 2) AND u.level <> 'berlin'
    WHERE u.version = ${version} AND u.id = ${id}`.execute(db);
  const r = result.rows[0];
  if (!r) return undefined;
  return { id: r.id, level: r.level, name: r.name, areaM2: r.area_m2 === null ? null : Number(r.area_m2), districtId: r.district_id, districtName: r.district_name };
}

/** the catalog's notes on each core indicator: where it comes from and from which level on it is computed */
export async function coreIndicatorNotes(db: Kysely<Database>): Promise<Map<string, { availability: string; lowestLevel: string }>> {
  const rows = await db.selectFrom('indicator').select(['id', 'availability', 'lowest_level']).where('core', '=', true).execute();
  return new Map(rows.map((r) => [r.id, { availability: r.availability, lowestLevel: r.lowest_level }]));
}

/**
 * per indicator and date: the units of the level with a value in Berlin and in the unit's district (the totals),
 * for "rank 3 of 12"
 */
export async function rankDenominators(
  db: Kysely<Database>,
  filter: { version: string; level: string; district: string | null; indicators: string[] },
): Promise<Map<string, { berlin: number; district: number | null }>> {
  if (filter.indicators.length === 0) return new Map();
  const result = await sql<{ indicator_id: string; ref_date: string; berlin: number; district: number | null }>`
    SELECT indicator_id, ref_date::text AS ref_date, count(*)::int AS berlin,
      CASE WHEN ${filter.district}::text IS NULL THEN NULL ELSE (count(*) FILTER (WHERE left(unit_id, 2) = ${filter.district}))::int END AS district
    FROM indicator_value_published
    WHERE indicator_id = ANY (${filter.indicators}::text[]) AND lor_version = ${filter.version} AND level = ${filter.level}
      AND breakdown = '' AND value IS NOT NULL
    GROUP BY indicator_id, ref_date`.execute(db);
  return new Map(result.rows.map((r) => [`${r.indicator_id}|${r.ref_date}`, { berlin: r.berlin, district: r.district }]));
}
