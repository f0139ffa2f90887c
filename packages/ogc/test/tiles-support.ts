// What the tile tests share: decoding a tile with the reference decoder and the items of a tile's bbox.
import type { App } from '@datenpool/service-kit';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { tileBounds } from '../src/tiles/matrix-set.ts';

export interface TileCoordinate {
  z: number;
  row: number;
  col: number;
}

export interface DecodedFeature {
  /** 1 point, 2 line, 3 polygon */
  type: number;
  /** properties sorted by name */
  properties: Record<string, unknown>;
  /** vertices of every ring or line */
  vertices: number;
  /** the geometry's box in grid units */
  box: [number, number, number, number];
}

/** the features of one layer of an MVT (none where the layer is absent) */
export function decodeLayer(bytes: Uint8Array, name: string): { extent: number; features: DecodedFeature[] } {
  const tile = new VectorTile(new PbfReader(bytes));
  const layer = tile.layers[name];
  if (!layer) return { extent: 0, features: [] };
  const features: DecodedFeature[] = [];
  for (let i = 0; i < layer.length; i++) {
    const feature = layer.feature(i);
    const rings = feature.loadGeometry();
    const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    let vertices = 0;
    for (const ring of rings) {
      for (const p of ring) {
        vertices++;
        box[0] = Math.min(box[0], p.x);
        box[1] = Math.min(box[1], p.y);
        box[2] = Math.max(box[2], p.x);
        box[3] = Math.max(box[3], p.y);
      }
    }
    const properties = Object.fromEntries(Object.entries(feature.properties).sort(([a], [b]) => a.localeCompare(b)));
    features.push({ type: feature.type, properties, vertices, box });
  }
  return { extent: layer.extent, features };
}

/** the GeoJSON features items gives for the tile's bbox (EPSG:3857) and the same selection parameters */
export async function itemsOfTile(
  app: App,
  collection: string,
  c: TileCoordinate,
  query = '',
): Promise<Array<{ id: string; properties: Record<string, unknown> }>> {
  const b = tileBounds(c);
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  params.set('bbox', [b.minX, b.minY, b.maxX, b.maxY].join(','));
  params.set('bbox-crs', 'http://www.opengis.net/def/crs/EPSG/0/3857');
  params.set('limit', '10000');
  const response = await app.inject({ url: `/collections/${collection}/items?${params}` });
  if (response.statusCode !== 200) throw new Error(`items ${response.statusCode}: ${response.body}`);
  return (response.json() as { features: Array<{ id: string; properties: Record<string, unknown> }> }).features;
}
