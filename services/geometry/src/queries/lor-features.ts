// SQL of the LOR collections: features as GeoJSON text made by PostGIS, counts, extents, data versions.
import type { Database, DatabaseHandle, Kysely } from '@datenpool/db';
import { estimateRows, sql, streamRows } from '@datenpool/db';
import { bboxToStorageSql, type CrsDefinition, compileCql2, defaultCrs, geometryJsonSql, type ItemsQuery, propertiesJsonSql, type RowsQuery } from '@datenpool/ogc';
import type { RawBuilder } from 'kysely';

type Db = Kysely<Database>;

export const STORAGE_SRID = 25833;

/** the LOR properties: queryable name → column. The only names that reach SQL. */
export const lorColumns: Record<string, RawBuilder<unknown>> = {
  id: sql`u.id`,
  name: sql`u.name`,
  level: sql`u.level`,
  version: sql`u.version`,
  parent_id: sql`u.parent_id`,
  area_m2: sql`u.area_m2`,
};

/** properties a feature carries (the id is the feature's `id` member) */
export const lorProperties = ['name', 'level', 'version', 'parent_id', 'area_m2'] as const;

/**
 * The feature expression per output CRS and property selection: immutable SQL, built once instead of on every
 * request (a few dozen builder objects each time). Bounded: selections are subsets of six names, CRS a handful.
 */
const featureExpressions = new Map<string, RawBuilder<string>>();
const FEATURE_EXPRESSIONS_MAX = 256;

/** one Feature as text; `properties` selects (all when undefined) */
export function featureSql(crs: CrsDefinition, properties?: readonly string[]): RawBuilder<string> {
  const key = `${crs.uri}#${crs.precision}#${properties === undefined ? '*' : properties.join(',')}`;
  let expression = featureExpressions.get(key);
  if (!expression) {
    expression = buildFeatureSql(crs, properties);
    if (featureExpressions.size >= FEATURE_EXPRESSIONS_MAX) featureExpressions.clear();
    featureExpressions.set(key, expression);
  }
  return expression;
}

function buildFeatureSql(crs: CrsDefinition, properties?: readonly string[]): RawBuilder<string> {
  const props = propertiesJsonSql(
    lorColumns,
    lorProperties.filter((p) => !properties || properties.includes(p)),
  );
  return sql<string>`'{"type":"Feature","id":' || to_json(u.id)::text || ',"geometry":' || ${geometryJsonSql(sql`u.geom`, crs, STORAGE_SRID, { crs: defaultCrs, column: sql`u.geojson_crs84` })}
    || ',"properties":' || ${props} || '}'`;
}

export interface LorCollectionKey {
  version: string;
  level: string;
  /** false where the datetime interval misses the version's validity: nothing matches */
  inTime: boolean;
}

export function lorConditions(key: LorCollectionKey, query: RowsQuery): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [sql`u.version = ${key.version}`, sql`u.level = ${key.level}`];
  if (!key.inTime) parts.push(sql`false`);
  if (query.bbox) {
    parts.push(sql`ST_Intersects(u.geom, ${bboxToStorageSql(query.bbox, STORAGE_SRID)})`);
  }
  if (query.filter) {
    parts.push(
      compileCql2(query.filter.expression, {
        columns: lorColumns,
        geometry: sql`u.geom`,
        storageSrid: STORAGE_SRID,
        filterCrs: query.filter.crs,
      }),
    );
  }
  return sql.join(parts, sql` AND `) as RawBuilder<boolean>;
}

export function lorOrdering(query: RowsQuery): RawBuilder<unknown> {
  const keys = (query.sortby ?? []).map((k) => sql`${lorColumns[k.name]} ${k.direction === 'desc' ? sql`DESC` : sql`ASC`}`);
  return sql.join([...keys, sql`u.id`]);
}

/**
 * the page's rows; `withTotal` adds how many match in all (a window over the matches, which the ORDER BY … LIMIT reads in
 * full anyway): numberMatched of a filtered page by the same statement instead of a second spatial query
 */
function pageSql(key: LorCollectionKey, query: ItemsQuery, withTotal = false): RawBuilder<{ f: string; total?: number }> {
  return sql<{ f: string; total?: number }>`SELECT ${featureSql(query.crs, query.properties)} AS f
      ${withTotal ? sql`, count(*) OVER () AS total` : sql``}
    FROM lor_unit u
    WHERE ${lorConditions(key, query)} ORDER BY ${lorOrdering(query)}
    LIMIT ${query.page.limit} OFFSET ${query.page.offset}`;
}

