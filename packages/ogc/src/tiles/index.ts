// OGC API Tiles (Core, TileSet, tileset lists, geodata tilesets, TileMatrixSet WebMercatorQuad, MVT) over collection sources.
import type { App } from '@datenpool/service-kit';
import type { CollectionLookup } from '../provider.ts';
import { collectionTilesLink } from './documents.ts';
import { type TileOptions, tileRoutes } from './routes.ts';

/** the OGC API Tiles and 2D-TMS classes the tile routes implement (each proven by packages/ogc/test/tiles.test.ts) */
export const tilesConformance = [
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/datetime',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
  'http://www.opengis.net/spec/tms/2.0/conf/tilematrixset',
  'http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset',
  'http://www.opengis.net/spec/tms/2.0/conf/tilesetmetadata',
  'http://www.opengis.net/spec/tms/2.0/conf/json-tilesetmetadata',
] as const;

/** the tiles as an extension of the OGC features plugin: `ogcFeatures({ …, extensions: [tilesExtension()] })` */
export function tilesExtension(options: TileOptions = {}) {
  return {
    name: 'tiles',
    conformance: tilesConformance,
    routes: (app: App, collections: CollectionLookup) => tileRoutes(app, collections, options),
    collectionLinks: (collectionUrl: string) => [collectionTilesLink(collectionUrl)],
  };
}

export { collectionTilesLink, tileMediaTypes, tileRelations } from './documents.ts';
export { parseTileCoordinate, tileBounds, tileOf, WEB_MERCATOR_QUAD, WEB_MERCATOR_QUAD_URI, webMercatorQuad } from './matrix-set.ts';
export { mvtSql, tileRowsSql } from './queries.ts';
export { defaultRendering, renderTile, type TileRendering, tileSelection } from './render.ts';
export { type TileOptions, tileRoutes } from './routes.ts';
