// SQL of the LOR collections: the feature table of LOR units (its columns and key), data versions, extents, counts.
import type { Database, Kysely } from '@datenpool/db';
import { crs84Extent, lorUnitGeometry, sql } from '@datenpool/db';
import type { FeatureTable } from '@datenpool/ogc';
import type { RawBuilder } from 'kysely';

type Db = Kysely<Database>;

/** the LOR units as features: the only names that reach SQL are these columns */
export const lorTable: FeatureTable = {
  from: sql`lor_unit u`,
  id: sql`u.id`,
  ...lorUnitGeometry,
  columns: {
    id: { sql: sql`u.id`, title: 'Unit id', type: 'string', sortable: true, isId: true, description: 'hierarchical LOR id', property: false },
    name: { sql: sql`u.name`, title: 'Name', type: 'string', sortable: true },
    level: { sql: sql`u.level`, title: 'LOR level', type: 'string' },
    version: { sql: sql`u.version`, title: 'LOR version', type: 'string' },
    parent_id: { sql: sql`u.parent_id`, title: 'Parent unit id', type: 'string', sortable: true },
    area_m2: { sql: sql`u.area_m2`, title: 'Area (m²)', type: 'number', sortable: true },
  },
  tieBreakers: [sql`u.id`],
};

export interface LorCollectionKey {
  version: string;
  level: string;
}

/** a collection's own rows; `inTime` false where the datetime interval misses the version's validity: none */
export function lorConditions(key: LorCollectionKey, inTime = true): RawBuilder<boolean>[] {
  const own = [sql<boolean>`u.version = ${key.version}`, sql<boolean>`u.level = ${key.level}`];
  if (!inTime) own.push(sql<boolean>`false`);
  return own;
}

export function lorFeatureConditions(key: LorCollectionKey, id: string): RawBuilder<boolean>[] {
  return [...lorConditions(key), sql<boolean>`u.id = ${id}`];
}

export interface LorVersionRow {
  version: string;
  label: string;
  valid_from: string;
  valid_to: string | null;
  updated_at: Date;
}

/** the version row, as a relation the page's statement reads beside the page */
export function lorVersionRelation(version: string): RawBuilder<LorVersionRow> {
  return sql<LorVersionRow>`SELECT version, label, valid_from, valid_to, updated_at FROM lor_version WHERE version = ${version}`;
}

/** every unit of a version's level: the count of an unfiltered collection, kept per data version by the provider */
export async function lorLevelCounts(db: Db, version: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ level: string; n: number }>`SELECT level, count(*)::int AS n FROM lor_unit
    WHERE version = ${version} GROUP BY level`.execute(db);
  return new Map(rows.map((r) => [r.level, r.n]));
}

export async function lorVersions(db: Db): Promise<LorVersionRow[]> {
  return db.selectFrom('lor_version').selectAll().orderBy('version').execute();
}

export async function lorVersion(db: Db, version: string): Promise<LorVersionRow | undefined> {
  return db.selectFrom('lor_version').selectAll().where('version', '=', version).executeTakeFirst();
}

/** CRS84 extent per level of a version, in one scan for the five levels; levels without geometry are absent */
export async function lorExtents(db: Db, version: string): Promise<Map<string, [number, number, number, number]>> {
  const { rows } = await sql<{ level: string; w: number; s: number; e: number; n: number }>`SELECT level,
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT level, ${crs84Extent(sql`geom`)} AS b
      FROM lor_unit WHERE version = ${version} AND geom IS NOT NULL GROUP BY level) x`.execute(db);
  return new Map(rows.map((r) => [r.level, [r.w, r.s, r.e, r.n]]));
}
