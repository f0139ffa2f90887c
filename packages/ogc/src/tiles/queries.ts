// The SQL of a vector tile over a collection's relation: ST_AsMVT on PostgreSQL, rows in tile coordinates elsewhere.
import { type RawBuilder, sql } from 'kysely';
import type { FeatureRelation } from '../provider.ts';
import type { TileBounds } from './matrix-set.ts';

/** the geometry of one tile's features, in the MVT grid of `extent` units per side */
export interface TileGrid {
  bounds: TileBounds;
  extent: number;
  /** the margin around the tile, in grid units, that geometries keep (so that outlines join across tiles) */
  buffer: number;
  /** simplification tolerance in EPSG:3857 metres before the grid snaps (0: the grid alone) */
  tolerance: number;
}

/** the feature's properties as one jsonb: the id of the GeoJSON Feature as `id`, then the collection's properties */
function propertiesSql(relation: FeatureRelation): RawBuilder<unknown> {
  const pairs = [sql`'id'`, sql`${relation.id}`];
  for (const [name, expression] of Object.entries(relation.properties)) pairs.push(sql`${name}::text`, expression);
  return sql`jsonb_build_object(${sql.join(pairs)})`;
}

function envelope(b: TileBounds, margin = 0): RawBuilder<unknown> {
  return sql`ST_MakeEnvelope(${b.minX - margin}::float8, ${b.minY - margin}::float8, ${b.maxX + margin}::float8, ${b.maxY + margin}::float8, 3857)`;
}

/** the geometry in EPSG:3857, generalised for the tile's zoom where a tolerance is given */
function mercatorSql(relation: FeatureRelation, grid: TileGrid): RawBuilder<unknown> {
  const mercator = relation.storageSrid === 3857 ? relation.geometry : sql`ST_Transform(${relation.geometry}, 3857)`;
  return grid.tolerance > 0 ? sql`ST_SimplifyPreserveTopology(${mercator}, ${grid.tolerance}::float8)` : mercator;
}

/**
 * One tile as PostGIS encodes it (bytea, empty where no feature meets the tile). `layer` is the MVT layer name. The
 * rows are those of `relation` (its WHERE holds the tile's bbox), in its order. ST_AsMVT leaves out the rows whose
 * ST_AsMVTGeom is NULL (nothing left in the tile): a `WHERE geom IS NOT NULL` around it would be pushed into the scan
 * and compute every geometry twice (measured: twice the time of the statement, the same bytes).
 */
export function mvtSql(relation: FeatureRelation, grid: TileGrid, layer: string): RawBuilder<{ tile: Uint8Array }> {
  return sql<{ tile: Uint8Array }>`SELECT ST_AsMVT(t, ${layer}::text, ${grid.extent}::int, 'geom') AS tile FROM (
      SELECT ST_AsMVTGeom(${mercatorSql(relation, grid)}, ${envelope(grid.bounds)}::box2d, ${grid.extent}::int, ${grid.buffer}::int, true) AS geom,
        ${propertiesSql(relation)} AS properties
      FROM ${relation.from} WHERE ${relation.where} ORDER BY ${relation.order}) t`;
}

/**
 * The data version's row (`beside`, see VersionBeside) and the tile in one statement, one round trip: `rendered` is
 * false and `tile` NULL where the row's version_key is `known` (the key of the tile the caller keeps); the tile's
 * statement is then an InitPlan never executed. Otherwise the tile exactly as mvtSql gives it.
 */
export function mvtBesideSql(
  relation: FeatureRelation,
  grid: TileGrid,
  layer: string,
  beside: RawBuilder<{ version_key: string }>,
  known: string | undefined,
): RawBuilder<{ version_key: string; rendered: boolean; tile: Uint8Array | null }> {
  const render = sql`b.version_key IS DISTINCT FROM ${known ?? null}::text`;
  // materialised: the row is read once, not copied into each column that names it
  return sql<{ version_key: string; rendered: boolean; tile: Uint8Array | null }>`WITH b AS MATERIALIZED (${beside})
    SELECT b.*, ${render} AS rendered, CASE WHEN ${render} THEN (${mvtSql(relation, grid, layer)}) END AS tile FROM b`;
}

/** the data version's row alone (a conditional request, or a database that renders in two statements) */
export function versionRowSql(beside: RawBuilder<{ version_key: string }>): RawBuilder<{ version_key: string }> {
  return sql<{ version_key: string }>`SELECT b.* FROM (${beside}) b`;
}

export interface TileRow {
  properties: Record<string, unknown>;
  /** GeoJSON text of the geometry in grid units (y down), valid, exterior rings clockwise on screen */
  geometry: string;
}

/**
 * The rows of a tile with their geometry in grid units, as ST_AsMVTGeom makes it (for a database whose PostGIS has no
 * ST_AsMVT): clipped to the tile and its buffer, moved and scaled into the grid with y down, snapped to whole units,
 * polygons made valid and oriented as MVT wants them (positive area in grid coordinates), collapsed ones left out.
 */
export function tileRowsSql(relation: FeatureRelation, grid: TileGrid): RawBuilder<TileRow> {
  const { bounds, extent } = grid;
  const scaleX = extent / (bounds.maxX - bounds.minX);
  const scaleY = extent / (bounds.maxY - bounds.minY);
  const margin = grid.buffer / scaleX;
  return sql<TileRow>`SELECT r.properties, ST_AsGeoJSON(s.g, 0) AS geometry FROM (
      SELECT row_number() OVER (ORDER BY ${relation.order}) AS ord, ${propertiesSql(relation)} AS properties,
        ${mercatorSql(relation, grid)} AS mercator
      FROM ${relation.from} WHERE ${relation.where}) r
    CROSS JOIN LATERAL (SELECT ST_SnapToGrid(ST_Affine(ST_ClipByBox2D(r.mercator, ${envelope(bounds, margin)}::box2d),
        ${scaleX}::float8, 0, 0, ${-scaleY}::float8, ${-bounds.minX * scaleX}::float8, ${bounds.maxY * scaleY}::float8), 1) AS snapped) a
    CROSS JOIN LATERAL (SELECT CASE WHEN a.snapped IS NULL OR ST_IsEmpty(a.snapped) THEN NULL
        WHEN ST_Dimension(a.snapped) = 2 THEN ST_ForcePolygonCCW(ST_CollectionExtract(ST_MakeValid(a.snapped), 3))
        ELSE a.snapped END AS g) s
    WHERE s.g IS NOT NULL AND NOT ST_IsEmpty(s.g) AND (ST_Dimension(s.g) < 2 OR ST_Area(s.g) > 0)
    ORDER BY r.ord`;
}
