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
    CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(p.x, p.y), ${srid}::int), 25833) AS p) g
    LEFT JOIN LATERAL (
      -- only the bbox test may reach an index (the spatial one): with version and level as plain conditions the planner,
      -- without statistics (PGlite never analyses; PostgreSQL not yet right after an import), walks the primary key and
      -- tests every polygon of the level instead (17 s for the Kitas on PGlite, 1 s this way)
      SELECT (array_agg(u.id ORDER BY u.id))[1] AS id FROM lor_unit u
      WHERE u.geom && g.p
        AND CASE WHEN u.version = ${version} AND u.level = ${level} THEN ST_Intersects(u.geom, g.p) ELSE false END
    ) u ON true
    ORDER BY p.i`.execute(db);
  const out: (string | null)[] = new Array(points.length).fill(null);
  for (const r of result.rows) out[r.i - 1] = r.unit_id;
  return out;
}

export async function lorVersionIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('lor_version').select('version').orderBy('version').execute()).map((r) => r.version);
}

export interface StoredFacility {
  id: string;
  name: string | null;
  places: number | null;
  schulart: string | null;
  traeger: string | null;
  properties: Record<string, unknown>;
  x: number;
  y: number;
  /** LOR version → [level, unit id] */
  units: Record<string, [string, string]>;
}

export interface FacilityDatasetRecord {
  id: string;
  title: string;
  description: string;
  agencyId: string;
  referenceDate: string;
  source: string;
  licence: string;
  batchId: string | null;
}

/** replaces a dataset's points and unit links as a whole, in one transaction; coordinates in `srid` */
export async function replaceFacilities(
  db: Kysely<Database>,
  dataset: FacilityDatasetRecord,
  facilities: StoredFacility[],
  srid: 25833 | 4326,
): Promise<void> {
  const points = JSON.stringify(facilities.map(({ units: _units, ...f }) => f));
  const links = JSON.stringify(
    facilities.flatMap((f) => Object.entries(f.units).map(([version, [level, unit]]) => ({ id: f.id, version, level, unit }))),
  );
  await db.transaction().execute(async (trx) => {
    await sql`INSERT INTO facility_dataset (id, title, description, agency_id, reference_date, source, licence, features, batch_id, updated_at)
      VALUES (${dataset.id}, ${dataset.title}, ${dataset.description}, ${dataset.agencyId}, ${dataset.referenceDate}::date,
        ${dataset.source}, ${dataset.licence}, ${facilities.length}, ${dataset.batchId}::uuid, clock_timestamp())
      ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description, agency_id = excluded.agency_id,
        reference_date = excluded.reference_date, source = excluded.source, licence = excluded.licence,
        features = excluded.features, batch_id = excluded.batch_id, updated_at = excluded.updated_at`.execute(trx);
    await sql`DELETE FROM facility WHERE dataset = ${dataset.id}`.execute(trx);
    await sql`INSERT INTO facility (dataset, id, name, places, schulart, traeger, properties, geom)
      SELECT ${dataset.id}, r.id, r.name, r.places, r.schulart, r.traeger, r.properties,
        ST_Transform(ST_SetSRID(ST_MakePoint(r.x, r.y), ${srid}::int), 25833)
      FROM jsonb_to_recordset(${points}::jsonb) AS r(id text, name text, places int, schulart text, traeger text, properties jsonb, x float8, y float8)`.execute(trx);
    await sql`INSERT INTO facility_lor_unit (dataset, facility_id, lor_version, level, unit_id)
      SELECT ${dataset.id}, r.id, r.version, r.level, r.unit
      FROM jsonb_to_recordset(${links}::jsonb) AS r(id text, version text, level text, unit text)`.execute(trx);
  });
}
