// The SQL of the viewer: LOR units with geometry simplified for a map scale, as one GeoJSON text built by PostGIS.
import { type DatabaseHandle, sql } from '@datenpool/db';

/**
 * simplified in EPSG:25833 (metres, the stored CRS) so the tolerance is a length, then CRS84 with 5 decimals
 * (about 1 m); units without geometry keep `geometry: null`
 */
export async function simplifiedUnits(database: DatabaseHandle, version: string, level: string, toleranceMetres: number): Promise<string | null> {
  const result = await sql<{ body: string | null; units: number }>`
    SELECT count(*)::int AS units,
      json_build_object(
        'type', 'FeatureCollection',
        'features', coalesce(json_agg(json_build_object(
          'type', 'Feature',
          'id', id,
          'geometry', ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom, ${toleranceMetres}::float8), 4326), 5)::json,
          'properties', json_build_object('name', name, 'level', level, 'parent_id', parent_id)
        ) ORDER BY id), '[]'::json)
      )::text AS body
    FROM lor_unit
    WHERE version = ${version} AND level = ${level}`.execute(database.read);
  const row = result.rows[0];
  return row && row.units > 0 ? row.body : null;
}
