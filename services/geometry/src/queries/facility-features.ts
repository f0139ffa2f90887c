// SQL of the facility collections (kitas, schulen, …): points with their properties as GeoJSON text made by PostGIS.
import type { Database, Kysely } from '@datenpool/db';
import { estimateRows, sql } from '@datenpool/db';
import {
  type CrsDefinition,
  featureJsonSql,
  geometryJsonSql,
  type ItemsQuery,
  type ItemsTable,
  itemsOrderSql,
  itemsWhereSql,
  propertiesJsonSql,
  type RowsQuery,
} from '@datenpool/ogc';
import type { RawBuilder, Selectable } from 'kysely';

type Db = Kysely<Database>;

export const FACILITY_SRID = 25833;

/** the typed columns of a facility; present in a dataset's queryables where any of its features has a value */
export const typedColumns = ['name', 'places', 'schulart', 'traeger'] as const;
export type TypedColumn = (typeof typedColumns)[number];

export interface FacilityDatasetRow extends Omit<Selectable<Database['facility_dataset']>, 'batch_id'> {
  /** the typed columns with a value in any feature */
  typed: TypedColumn[];
  /** every property name of the delivered features */
  keys: string[];
  /** the LOR versions with a unit link, and the level linked */
  units: { version: string; level: string }[];
  /** CRS84 extent of the points (west, south, east, north), null without points */
  extent: [number, number, number, number] | null;
  /** how many points the dataset has: numberMatched of an unfiltered page */
  total: number;
}

/** what is read once per delivery (the dataset's updated_at): queryables' shape, extent, count */
export type FacilityDatasetShape = Pick<FacilityDatasetRow, 'typed' | 'keys' | 'units' | 'extent' | 'total'>;

/** the columns of one dataset: queryable name → SQL. Names come from the data's own property keys, never from a request. */
export function facilityColumns(dataset: FacilityDatasetRow): Record<string, RawBuilder<unknown>> {
  const columns: Record<string, RawBuilder<unknown>> = { id: sql`f.id` };
  for (const c of dataset.typed) columns[c] = sql.ref(`f.${c}`);
  for (const { version } of dataset.units) {
    columns[`lor_${version}`] = sql`(SELECT l.unit_id FROM facility_lor_unit l
      WHERE l.dataset = f.dataset AND l.facility_id = f.id AND l.lor_version = ${version})`;
  }
  for (const key of dataset.keys) if (!(key in columns)) columns[key] = sql`(f.properties ->> ${key})`;
  return columns;
}

export function facilityTable(dataset: FacilityDatasetRow): ItemsTable {
  return { columns: facilityColumns(dataset), geometry: sql`f.geom`, storageSrid: FACILITY_SRID };
}

/** one Feature: the typed and unit properties first, then every delivered property not already named */
function featureSql(dataset: FacilityDatasetRow, crs: CrsDefinition, properties?: readonly string[]): RawBuilder<string> {
  const columns = facilityColumns(dataset);
  const names = Object.keys(columns).filter((p) => p !== 'id' && (!properties || properties.includes(p)));
  return featureJsonSql(sql`f.id`, geometryJsonSql(sql`f.geom`, crs, FACILITY_SRID), propertiesJsonSql(columns, names));
}

export interface FacilityCollectionKey {
  dataset: FacilityDatasetRow;
  /** false where the datetime interval misses the dataset's reference date: nothing matches */
  inTime: boolean;
}

export function facilityConditions(key: FacilityCollectionKey, query: RowsQuery): RawBuilder<boolean> {
  const own = [sql<boolean>`f.dataset = ${key.dataset.id}`];
  if (!key.inTime) own.push(sql<boolean>`false`);
  return itemsWhereSql(facilityTable(key.dataset), query, own);
}

/**
 * one page of features joined into one text by the database, and how many were returned; `withTotal`: also how many
 * match in all (`matched`, by a window over the matches in the same statement; undefined where the page is empty)
 */
