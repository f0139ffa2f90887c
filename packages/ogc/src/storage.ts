// Bringing query geometries (bbox, CQL2 literals) into the storage CRS safely, in SQL.
import { type RawBuilder, sql } from 'kysely';
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
