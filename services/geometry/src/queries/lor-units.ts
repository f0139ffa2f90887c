// SQL of the hierarchy API: a unit with its ancestors and children; the units containing a point.
import type { Database, Kysely } from '@datenpool/db';
import { STORAGE_SRID, sql } from '@datenpool/db';

type Db = Kysely<Database>;

export interface UnitRow {
  version: string;
  level: string;
  id: string;
  name: string;
  parent_id: string | null;
  area_m2: number | null;
  has_geometry: boolean;
}

const unitColumns = [
  'version',
  'level',
  'id',
  'name',
  'parent_id',
  'area_m2',
  sql<boolean>`geom IS NOT NULL`.as('has_geometry'),
] as const;

export async function unitsByIds(db: Db, version: string, ids: string[]): Promise<UnitRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('lor_unit')
    .select([...unitColumns])
    .where('version', '=', version)
    .where('id', 'in', ids)
    .orderBy(sql`length(id)`)
    .execute();
}

export async function childrenOf(db: Db, version: string, id: string): Promise<UnitRow[]> {
  return db
    .selectFrom('lor_unit')
    .select([...unitColumns])
    .where('version', '=', version)
    .where('parent_id', '=', id)
    .orderBy('id')
    .execute();
}

export async function versionRow(db: Db, version: string) {
  return db.selectFrom('lor_version').selectAll().where('version', '=', version).executeTakeFirst();
}

/** every unit of the version whose geometry contains the point (x, y in the given SRID, x east) */
export async function unitsAtPoint(db: Db, version: string, x: number, y: number, srid: number): Promise<UnitRow[]> {
  const point = sql`ST_Transform(ST_SetSRID(ST_MakePoint(${x}::float8, ${y}::float8), ${srid}::int), ${sql.lit(STORAGE_SRID)})`;
  return db
    .selectFrom('lor_unit')
    .select([...unitColumns])
    .where('version', '=', version)
    .where(sql<boolean>`geom IS NOT NULL AND ST_Intersects(geom, ${point})`)
    .orderBy(sql`length(id)`)
    .execute();
}

/**
 * units whose name contains `q` (case- and accent-insensitive as far as lower() goes) or whose id starts with it:
 * exact matches first, then coarse to fine and by name
 */
export async function searchUnits(db: Db, version: string, q: string, level: string | undefined, limit: number): Promise<UnitRow[]> {
  const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const idPrefix = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .selectFrom('lor_unit')
    .select([...unitColumns])
    .where('version', '=', version)
    .where((eb) => eb.or([eb(sql`lower(name)`, 'like', pattern), eb('id', 'like', idPrefix)]))
    .$if(level !== undefined, (qb) => qb.where('level', '=', level as string))
    .orderBy(sql`(lower(name) = ${q.toLowerCase()} OR id = ${q})`, 'desc')
    .orderBy(sql`length(id)`)
    .orderBy('name')
    .limit(limit)
    .execute();
}
