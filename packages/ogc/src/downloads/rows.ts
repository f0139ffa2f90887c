// The rows of a download: a source's relation for the query (the same rows, order and values as items), bounded, each
// property with the SQL type it has, the geometry in the output CRS as a format needs it (WKB and envelope, or WKT).
import { type DatabaseHandle, streamRows } from '@datenpool/db';
import { BadRequest } from '@datenpool/service-kit';
import { type RawBuilder, sql } from 'kysely';
import type { CrsDefinition } from '../crs.ts';
import type { FeatureCollectionSource, ItemsQuery, FeatureRelation } from '../provider.ts';

/**
 * The most features one download holds: the whole matching set up to this, or `limit` (up to this) from `offset`.
 * A GeoPackage is written in memory (SQLite in WebAssembly): 100 000 LOR-sized polygons are about 300 MB of
 * geometry, so the GeoPackage also stops at {@link DOWNLOAD_MAX_GEOMETRY_BYTES}.
 */
export const DOWNLOAD_MAX_FEATURES = 100_000;
/** the most geometry bytes (WKB) one GeoPackage download holds in memory */
export const DOWNLOAD_MAX_GEOMETRY_BYTES = 256 * 1024 * 1024;
/** rows per FETCH of the cursor that reads a download */
const BATCH = 1000;

/** the column types a download writes (GeoPackage: TEXT, INTEGER, DOUBLE, BOOLEAN, DATE, DATETIME) */
export type ColumnType = 'text' | 'integer' | 'real' | 'boolean' | 'date' | 'datetime';

export interface DownloadColumn {
  name: string;
  type: ColumnType;
}

/** the set a download holds: the source's relation for the query, at most `limit` rows from `offset` */
export interface DownloadSet {
  source: FeatureCollectionSource;
  relation: FeatureRelation;
  /** the properties written, in the order the features list them (the query's selection, else all) */
  properties: string[];
  limit: number;
  offset: number;
}

const pgTypes: Record<string, ColumnType> = {
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  real: 'real',
  'double precision': 'real',
  numeric: 'real',
  boolean: 'boolean',
  date: 'date',
  'timestamp with time zone': 'datetime',
  'timestamp without time zone': 'datetime',
};

/**
 * The set of a download request: `limit` where given (up to the maximum, whatever the items' page limit), else the
 * whole matching set, which must not exceed the maximum (a 400 naming `limit`: narrow the set or page through it).
 */
export async function downloadSet(
  database: DatabaseHandle,
  source: FeatureCollectionSource,
  query: ItemsQuery,
  raw: URLSearchParams,
  /** `count`: a bounded count first (a streamed download cannot fail after it started); `rows`: the writer refuses the row past the maximum */
  guard: 'count' | 'rows' = 'count',
): Promise<DownloadSet> {
  const relation = source.relation(query);
  const names = Object.keys(relation.properties);
  const properties = query.properties ? names.filter((p) => query.properties?.includes(p)) : names;
  const offset = query.page.offset;
  const given = raw.get('limit');
  if (given !== null) return { source, relation, properties, offset, limit: Math.min(Number(given), DOWNLOAD_MAX_FEATURES) };
  if (guard === 'rows') return { source, relation, properties, offset, limit: DOWNLOAD_MAX_FEATURES + 1 };
  // how many rows follow the offset does not depend on their order
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${relation.from} WHERE ${relation.where}
    LIMIT ${DOWNLOAD_MAX_FEATURES + 1} OFFSET ${offset}) matched`.execute(database.db);
  if ((rows[0]?.n ?? 0) > DOWNLOAD_MAX_FEATURES) throw tooMany(source.id);
  return { source, relation, properties, offset, limit: DOWNLOAD_MAX_FEATURES };
}

/** the 400 of a set larger than a download holds */
export function tooMany(collectionId: string): BadRequest {
  return new BadRequest(
    `Collection ${collectionId} has more than ${DOWNLOAD_MAX_FEATURES} features for this query, the most a download holds: narrow it with bbox, datetime or filter, or download it in parts with limit and offset.`,
    { name: 'limit' },
  );
}

/** each written property's column type, from the SQL types of the relation's expressions (one statement, no rows read) */
export async function downloadColumns(database: DatabaseHandle, set: DownloadSet): Promise<DownloadColumn[]> {
  if (set.properties.length === 0) return [];
  const probes = set.properties.map((_p, i) => sql`pg_typeof(x.${sql.ref(`p${i}`)})::text AS ${sql.ref(`t${i}`)}`);
  const selected = set.properties.map((p, i) => sql`${set.relation.properties[p]} AS ${sql.ref(`p${i}`)}`);
  // a LEFT JOIN to no rows still gives one row of typed nulls
  const { rows } = await sql<Record<string, string>>`SELECT ${sql.join(probes)} FROM (SELECT 1) one
    LEFT JOIN LATERAL (SELECT ${sql.join(selected)} FROM ${set.relation.from} WHERE false) x ON true`.execute(database.db);
  const types = rows[0] ?? {};
  return set.properties.map((name, i) => ({ name, type: pgTypes[types[`t${i}`] ?? ''] ?? 'text' }));
}

/** a property as the value its column type writes: numbers as float8 (exact up to 2^53), dates and times as ISO text */
function valueSql(expression: RawBuilder<unknown>, type: ColumnType): RawBuilder<unknown> {
  switch (type) {
    case 'integer':
    case 'real':
      return sql`(${expression})::float8`;
    case 'boolean':
      return sql`(${expression})::boolean`;
    case 'date':
      return sql`to_char(${expression}, 'YYYY-MM-DD')`;
    case 'datetime':
      return sql`to_char((${expression})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    default:
      return sql`(${expression})::text`;
  }
}

