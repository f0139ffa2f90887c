// SQL of the indicator layers (OGC collections indicator-{id}): LOR units joined with one indicator's values, as GeoJSON text.
import type { Database, Kysely } from '@datenpool/db';
import { estimateRows, sql } from '@datenpool/db';
import { bboxToStorageSql, type CrsDefinition, compileCql2, defaultCrs, geometryJsonSql, type ItemsQuery, propertiesJsonSql, type RowsQuery } from '@datenpool/ogc';
import type { RawBuilder } from 'kysely';

export const STORAGE_SRID = 25833;

/** the layer properties: queryable name → column. The only names that reach SQL. */
export const layerColumns: Record<string, RawBuilder<unknown>> = {
  id: sql`v.unit_id`,
  name: sql`u.name`,
  level: sql`v.level`,
  date: sql`v.ref_date`,
  value: sql`(CASE WHEN v.status <> 'suppressed' THEN v.value END)`,
  status: sql`v.status`,
  berlin: sql`v.berlin`,
  district: sql`v.district`,
  rank: sql`v.rank`,
  percentile: sql`v.percentile`,
  change_1y: sql`v.change_1y`,
  target_distance: sql`v.target_distance`,
  class: sql`v.class`,
  class_label: sql`v.class_label`,
};

export const layerProperties = Object.keys(layerColumns).filter((k) => k !== 'id');

export interface LayerKey {
  indicator: string;
  version: string;
  /** the level when the filter names none */
  defaultLevel: string | null;
  /** reference dates to include (from datetime, or the latest) */
  dates: { start: string | null; end: string | null } | 'latest';
}

/** a feature per unit and date: id `{unit}_{year}` */
function featureSql(crs: CrsDefinition, properties?: readonly string[]): RawBuilder<string> {
  const props = propertiesJsonSql(
    layerColumns,
    layerProperties.filter((p) => !properties || properties.includes(p)),
  );
  return sql<string>`'{"type":"Feature","id":' || to_json(${layerFeatureId})::text
    || ',"geometry":' || ${geometryJsonSql(sql`u.geom`, crs, STORAGE_SRID, { crs: defaultCrs, column: sql`u.geojson_crs84` })} || ',"properties":' || ${props} || '}'`;
}

export function layerConditions(key: LayerKey, query: RowsQuery): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [
    sql`v.indicator_id = ${key.indicator}`,
    sql`v.lor_version = ${key.version}`,
    sql`v.breakdown = ''`,
  ];
  if (key.defaultLevel) parts.push(sql`v.level = ${key.defaultLevel}`);
  if (key.dates === 'latest') {
    parts.push(sql`v.ref_date = (SELECT max(ref_date) FROM indicator_value WHERE indicator_id = ${key.indicator} AND lor_version = ${key.version})`);
  } else {
    if (key.dates.start) parts.push(sql`v.ref_date >= ${key.dates.start}::date`);
    if (key.dates.end) parts.push(sql`v.ref_date <= make_date(extract(year FROM ${key.dates.end}::date)::int, 12, 31)`);
  }
  if (query.bbox) {
    parts.push(sql`ST_Intersects(u.geom, ${bboxToStorageSql(query.bbox, STORAGE_SRID)})`);
  }
  if (query.filter) {
    parts.push(
      compileCql2(query.filter.expression, { columns: layerColumns, geometry: sql`u.geom`, storageSrid: STORAGE_SRID, filterCrs: query.filter.crs }),
    );
  }
  return sql.join(parts, sql` AND `) as RawBuilder<boolean>;
}

export const layerFrom = sql`indicator_value v LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id`;

/** the feature id `{unit}_{year}` */
export const layerFeatureId = sql`v.unit_id || '_' || extract(year FROM v.ref_date)::int`;

/** sort keys, then unit and date */
export function layerOrdering(query: RowsQuery): RawBuilder<unknown> {
  const keys = (query.sortby ?? []).map((k) => sql`${layerColumns[k.name]} ${k.direction === 'desc' ? sql`DESC` : sql`ASC`}`);
  return sql.join([...keys, sql`v.unit_id`, sql`v.ref_date`]);
}

/** one page of features joined into one text by the database, and how many were returned */
export async function layerItems(db: Kysely<Database>, key: LayerKey, query: ItemsQuery): Promise<{ features: string; n: number }> {
  const { rows } = await sql<{ features: string; n: number }>`SELECT coalesce(string_agg(f, ','), '') AS features, count(*)::int AS n
    FROM (SELECT ${featureSql(query.crs, query.properties)} AS f FROM ${layerFrom}
      WHERE ${layerConditions(key, query)} ORDER BY ${layerOrdering(query)}
      LIMIT ${query.page.limit} OFFSET ${query.page.offset}) page`.execute(db);
  return rows[0] ?? { features: '', n: 0 };
}

export async function layerCount(db: Kysely<Database>, key: LayerKey, query: ItemsQuery): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${layerFrom} WHERE ${layerConditions(key, query)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** the planner's estimate of the matching features (numberMatched policy `estimate`) */
export function layerEstimate(db: Kysely<Database>, key: LayerKey, query: ItemsQuery): Promise<number> {
  return estimateRows(db, sql`SELECT 1 FROM ${layerFrom} WHERE ${layerConditions(key, query)}`);
}

/** one feature by its id `{unit}_{year}` */
export async function layerFeature(
  db: Kysely<Database>,
  key: { indicator: string; version: string },
  featureId: string,
  crs: CrsDefinition,
  properties?: string[],
): Promise<string | undefined> {
  const match = /^(\d{1,8})_(\d{4})$/.exec(featureId);
  if (!match) return undefined;
  const { rows } = await sql<{ f: string }>`SELECT ${featureSql(crs, properties)} AS f FROM ${layerFrom}
    WHERE v.indicator_id = ${key.indicator} AND v.lor_version = ${key.version} AND v.breakdown = ''
      AND v.unit_id = ${match[1]} AND v.ref_date = make_date(${Number(match[2])}::int, 12, 31)`.execute(db);
  return rows[0]?.f;
}

/** the dates of an indicator's values and the CRS84 extent of Berlin's geometry */
export async function layerExtent(
  db: Kysely<Database>,
  indicator: string,
  version: string,
): Promise<{ first: string | null; last: string | null; bbox: [number, number, number, number] | null }> {
  const { rows } = await sql<{ first: string | null; last: string | null; w: number | null; s: number | null; e: number | null; n: number | null }>`
    SELECT (SELECT min(ref_date) FROM indicator_value WHERE indicator_id = ${indicator} AND lor_version = ${version}) AS first,
      (SELECT max(ref_date) FROM indicator_value WHERE indicator_id = ${indicator} AND lor_version = ${version}) AS last,
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, ${sql.lit(STORAGE_SRID)}), 4326) AS b
      FROM lor_unit WHERE version = ${version} AND geom IS NOT NULL) x`.execute(db);
  const r = rows[0];
  const bbox = r && r.w !== null && r.s !== null && r.e !== null && r.n !== null ? ([r.w, r.s, r.e, r.n] as [number, number, number, number]) : null;
  return { first: r?.first ?? null, last: r?.last ?? null, bbox };
}
