// The geometry the pool stores: every geometry column holds ETRS89 / UTM zone 33N (EPSG:25833), the CRS of Berlin's
// official geodata; the SQL that reads such a column's extent in CRS84, and the LOR units' geometry as feature tables
// read it.
import { type RawBuilder, sql } from 'kysely';

/** the SRID of every stored geometry column (lor_unit.geom, facility.geom) */
export const STORAGE_SRID = 25833;

/** the CRS84 (lon/lat) box of the extent of a stored geometry column: an aggregate, one box per group */
export function crs84Extent(column: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`ST_Transform(ST_SetSRID(ST_Extent(${column})::geometry, ${sql.lit(STORAGE_SRID)}), 4326)`;
}

/** the geometry of lor_unit (alias u) as a feature table reads it: stored polygons and their CRS84 GeoJSON */
export const lorUnitGeometry = {
  geometry: sql`u.geom`,
  storageSrid: STORAGE_SRID,
  geometryType: 'MultiPolygon',
  storedCrs84GeoJson: sql`u.geojson_crs84`,
};