/** the geometry of every row, once, in the output SRID: a lateral column `g.geom` beside the relation's FROM */
function outputGeometry(relation: FeatureRelation, srid: number, latitudeFirst: boolean): RawBuilder<unknown> {
  const transformed = srid === relation.storageSrid ? relation.geometry : sql`ST_Transform(${relation.geometry}, ${sql.lit(srid)})`;
  return latitudeFirst ? sql`ST_FlipCoordinates(${transformed})` : transformed;
}

export interface DownloadRow {
  id: string;
  /** the property values p0…pn in the order of the columns */
  [property: `p${number}`]: unknown;
}

export interface WkbRow extends DownloadRow {
  wkb: Uint8Array | null;
  empty: boolean | null;
  minx: number | null;
  maxx: number | null;
  miny: number | null;
  maxy: number | null;
}

function rowsSql(set: DownloadSet, columns: DownloadColumn[], geometry: RawBuilder<unknown>, geometryColumns: RawBuilder<unknown>): RawBuilder<unknown> {
  const { relation } = set;
  const values = columns.map((c, i) => sql`${valueSql(relation.properties[c.name] as RawBuilder<unknown>, c.type)} AS ${sql.ref(`p${i}`)}`);
  return sql`SELECT (${relation.id})::text AS id, ${sql.join([geometryColumns, ...values])}
    FROM ${relation.from} CROSS JOIN LATERAL (SELECT ${geometry} AS geom) g
    WHERE ${relation.where} ORDER BY ${relation.order} LIMIT ${set.limit} OFFSET ${set.offset}`;
}

/** the rows with the geometry as ISO WKB (little-endian) and its envelope, for a GeoPackage, in batches from a cursor */
export function wkbRows(database: DatabaseHandle, set: DownloadSet, columns: DownloadColumn[], srid: number): AsyncGenerator<WkbRow[]> {
  const geometry = outputGeometry(set.relation, srid, false);
  const parts = sql`ST_AsBinary(g.geom, 'NDR') AS wkb, ST_IsEmpty(g.geom) AS empty,
    ST_XMin(g.geom) AS minx, ST_XMax(g.geom) AS maxx, ST_YMin(g.geom) AS miny, ST_YMax(g.geom) AS maxy`;
  return streamRows(database, rowsSql(set, columns, geometry, parts) as RawBuilder<WkbRow>, { batchSize: BATCH });
}

/** the rows with the geometry as WKT in the request's CRS (its axis order and precision), in batches from a cursor */
export function wktRows(database: DatabaseHandle, set: DownloadSet, columns: DownloadColumn[], crs: CrsDefinition): AsyncGenerator<(DownloadRow & { wkt: string | null })[]> {
  const geometry = outputGeometry(set.relation, crs.srid, crs.latitudeFirst);
  const parts = sql`ST_AsText(g.geom, ${sql.lit(crs.precision)}) AS wkt`;
  return streamRows(database, rowsSql(set, columns, geometry, parts) as RawBuilder<DownloadRow & { wkt: string | null }>, { batchSize: BATCH });
}

/** the WKT definitions (OGC WKT 1, as PostGIS keeps them) of the given SRIDs */
export async function crsDefinitions(database: DatabaseHandle, srids: number[]): Promise<Map<number, { name: string; definition: string }>> {
  const { rows } = await sql<{ srid: number; srtext: string }>`SELECT srid, srtext FROM spatial_ref_sys
    WHERE srid IN (${sql.join(srids)}) ORDER BY srid`.execute(database.db);
  return new Map(rows.map((r) => [r.srid, { name: /^\w+\["([^"]+)"/.exec(r.srtext)?.[1] ?? `EPSG:${r.srid}`, definition: r.srtext }]));
}
