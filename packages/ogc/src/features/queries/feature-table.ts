// The SQL of a feature table (features/table.ts), written once for every collection type: a page aggregated into one
// text or streamed from a cursor, the window count of a filtered page, count, estimate, one feature, extent, relation.
import { type DatabaseHandle, estimateRows, streamRows } from '@datenpool/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type CrsDefinition, defaultCrs } from '../../crs.ts';
import { featureJsonSql, type ItemsTable, itemsOrderSql, itemsWhereSql } from '../../items-sql.ts';
import type { FeatureRelation, ItemsQuery, Queryable, RowsQuery } from '../../provider.ts';
import { geometryJsonSql, propertiesJsonSql } from '../../storage.ts';
import { type FeatureTable, tableQueryables } from '../table.ts';

/** the queries are raw SQL: any database's Kysely runs them */
type Db = Kysely<any>;

/** a page's features joined into one text, how many, how many match in all (window count), and the row read beside */
export interface FeaturePage<Row> {
  features: string;
  n: number;
  matched?: number;
  /** the `beside` row as the page's statement read it; undefined where it is gone */
  beside?: Row;
}

/**
 * Feature expressions (per output CRS and property selection) are immutable SQL built once per instance instead of on
 * every request; bounded, though selections are subsets of the columns and CRS a handful.
 */
const FEATURE_EXPRESSIONS_MAX = 256;

function allOf(conditions: readonly RawBuilder<boolean>[]): RawBuilder<boolean> {
  return conditions.length > 0 ? (sql.join([...conditions], sql` AND `) as RawBuilder<boolean>) : sql<boolean>`true`;
}

export class FeatureTableSql {
  readonly table: FeatureTable;
  /** queryable name → SQL, for filter and sortby */
  readonly columns: Record<string, RawBuilder<unknown>>;
  /** the names that are Feature properties, in order */
  readonly properties: readonly string[];
  /** the table's queryables, in column order: made once, as sources are made per request */
  readonly queryables: readonly Queryable[];
  private readonly items: ItemsTable;
  private readonly expressions = new Map<string, RawBuilder<string>>();

  constructor(table: FeatureTable) {
    this.table = table;
    this.columns = Object.fromEntries(Object.entries(table.columns).map(([name, c]) => [name, c.sql]));
    this.properties = Object.entries(table.columns)
      .filter(([, c]) => c.property !== false)
      .map(([name]) => name);
    this.items = { columns: this.columns, geometry: table.geometry, storageSrid: table.storageSrid };
    this.queryables = tableQueryables(table);
  }

  /** one Feature as text; `properties` selects (all when undefined) */
  feature(crs: CrsDefinition, properties?: readonly string[]): RawBuilder<string> {
    const key = `${crs.uri}#${crs.precision}#${properties === undefined ? '*' : properties.join(',')}`;
    let expression = this.expressions.get(key);
    if (!expression) {
      const { table } = this;
      const stored = table.storedCrs84GeoJson ? { crs: defaultCrs, column: table.storedCrs84GeoJson } : undefined;
      const names = this.properties.filter((p) => !properties || properties.includes(p));
      expression = featureJsonSql(table.id, geometryJsonSql(table.geometry, crs, table.storageSrid, stored), propertiesJsonSql(this.columns, names));
      if (this.expressions.size >= FEATURE_EXPRESSIONS_MAX) this.expressions.clear();
      this.expressions.set(key, expression);
    }
    return expression;
  }

  /** the collection's own conditions AND bbox AND filter */
  where(query: RowsQuery, own: readonly RawBuilder<boolean>[]): RawBuilder<boolean> {
    return itemsWhereSql(this.items, query, [...own]);
  }

  /** sort keys, then the tie-breakers */
  order(query: RowsQuery): RawBuilder<unknown> {
    return itemsOrderSql(this.items, query, [...this.table.tieBreakers]);
  }

  /** the page's rows; `withTotal` adds how many match in all (a window over the matches the ORDER BY … LIMIT reads anyway) */
  private page(own: readonly RawBuilder<boolean>[], query: ItemsQuery, withTotal: boolean): RawBuilder<{ f: string; total?: number }> {
    return sql<{ f: string; total?: number }>`SELECT ${this.feature(query.crs, query.properties)} AS f
        ${withTotal ? sql`, count(*) OVER () AS total` : sql``}
      FROM ${this.table.from}
      WHERE ${this.where(query, own)} ORDER BY ${this.order(query)}
      LIMIT ${query.page.limit} OFFSET ${query.page.offset}`;
  }