export async function facilityItems(
  db: Db,
  key: FacilityCollectionKey,
  query: ItemsQuery,
  withTotal = false,
): Promise<{ features: string; n: number; matched?: number }> {
  const { rows } = await sql<{ features: string; n: number; matched: number | null }>`SELECT
      coalesce(string_agg(p.f, ','), '') AS features, count(*)::int AS n,
      ${withTotal ? sql`max(p.total)::int` : sql`NULL::int`} AS matched
    FROM (SELECT ${featureSql(key.dataset, query.crs, query.properties)} AS f
        ${withTotal ? sql`, count(*) OVER () AS total` : sql``}
      FROM facility f
      WHERE ${facilityConditions(key, query)} ORDER BY ${itemsOrderSql(facilityTable(key.dataset), query, [sql`f.id`])}
      LIMIT ${query.page.limit} OFFSET ${query.page.offset}) p`.execute(db);
  const row = rows[0];
  if (!row) return { features: '', n: 0 };
  return { features: row.features, n: row.n, ...(row.matched === null ? {} : { matched: row.matched }) };
}

export async function facilityCount(db: Db, key: FacilityCollectionKey, query: ItemsQuery): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM facility f WHERE ${facilityConditions(key, query)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** the planner's estimate of the matching features (numberMatched policy `estimate`) */
export function facilityEstimate(db: Db, key: FacilityCollectionKey, query: ItemsQuery): Promise<number> {
  return estimateRows(db, sql`SELECT 1 FROM facility f WHERE ${facilityConditions(key, query)}`);
}

export async function facilityFeature(
  db: Db,
  dataset: FacilityDatasetRow,
  id: string,
  crs: CrsDefinition,
  properties?: string[],
): Promise<string | undefined> {
  const { rows } = await sql<{ f: string }>`SELECT ${featureSql(dataset, crs, properties)} AS f FROM facility f
    WHERE f.dataset = ${dataset.id} AND f.id = ${id}`.execute(db);
  return rows[0]?.f;
}

export type FacilityDatasetHead = Omit<FacilityDatasetRow, keyof FacilityDatasetShape>;

/** the datasets (all, or one) as stored: cheap, read on every request */
export async function facilityDatasetHeads(db: Db, id?: string): Promise<FacilityDatasetHead[]> {
  const { rows } = await sql<FacilityDatasetHead>`SELECT d.id, d.title, d.description, d.agency_id,
      to_char(d.reference_date, 'YYYY-MM-DD') AS reference_date, d.source, d.licence, d.features, d.updated_at
    FROM facility_dataset d
    WHERE ${id === undefined ? sql`true` : sql`d.id = ${id}`}
    ORDER BY d.id`.execute(db);
  return rows;
}

/**
 * what a dataset's queryables are made of (typed columns with values, delivered property names, linked LOR versions),
 * the CRS84 extent of its points and their count: one scan of the dataset's points
 */
export async function facilityDatasetShape(db: Db, id: string): Promise<FacilityDatasetShape> {
  const { rows } = await sql<Omit<FacilityDatasetShape, 'extent'> & { w: number | null; s: number | null; e: number | null; n: number | null }>`SELECT
      a.typed, a.keys, a.units, a.total, ST_XMin(a.b) AS w, ST_YMin(a.b) AS s, ST_XMax(a.b) AS e, ST_YMax(a.b) AS n
    FROM (SELECT
      array_remove(ARRAY[
        CASE WHEN bool_or(f.name IS NOT NULL) THEN 'name' END,
        CASE WHEN bool_or(f.places IS NOT NULL) THEN 'places' END,
        CASE WHEN bool_or(f.schulart IS NOT NULL) THEN 'schulart' END,
        CASE WHEN bool_or(f.traeger IS NOT NULL) THEN 'traeger' END
      ], NULL) AS typed,
      coalesce((SELECT array_agg(k ORDER BY k) FROM (SELECT DISTINCT jsonb_object_keys(p.properties) AS k
        FROM facility p WHERE p.dataset = ${id}) keys), '{}') AS keys,
      coalesce((SELECT json_agg(json_build_object('version', u.lor_version, 'level', u.level) ORDER BY u.lor_version)
        FROM (SELECT DISTINCT lor_version, level FROM facility_lor_unit l WHERE l.dataset = ${id}) u), '[]') AS units,
      count(*)::int AS total,
      ST_Transform(ST_SetSRID(ST_Extent(f.geom)::geometry, ${sql.lit(FACILITY_SRID)}), 4326) AS b
    FROM facility f WHERE f.dataset = ${id}) a`.execute(db);
  const r = rows[0];
  if (!r) return { typed: [], keys: [], units: [], extent: null, total: 0 };
  const { w, s, e, n, ...shape } = r;
  return { ...shape, extent: w !== null && s !== null && e !== null && n !== null ? [w, s, e, n] : null };
}
