// SQL of the facility collections (kitas, schulen, …): points with their properties as GeoJSON text made by PostGIS.
import type { Database, Kysely } from '@datenpool/db';
import { crs84Extent, STORAGE_SRID, sql } from '@datenpool/db';
import type { FeatureColumn, FeatureTable } from '@datenpool/ogc';
import type { RawBuilder, Selectable } from 'kysely';

type Db = Kysely<Database>;

/** the typed columns of a facility; present in a dataset's queryables where any of its features has a value */
export const typedColumns = ['name', 'places', 'schulart', 'traeger'] as const;
export type TypedColumn = (typeof typedColumns)[number];

const typedMetadata: Record<TypedColumn, Omit<FeatureColumn, 'sql'>> = {
  name: { title: 'Name', type: 'string', sortable: true },
  places: { title: 'Places', type: 'integer', sortable: true, description: 'approved places (e_platz)' },
  schulart: { title: 'School type (Schulart)', type: 'string', sortable: true, description: 'as published, e.g. Grundschule, Gymnasium' },
  traeger: { title: 'Operator (Träger)', type: 'string', sortable: true, description: 'type of operator, as published' },
};

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

/**
 * The points of one dataset as features: the id, the typed columns with values, the LOR unit per version, then every
 * delivered property (as text). Names come from the data's own property keys, never from a request.
 */
export function facilityTable(dataset: Pick<FacilityDatasetRow, 'typed' | 'keys' | 'units'>): FeatureTable {
  const columns: Record<string, FeatureColumn> = {
    id: { sql: sql`f.id`, title: 'Facility id', type: 'string', sortable: true, isId: true, description: 'the id the publisher gives it', property: false },
  };
  for (const c of dataset.typed) columns[c] = { sql: sql.ref(`f.${c}`), ...typedMetadata[c] };
  for (const { version, level } of dataset.units) {
    columns[`lor_${version}`] = {
      sql: sql`(SELECT l.unit_id FROM facility_lor_unit l
        WHERE l.dataset = f.dataset AND l.facility_id = f.id AND l.lor_version = ${version})`,
      title: `LOR ${version} unit`,
      type: 'string',
      sortable: true,
      description: `id of the ${level} (LOR ${version}) the point lies in`,
    };
  }
  for (const key of dataset.keys) {
    if (!(key in columns)) columns[key] = { sql: sql`(f.properties ->> ${key})`, title: key, type: 'string', sortable: true, description: 'property as delivered (text)' };
  }
  return {
    from: sql`facility f`,
    id: sql`f.id`,
    geometry: sql`f.geom`,
    storageSrid: STORAGE_SRID,
    geometryType: 'Point',
    columns,
    tieBreakers: [sql`f.id`],
  };
}

/** a dataset's own rows; `inTime` false where the datetime interval misses its reference date: none */
export function facilityConditions(datasetId: string, inTime = true): RawBuilder<boolean>[] {
  const own = [sql<boolean>`f.dataset = ${datasetId}`];
  if (!inTime) own.push(sql<boolean>`false`);
  return own;
}

export function facilityFeatureConditions(datasetId: string, id: string): RawBuilder<boolean>[] {
  return [...facilityConditions(datasetId), sql<boolean>`f.id = ${id}`];
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
      ${crs84Extent(sql`f.geom`)} AS b
    FROM facility f WHERE f.dataset = ${id}) a`.execute(db);
  const r = rows[0];
  if (!r) return { typed: [], keys: [], units: [], extent: null, total: 0 };
  const { w, s, e, n, ...shape } = r;
  return { ...shape, extent: w !== null && s !== null && e !== null && n !== null ? [w, s, e, n] : null };
}
