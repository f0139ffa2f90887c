// Facilities: the spatial join of points to the finest LOR units whose geometry is known.
import { lorLevels } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';

/** the finest level of a version that has geometry (2021: Prognoseraum until Planungsräume are imported) */
export async function finestLevelWithGeometry(db: Kysely<Database>, version: string): Promise<string | undefined> {
  const rows = await db
    .selectFrom('lor_unit')
    .select('level')
    .distinct()
    .where('version', '=', version)
    .where('geom', 'is not', null)
    .where('level', '<>', 'berlin')
    .execute();
  const levels = new Set(rows.map((r) => r.level));
  return [...lorLevels].reverse().find((l) => levels.has(l));
}

export async function unitsOfLevel(db: Kysely<Database>, version: string, level: string): Promise<string[]> {
  const rows = await db.selectFrom('lor_unit').select('id').where('version', '=', version).where('level', '=', level).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** the unit containing each point (index → unit id or null outside every unit); srid 25833 or 4326 */
export async function joinPoints(
  db: Kysely<Database>,
  version: string,
  level: string,
  points: { x: number; y: number }[],
  srid: 25833 | 4326,
): Promise<(string | null)[]> {
  if (points.length === 0) return [];
  const result = await sql<{ i: number; unit_id: string | null }>`
    SELECT p.i::int AS i, u.id AS unit_id
    FROM unnest(${points.map((p) => p.x)}::float8[], ${points.map((p) => p.y)}::float8[]) WITH ORDINALITY AS p(x, y, i)
    LEFT JOIN LATERAL (
      SELECT id FROM lor_unit
      WHERE version = ${version} AND level = ${level} AND geom IS NOT NULL
        AND ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint(p.x, p.y), ${srid}::int), 25833))
      ORDER BY id LIMIT 1
    ) u ON true
    ORDER BY p.i`.execute(db);
  const out: (string | null)[] = new Array(points.length).fill(null);
  for (const r of result.rows) out[r.i - 1] = r.unit_id;
  return out;
}
