// Encodes rows in tile coordinates as a Mapbox Vector Tile (spec 2.1) where the database cannot (PGlite: no ST_AsMVT).
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { TileRow } from './queries.ts';

type Position = [number, number];

interface TileFeature {
  /** 1 point, 2 line, 3 polygon (the MVT GeomType) */
  type: 1 | 2 | 3;
  /** points: the positions; lines: the lines; polygons: every ring of every polygon, exteriors first in each */
  geometry: Position[] | Position[][];
  tags: Record<string, unknown>;
}

/** a GeoJSON geometry in grid units as the MVT command rings of its type; undefined for what MVT cannot hold */
function toTileGeometry(geometry: { type: string; coordinates?: unknown; geometries?: unknown[] }): Pick<TileFeature, 'type' | 'geometry'> | undefined {
  switch (geometry.type) {
    case 'Point':
      return { type: 1, geometry: [geometry.coordinates as Position] };
    case 'MultiPoint':
      return { type: 1, geometry: geometry.coordinates as Position[] };
    case 'LineString':
      return { type: 2, geometry: [geometry.coordinates as Position[]] };
    case 'MultiLineString':
      return { type: 2, geometry: geometry.coordinates as Position[][] };
    case 'Polygon':
      return { type: 3, geometry: geometry.coordinates as Position[][] };
    case 'MultiPolygon':
      return { type: 3, geometry: (geometry.coordinates as Position[][][]).flat() };
    default:
      return undefined;
  }
}

/** the layer of one collection as MVT bytes (empty where there is no feature, as ST_AsMVT gives it) */
export function encodeTile(layer: string, rows: readonly TileRow[], extent: number): Uint8Array {
  const features: TileFeature[] = [];
  for (const row of rows) {
    const geometry = toTileGeometry(JSON.parse(row.geometry));
    if (!geometry) continue;
    const properties = typeof row.properties === 'string' ? (JSON.parse(row.properties) as Record<string, unknown>) : row.properties;
    features.push({ ...geometry, tags: properties });
  }
  if (features.length === 0) return new Uint8Array(0);
  // vt-pbf's types name geojson-vt's tile; it reads `features` with type, geometry and tags, which these are
  return fromGeojsonVt({ [layer]: { features } as never }, { version: 2, extent });
}
