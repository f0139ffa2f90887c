// Zod contracts of the OGC API Tiles routes (documentation and validation of the path and query).
import { z } from 'zod';

const param = (description: string) => z.string().optional().describe(description);

export const tileMatrixSetParams = z.object({ tileMatrixSetId: z.string().describe('WebMercatorQuad') });
export const collectionTilesParams = z.object({ collectionId: z.string().describe('e.g. lor-2021-planungsraum, indicator-anteil_65_plus') });
export const tilesetParams = collectionTilesParams.extend(tileMatrixSetParams.shape);
export const tileParams = tilesetParams.extend({
  tileMatrix: z.string().describe('the zoom level, 0 to the tileset’s maximum'),
  tileRow: z.string().describe('the row, 0 at the top (north)'),
  tileCol: z.string().describe('the column, 0 at the left (west)'),
});

const selection = {
  datetime: param('instant or interval (a/b, ../b, a/..), as for the items: an indicator layer’s reference date (latest by default)'),
  filter: param("CQL2 filter over the queryables, as for the items (indicator layers: level='bezirksregion')"),
  'filter-lang': param('cql2-text (default) or cql2-json'),
  'filter-crs': param('CRS of geometry literals in filter, default CRS84'),
};

export const tileQuery = z.object(selection);
export const tilesetQuery = z.object({ f: param('json (tileset metadata, default) or tilejson (TileJSON 3.0)'), ...selection });
export const tilesDocumentQuery = z.object({ f: param('json'), ...selection });
export const jsonQuery = z.object({ f: param('json') });

/** the JSON documents, described loosely: their shape is the standards' (OGC API Tiles 1.0, 2D-TMS 2.0, TileJSON 3.0) */
export const tilesJsonDocument = z.record(z.string(), z.unknown()).describe('an OGC API Tiles / 2D-TMS JSON document');
export const mvtTile = z.unknown().describe('a Mapbox Vector Tile (application/vnd.mapbox-vector-tile), one layer named after the collection');
export const emptyTile = z.null().describe('no feature in this tile');