/**
 * One page of features joined into one text by the database, how many there are, and the version
 * row as it is now, read by the same statement (undefined where the version is gone). `withTotal`:
 * also how many match in all (`matched`, undefined where the page is empty).
 */
export async function lorItems(
  db: Db,
  key: LorCollectionKey,
  query: ItemsQuery,
  withTotal = false,
): Promise<{ features: string; n: number; matched?: number; version?: LorVersionRow }> {
  const { rows } = await sql<LorVersionRow & { features: string; n: number; matched: number | null }>`SELECT v.version,
      v.label, v.valid_from, v.valid_to, v.updated_at, p.features, p.n, p.matched
    FROM lor_version v CROSS JOIN (SELECT coalesce(string_agg(f, ','), '') AS features, count(*)::int AS n,
        ${withTotal ? sql`max(total)::int` : sql`NULL::int`} AS matched
      FROM (${pageSql(key, query, withTotal)}) page) p
    WHERE v.version = ${key.version}`.execute(db);
  const row = rows[0];
  if (!row) return { features: '', n: 0 };
  const { features, n, matched, ...version } = row;
  return { features, n, ...(matched === null ? {} : { matched }), version };
}

/**
 * One page read through a cursor in batches (packages/db streamRows: PostgreSQL and PGlite): each batch is yielded
 * as comma-joined Feature texts, so the process never holds more than one batch.
 */
export async function* lorItemsStream(
  database: DatabaseHandle,
  key: LorCollectionKey,
  query: ItemsQuery,
  batchSize: number,
): AsyncGenerator<{ text: string; n: number }> {
  for await (const rows of streamRows(database, pageSql(key, query) as RawBuilder<{ f: string }>, { batchSize })) {
    yield { text: rows.map((r) => r.f).join(','), n: rows.length };
  }
}

export async function lorCount(db: Db, key: LorCollectionKey, query: ItemsQuery): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit u
    WHERE ${lorConditions(key, query)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** every unit of a version's level: the count of an unfiltered collection, kept per data version by the provider */
export async function lorLevelCounts(db: Db, version: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ level: string; n: number }>`SELECT level, count(*)::int AS n FROM lor_unit
    WHERE version = ${version} GROUP BY level`.execute(db);
  return new Map(rows.map((r) => [r.level, r.n]));
}

/** the planner's estimate of the matching units (numberMatched policy `estimate`) */
export function lorEstimate(db: Db, key: LorCollectionKey, query: ItemsQuery): Promise<number> {
  return estimateRows(db, sql`SELECT 1 FROM lor_unit u WHERE ${lorConditions(key, query)}`);
}

export async function lorFeature(
  db: Db,
  key: { version: string; level: string },
  id: string,
  crs: CrsDefinition,
  properties?: string[],
): Promise<string | undefined> {
  const { rows } = await sql<{ f: string }>`SELECT ${featureSql(crs, properties)} AS f FROM lor_unit u
    WHERE u.version = ${key.version} AND u.level = ${key.level} AND u.id = ${id}`.execute(db);
  return rows[0]?.f;
}

export interface LorVersionRow {
  version: string;
  label: string;
  valid_from: string;
  valid_to: string | null;
  updated_at: Date;
}

export async function lorVersions(db: Db): Promise<LorVersionRow[]> {
  return db.selectFrom('lor_version').selectAll().orderBy('version').execute();
}

export async function lorVersion(db: Db, version: string): Promise<LorVersionRow | undefined> {
  return db.selectFrom('lor_version').selectAll().where('version', '=', version).executeTakeFirst();
}

/** CRS84 extent per level of a version; levels without geometry are absent */
export async function lorExtents(db: Db, version: string): Promise<Map<string, [number, number, number, number]>> {
  const { rows } = await sql<{ level: string; w: number; s: number; e: number; n: number }>`SELECT level,
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT level, ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, ${sql.lit(STORAGE_SRID)}), 4326) AS b
      FROM lor_unit WHERE version = ${version} AND geom IS NOT NULL GROUP BY level) x`.execute(db);
  return new Map(rows.map((r) => [r.level, [r.w, r.s, r.e, r.n]]));
}
