// The JSON documents of OGC API Tiles (tileset list, tileset metadata, tile matrix sets) and the TileJSON 3.0 alternate.
import { CRS84 } from '../crs.ts';
import type { Link } from '../links.ts';
import type { CollectionDescription, Queryable } from '../provider.ts';
import { EPSG_3857_URI, tileOf, WEB_MERCATOR_QUAD, WEB_MERCATOR_QUAD_URI } from './matrix-set.ts';

export const tileMediaTypes = {
  mvt: 'application/vnd.mapbox-vector-tile',
  tilejson: 'application/vnd.mapbox.tile+json',
  json: 'application/json',
} as const;

export const tileRelations = {
  /** the collection's vector tilesets (OGC API Tiles /req/geodata-tilesets) */
  tilesetsVector: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector',
  tilingScheme: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme',
  tileMatrixSets: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes',
} as const;

/** what the tileset documents need to know of the collection and the request */
export interface TilesetContext {
  description: CollectionDescription;
  queryables: readonly Queryable[];
  /** the collection's URL, `{base}/collections/{id}` */
  collectionUrl: string;
  base: string;
  /** the query the tiles are asked with (datetime, filter), kept in every tile URL: `?datetime=…` or '' */
  query: string;
  minZoom: number;
  maxZoom: number;
}

/** a link; tile URL templates say so (OGC API Common `templated`) */
export type TileLink = Link & { templated?: boolean };

const CITY_FALLBACK: [number, number, number, number] = [-180, -85.0511287798066, 180, 85.0511287798066];

function bboxOf(d: CollectionDescription): [number, number, number, number] {
  return d.extent.spatial?.bbox[0] ?? CITY_FALLBACK;
}

function tileTemplate(context: TilesetContext, z: string, row: string, col: string): string {
  return `${context.collectionUrl}/tiles/${WEB_MERCATOR_QUAD}/${z}/${row}/${col}${context.query}`;
}

/** the tile matrices that hold the collection's extent: per zoom, the rows and columns it meets */
function limits(context: TilesetContext) {
  const [west, south, east, north] = bboxOf(context.description);
  const clamp = (lat: number) => Math.max(-85.0511287798066, Math.min(85.0511287798066, lat));
  return Array.from({ length: context.maxZoom - context.minZoom + 1 }, (_, i) => {
    const z = context.minZoom + i;
    const upperLeft = tileOf(west, clamp(north), z);
    const lowerRight = tileOf(east, clamp(south), z);
    return {
      tileMatrix: String(z),
      minTileRow: upperLeft.row,
      maxTileRow: lowerRight.row,
      minTileCol: upperLeft.col,
      maxTileCol: lowerRight.col,
    };
  });
}

const fieldType: Record<Queryable['type'], string> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  date: 'string',
};

/** the properties of the one layer of each tile (the collection's id), as JSON Schema */
function propertiesSchema(queryables: readonly Queryable[]) {
  return {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'the feature id, as in the GeoJSON features' },
      ...Object.fromEntries(
        queryables
          .filter((q) => !q.isId && q.name !== 'id')
          .map((q) => [q.name, { type: fieldType[q.type], title: q.title, ...(q.type === 'date' ? { format: 'date' } : {}) }]),
      ),
    },
  };
}

function geometryDimension(geometryType: string): number {
  if (/Point/.test(geometryType)) return 0;
  if (/LineString/.test(geometryType)) return 1;
  return 2;
}

