// The WebMercatorQuad tile matrix set (OGC 2D-TMS 2.0, annex D.1): its definition and the tile coordinates it admits.
import { BadRequest, HttpProblem } from '@datenpool/service-kit';

export const WEB_MERCATOR_QUAD = 'WebMercatorQuad';
export const WEB_MERCATOR_QUAD_URI = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad';
export const EPSG_3857_URI = 'http://www.opengis.net/def/crs/EPSG/0/3857';

/** half the side of the square the matrix set covers, in metres (the equator's length ÷ 2) */
export const ORIGIN_SHIFT = 20037508.3427892;
const TILE_PIXELS = 256;
/** the pixel size the OGC standards assume for scale denominators (0.28 mm) */
const STANDARD_PIXEL_METRES = 0.00028;

export interface TileCoordinate {
  z: number;
  row: number;
  col: number;
}

/** a tile's extent in EPSG:3857 metres */
export interface TileBounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function tileBounds({ z, row, col }: TileCoordinate): TileBounds {
  const size = (2 * ORIGIN_SHIFT) / 2 ** z;
  return {
    minX: -ORIGIN_SHIFT + col * size,
    maxX: -ORIGIN_SHIFT + (col + 1) * size,
    maxY: ORIGIN_SHIFT - row * size,
    minY: ORIGIN_SHIFT - (row + 1) * size,
  };
}

/** the tile matrix (zoom) of the given column/row that holds a CRS84 position */
export function tileOf(lon: number, lat: number, z: number): TileCoordinate {
  const n = 2 ** z;
  const col = Math.floor(((lon + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const row = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return { z, col: Math.min(n - 1, Math.max(0, col)), row: Math.min(n - 1, Math.max(0, row)) };
}

/** the tile matrix set as its JSON encoding (2D-TMS 2.0 JSON), matrices 0…maxZoom */
export function webMercatorQuad(maxZoom: number) {
  return {
    id: WEB_MERCATOR_QUAD,
    title: 'Google Maps Compatible for the World',
    uri: WEB_MERCATOR_QUAD_URI,
    crs: EPSG_3857_URI,
    orderedAxes: ['X', 'Y'],
    wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
    boundingBox: {
      lowerLeft: [-ORIGIN_SHIFT, -ORIGIN_SHIFT],
      upperRight: [ORIGIN_SHIFT, ORIGIN_SHIFT],
      crs: EPSG_3857_URI,
    },
    tileMatrices: Array.from({ length: maxZoom + 1 }, (_, z) => {
      const cellSize = (2 * ORIGIN_SHIFT) / TILE_PIXELS / 2 ** z;
      return {
        id: String(z),
        scaleDenominator: cellSize / STANDARD_PIXEL_METRES,
        cellSize,
        cornerOfOrigin: 'topLeft' as const,
        pointOfOrigin: [-ORIGIN_SHIFT, ORIGIN_SHIFT] as [number, number],
        tileWidth: TILE_PIXELS,
        tileHeight: TILE_PIXELS,
        matrixWidth: 2 ** z,
        matrixHeight: 2 ** z,
      };
    }),
  };
}

/** 404 naming tileMatrixSetId where the set is not one this server offers */
export function requireTileMatrixSet(id: string): void {
  if (id !== WEB_MERCATOR_QUAD) {
    const detail = `There is no tile matrix set ${id}; tileMatrixSetId: ${WEB_MERCATOR_QUAD}.`;
    throw new HttpProblem(404, 'not-found', 'Not found', detail, {
      invalidParams: [{ pointer: '/path/tileMatrixSetId', name: 'tileMatrixSetId', reason: detail }],
    });
  }
}

const integer = /^(0|[1-9][0-9]{0,9})$/;

/**
 * The path's tile coordinate: a tile matrix that is not 0…maxZoom is a 400 naming tileMatrix; a row or column outside
 * that matrix is a 400 naming tileRow or tileCol (OGC API Tiles /req/core/tc-error)
 */
export function parseTileCoordinate(params: { tileMatrix: string; tileRow: string; tileCol: string }, maxZoom: number): TileCoordinate {
  if (!integer.test(params.tileMatrix) || Number(params.tileMatrix) > maxZoom) {
    throw new BadRequest(`tileMatrix=${params.tileMatrix} is not a tile matrix of ${WEB_MERCATOR_QUAD}: 0 to ${maxZoom}.`, {
      name: 'tileMatrix',
      in: 'path',
    });
  }
  const z = Number(params.tileMatrix);
  const limit = 2 ** z - 1;
  const index = (name: 'tileRow' | 'tileCol', value: string): number => {
    if (!integer.test(value) || Number(value) > limit) {
      throw new BadRequest(`${name}=${value} is outside tile matrix ${z} of ${WEB_MERCATOR_QUAD}: 0 to ${limit}.`, { name, in: 'path' });
    }
    return Number(value);
  };
  return { z, row: index('tileRow', params.tileRow), col: index('tileCol', params.tileCol) };
}
