// Geometries between the storage CRS and the request's, in SQL: query geometries (bbox, CQL2 literals) into storage
// safely, stored geometries out as GeoJSON text in the output CRS.
import { type RawBuilder, sql } from 'kysely';
import type { BoundingBox } from './bbox.ts';
import type { CrsDefinition } from './crs.ts';

/**
 * Where a storage CRS can represent coordinates (CRS84 west, south, east, north). A projected CRS
 * such as UTM zone 33 cannot take a world-wide box: its transform yields nonsense or fails. Query
 * geometries are clipped to this area, in their own CRS, before the transform; data in this CRS
 * lies inside it anyway.
 */
const usableArea: Record<number, [number, number, number, number]> = {
  25833: [-5, 0, 35, 84],
};

/**
 * A geometry given in `from` (axes already in x/y order), in the storage CRS. `densify` (in units
 * of `from`) adds vertices after clipping, so that straight edges in `from` (a bbox's parallels)
 * stay where they were after the transform.
 */
export function toStorageSql(
  geometry: RawBuilder<unknown>,
  from: CrsDefinition,
  storageSrid: number,
  densify?: number,
): RawBuilder<unknown> {
  if (from.srid === storageSrid) return geometry;
  const area = usableArea[storageSrid];
  let clipped = geometry;
  if (area) {
    const [w, s, e, n] = area.map((v) => sql.lit(v));
    const clip = sql`ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), ${sql.lit(from.srid)})`;
    clipped = sql`ST_ClipByBox2D(${geometry}, ${clip}::box2d)`;
  }
  const dense = densify ? sql`ST_Segmentize(${clipped}, ${sql.lit(densify)})` : clipped;
  return sql`ST_Transform(${dense}, ${sql.lit(storageSrid)})`;
}

/**
 * a bbox in the storage CRS; in a geographic CRS densified (0.01° ≈ 1 km) after clipping, so that its
 * parallels stay straight lines of latitude after the transform
 */
export function bboxToStorageSql(bbox: BoundingBox, storageSrid: number): RawBuilder<unknown> {
  const envelope = sql`ST_MakeEnvelope(${bbox.minX}::float8, ${bbox.minY}::float8, ${bbox.maxX}::float8, ${bbox.maxY}::float8, ${sql.lit(bbox.crs.srid)})`;
  return toStorageSql(envelope, bbox.crs, storageSrid, bbox.crs.geographic ? 0.01 : undefined);
}

/** GeoJSON text of the stored geometry kept in a column for one output CRS, written as geometryJsonSql writes it */
export interface StoredGeoJson {
  crs: CrsDefinition;
  column: RawBuilder<unknown>;
}

/**
 * a stored geometry as GeoJSON text (or `null`) in the output CRS, axes in that CRS's order, at its precision; read
 * from `stored` where that column holds this CRS
 */
export function geometryJsonSql(
  geometry: RawBuilder<unknown>,
  crs: CrsDefinition,
  storageSrid: number,
  stored?: StoredGeoJson,
): RawBuilder<string> {
  if (stored && stored.crs.uri === crs.uri && stored.crs.precision === crs.precision) {
    return sql<string>`coalesce(${stored.column}, 'null')`;
  }
  const transformed = crs.srid === storageSrid ? geometry : sql`ST_Transform(${geometry}, ${sql.lit(crs.srid)})`;
  const oriented = crs.latitudeFirst ? sql`ST_FlipCoordinates(${transformed})` : transformed;
  return sql<string>`coalesce(ST_AsGeoJSON(${oriented}, ${sql.lit(crs.precision)}), 'null')`;
}

/** a Feature's properties as JSON text: each name with its queryable column, in the order given (`{}` for none) */
export function propertiesJsonSql(columns: Record<string, RawBuilder<unknown>>, names: readonly string[]): RawBuilder<string> {
  const pairs = names.map((name) => sql`${sql.lit(name)}, ${columns[name]}`);
  return pairs.length > 0 ? sql<string>`json_build_object(${sql.join(pairs)})::text` : sql<string>`'{}'`;
}
