// One vector tile of a collection: the rows `items` gives for the tile's bbox and the query, encoded as MVT.
import type { DatabaseHandle } from '@datenpool/db';
import { EPSG_3857, parseCrs } from '../crs.ts';
import type { FeatureCollectionSource, RowsQuery, VersionBeside } from '../provider.ts';
import { encodeTile } from './encode.ts';
import { type TileCoordinate, tileBounds } from './matrix-set.ts';
import { mvtBesideSql, mvtSql, type TileGrid, type TileRow, tileRowsSql, versionRowSql } from './queries.ts';

export interface TileRendering {
  /** grid units per tile side (MVT extent) */
  extent: number;
  /** grid units kept around the tile */
  buffer: number;
  /** zooms below this are simplified (ST_SimplifyPreserveTopology) by half a pixel of a 512-pixel tile first */
  simplifyBelow: number;
}

export const defaultRendering: TileRendering = { extent: 4096, buffer: 64, simplifyBelow: 14 };

const mercator = parseCrs(EPSG_3857, 'bbox-crs');

/** the grid of a tile and the items query whose rows it holds (the query's own selection and the tile as its bbox) */
export function tileSelection(coordinate: TileCoordinate, query: RowsQuery, rendering: TileRendering): { grid: TileGrid; rows: RowsQuery } {
  const bounds = tileBounds(coordinate);
  const width = bounds.maxX - bounds.minX;
  const grid: TileGrid = {
    bounds,
    extent: rendering.extent,
    buffer: rendering.buffer,
    tolerance: coordinate.z < rendering.simplifyBelow ? width / 1024 : 0,
  };
  return { grid, rows: { ...query, bbox: { ...bounds, crs: mercator } } };
}

function bytesOf(value: Uint8Array | null | undefined): Uint8Array {
  return value ?? new Uint8Array(0);
}

/**
 * The tile as MVT bytes, empty where no feature meets it: ST_AsMVT where the database has it (probed at start), else the
 * rows in grid units from SQL and the encoder library; the same features and properties either way.
 */
export async function renderTile(
  database: DatabaseHandle,
  source: FeatureCollectionSource,
  query: RowsQuery,
  coordinate: TileCoordinate,
  rendering: TileRendering = defaultRendering,
): Promise<Uint8Array> {
  const { grid, rows } = tileSelection(coordinate, query, rendering);
  const relation = source.relation(rows);
  if (database.capabilities.mvt) {
    const { rows: result } = await mvtSql(relation, grid, source.id).execute(database.db);
    return bytesOf(result[0]?.tile);
  }
  const { rows: features } = await tileRowsSql(relation, grid).execute(database.db);
  return encodeTile(source.id, features as TileRow[], grid.extent);
}


/** a tile read with its data version's row (renderTileBeside) */
export interface TileBeside {
  /** the data version's row as the statement read it (undefined: none) */
  row: Record<string, unknown> | undefined;
  /** the tile where it was rendered; undefined where the row's version_key is `known` (the kept tile is current) */
  tile: Uint8Array | undefined;
}

/**
 * The tile and the source's data version in one round trip on PostgreSQL (ST_AsMVT beside the version's row, rendered
 * only where the version is not `known`, the version_key of the tile the caller keeps). On a database without ST_AsMVT
 * the row first, then the tile's rows where needed (two statements, in process); the same tile either way.
 */
export async function renderTileBeside(
  database: DatabaseHandle,
  source: FeatureCollectionSource,
  beside: VersionBeside,
  query: RowsQuery,
  coordinate: TileCoordinate,
  rendering: TileRendering,
  known: string | undefined,
): Promise<TileBeside> {
  const { grid, rows } = tileSelection(coordinate, query, rendering);
  const relation = source.relation(rows);
  if (database.capabilities.mvt) {
    const { rows: result } = await mvtBesideSql(relation, grid, source.id, beside.relation, known).execute(database.db);
    const first = result[0];
    if (!first) return { row: undefined, tile: undefined };
    const { rendered, tile, ...row } = first;
    return { row, tile: rendered ? bytesOf(tile) : undefined };
  }
  const { rows: versions } = await versionRowSql(beside.relation).execute(database.db);
  const row = versions[0];
  if (!row || row.version_key === known) return { row, tile: undefined };
  const { rows: features } = await tileRowsSql(relation, grid).execute(database.db);
  return { row, tile: encodeTile(source.id, features as TileRow[], grid.extent) };
}