/** the tileset metadata (OGC API Tiles /req/tileset, 2D-TMS 2.0 TileSetMetadata) */
export function tilesetDocument(context: TilesetContext) {
  const d = context.description;
  const [west, south, east, north] = bboxOf(d);
  const self = `${context.collectionUrl}/tiles/${WEB_MERCATOR_QUAD}`;
  const links: TileLink[] = [
    { href: `${self}${context.query}`, rel: 'self', type: tileMediaTypes.json, title: 'This tileset' },
    {
      href: `${self}${context.query ? `${context.query}&` : '?'}f=tilejson`,
      rel: 'alternate',
      type: tileMediaTypes.tilejson,
      title: 'This tileset as TileJSON 3.0',
    },
    { href: `${context.base}/tileMatrixSets/${WEB_MERCATOR_QUAD}`, rel: tileRelations.tilingScheme, type: tileMediaTypes.json, title: 'The tile matrix set' },
    { href: context.collectionUrl, rel: 'collection', type: tileMediaTypes.json, title: 'The collection' },
    {
      href: tileTemplate(context, '{tileMatrix}', '{tileRow}', '{tileCol}'),
      rel: 'item',
      type: tileMediaTypes.mvt,
      title: 'A vector tile (Mapbox Vector Tile)',
      templated: true,
    },
  ];
  return {
    title: d.title,
    ...(d.description ? { description: d.description } : {}),
    dataType: 'vector',
    crs: EPSG_3857_URI,
    tileMatrixSetURI: WEB_MERCATOR_QUAD_URI,
    links,
    tileMatrixSetLimits: limits(context),
    boundingBox: { lowerLeft: [west, south], upperRight: [east, north], crs: CRS84 },
    centerPoint: { coordinates: [(west + east) / 2, (south + north) / 2], tileMatrix: String(Math.min(context.maxZoom, 11)), crs: CRS84 },
    layers: [
      {
        id: d.id,
        title: d.title,
        dataType: 'vector',
        geometryDimension: geometryDimension(d.geometryType),
        minTileMatrix: String(context.minZoom),
        maxTileMatrix: String(context.maxZoom),
        propertiesSchema: propertiesSchema(context.queryables),
      },
    ],
  };
}

/** the tileset as TileJSON 3.0.0, for MapLibre, Leaflet plugins and QGIS */
export function tileJsonDocument(context: TilesetContext) {
  const d = context.description;
  const [west, south, east, north] = bboxOf(d);
  const schema = propertiesSchema(context.queryables).properties as Record<string, { type: string; title?: string }>;
  return {
    tilejson: '3.0.0',
    name: d.title,
    ...(d.description ? { description: d.description } : {}),
    scheme: 'xyz',
    tiles: [tileTemplate(context, '{z}', '{y}', '{x}')],
    minzoom: context.minZoom,
    maxzoom: context.maxZoom,
    bounds: [west, south, east, north],
    center: [(west + east) / 2, (south + north) / 2, Math.min(context.maxZoom, 11)],
    vector_layers: [
      {
        id: d.id,
        description: d.title,
        minzoom: context.minZoom,
        maxzoom: context.maxZoom,
        fields: Object.fromEntries(Object.entries(schema).map(([name, p]) => [name, p.title ?? p.type])),
      },
    ],
  };
}

/** the tileset list of a collection (OGC API Tiles /req/tilesets-list) */
export function tilesetsDocument(context: Omit<TilesetContext, 'minZoom' | 'maxZoom'>) {
  const d = context.description;
  const self = `${context.collectionUrl}/tiles`;
  return {
    links: [
      { href: `${self}${context.query}`, rel: 'self', type: tileMediaTypes.json, title: 'The tilesets of this collection' },
      { href: context.collectionUrl, rel: 'collection', type: tileMediaTypes.json, title: 'The collection' },
    ],
    tilesets: [
      {
        title: d.title,
        dataType: 'vector',
        crs: EPSG_3857_URI,
        tileMatrixSetURI: WEB_MERCATOR_QUAD_URI,
        links: [
          { href: `${self}/${WEB_MERCATOR_QUAD}${context.query}`, rel: 'self', type: tileMediaTypes.json, title: 'The tileset (WebMercatorQuad)' },
          { href: `${context.base}/tileMatrixSets/${WEB_MERCATOR_QUAD}`, rel: tileRelations.tilingScheme, type: tileMediaTypes.json, title: 'The tile matrix set' },
        ],
      },
    ],
  };
}

/** the tile matrix sets this server tiles in */
export function tileMatrixSetsDocument(base: string) {
  return {
    links: [{ href: `${base}/tileMatrixSets`, rel: 'self', type: tileMediaTypes.json, title: 'The tile matrix sets' }],
    tileMatrixSets: [
      {
        id: WEB_MERCATOR_QUAD,
        title: 'Google Maps Compatible for the World',
        uri: WEB_MERCATOR_QUAD_URI,
        crs: EPSG_3857_URI,
        links: [{ href: `${base}/tileMatrixSets/${WEB_MERCATOR_QUAD}`, rel: 'self', type: tileMediaTypes.json, title: 'WebMercatorQuad' }],
      },
    ],
  };
}

/** the link a collection document carries to its tilesets */
export function collectionTilesLink(collectionUrl: string): Link {
  return { href: `${collectionUrl}/tiles`, rel: tileRelations.tilesetsVector, type: tileMediaTypes.json, title: 'Vector tiles (OGC API Tiles)' };
}