  /**
   * One page joined into one text by the database. `withTotal`: also how many match in all (`matched`, undefined where
   * the page is empty). `beside`: a one-row relation (a data version's row) read by the same statement: no row, no page.
   */
  async aggregatedPage<Row extends object = never>(
    db: Db,
    own: readonly RawBuilder<boolean>[],
    query: ItemsQuery,
    options: { withTotal?: boolean; beside?: RawBuilder<Row> } = {},
  ): Promise<FeaturePage<Row>> {
    const withTotal = options.withTotal ?? false;
    const aggregate = sql`SELECT coalesce(string_agg(page.f, ','), '') AS features, count(*)::int AS n,
        ${withTotal ? sql`max(page.total)::int` : sql`NULL::int`} AS matched
      FROM (${this.page(own, query, withTotal)}) page`;
    type Result = { features: string; n: number; matched: number | null };
    if (!options.beside) {
      const { rows } = await sql<Result>`${aggregate}`.execute(db);
      const row = rows[0];
      if (!row) return { features: '', n: 0 };
      return { features: row.features, n: row.n, ...(row.matched === null ? {} : { matched: row.matched }) };
    }
    const { rows } = await sql<Row & Result>`SELECT b.*, p.features, p.n, p.matched
      FROM (${options.beside}) b CROSS JOIN (${aggregate}) p`.execute(db);
    const row = rows[0];
    if (!row) return { features: '', n: 0 };
    const { features, n, matched, ...beside } = row;
    return { features, n, ...(matched === null ? {} : { matched }), beside: beside as unknown as Row };
  }

  /** one page through a cursor (packages/db streamRows: PostgreSQL and PGlite), each batch as comma-joined Features */
  async *streamedPage(database: DatabaseHandle, own: readonly RawBuilder<boolean>[], query: ItemsQuery, batchSize: number): AsyncGenerator<{ text: string; n: number }> {
    for await (const rows of streamRows(database, this.page(own, query, false) as RawBuilder<{ f: string }>, { batchSize })) {
      yield { text: rows.map((r) => r.f).join(','), n: rows.length };
    }
  }

  async count(db: Db, own: readonly RawBuilder<boolean>[], query: RowsQuery): Promise<number> {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${this.table.from} WHERE ${this.where(query, own)}`.execute(db);
    return rows[0]?.n ?? 0;
  }

  /** the planner's estimate of the matching features (numberMatched policy `estimate`) */
  estimate(db: Db, own: readonly RawBuilder<boolean>[], query: RowsQuery): Promise<number> {
    return estimateRows(db, sql`SELECT 1 FROM ${this.table.from} WHERE ${this.where(query, own)}`);
  }

  /** the feature the conditions select, as text */
  async item(db: Db, conditions: readonly RawBuilder<boolean>[], crs: CrsDefinition, properties?: readonly string[]): Promise<string | undefined> {
    const { rows } = await sql<{ f: string }>`SELECT ${this.feature(crs, properties)} AS f FROM ${this.table.from}
      WHERE ${allOf(conditions)} LIMIT 1`.execute(db);
    return rows[0]?.f;
  }

  /** the CRS84 extent (west, south, east, north) of the geometries the conditions select; null without any */
  async extent(db: Db, own: readonly RawBuilder<boolean>[]): Promise<[number, number, number, number] | null> {
    const { rows } = await sql<{ w: number | null; s: number | null; e: number | null; n: number | null }>`SELECT
        ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
      FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(${this.table.geometry})::geometry, ${sql.lit(this.table.storageSrid)}), 4326) AS b
        FROM ${this.table.from} WHERE ${allOf(own)}) x`.execute(db);
    const r = rows[0];
    return r && r.w !== null && r.s !== null && r.e !== null && r.n !== null ? [r.w, r.s, r.e, r.n] : null;
  }

  /** the features of a query as one relation (vector tiles, WFS, downloads) */
  relation(own: readonly RawBuilder<boolean>[], query: RowsQuery): FeatureRelation {
    return {
      from: this.table.from,
      where: this.where(query, own),
      id: this.table.id,
      geometry: this.table.geometry,
      storageSrid: this.table.storageSrid,
      properties: Object.fromEntries(this.properties.map((p) => [p, this.columns[p] as RawBuilder<unknown>])),
      order: this.order(query),
    };
  }
}
