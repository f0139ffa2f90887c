// The SQL skeleton of an items request over one table: WHERE from the collection's own conditions, bbox and CQL2
// filter on the queryable columns; ORDER BY from the sort keys with tie-breakers; a Feature's text from its parts.
import { type RawBuilder, sql } from 'kysely';
import { compileCql2 } from './cql2/compile.ts';
import type { RowsQuery } from './provider.ts';
import { bboxToStorageSql } from './storage.ts';

export interface ItemsTable {
  /** queryable name → SQL expression; the only names filter and sortby reach */
  columns: Record<string, RawBuilder<unknown>>;
  /** the geometry column, in the storage CRS */
  geometry: RawBuilder<unknown>;
  storageSrid: number;
}

/** the collection's own conditions AND the bbox AND the CQL2 filter */
export function itemsWhereSql(table: ItemsTable, query: RowsQuery, own: RawBuilder<boolean>[]): RawBuilder<boolean> {
  const parts = [...own];
  if (query.bbox) parts.push(sql`ST_Intersects(${table.geometry}, ${bboxToStorageSql(query.bbox, table.storageSrid)})`);
  if (query.filter) {
    parts.push(compileCql2(query.filter.expression, { ...table, filterCrs: query.filter.crs }));
  }
  return (parts.length > 0 ? sql.join(parts, sql` AND `) : sql`true`) as RawBuilder<boolean>;
}

/** the sort keys on their columns, then the tie-breakers that make the order (and so the paging) stable */
export function itemsOrderSql(table: Pick<ItemsTable, 'columns'>, query: RowsQuery, tieBreakers: RawBuilder<unknown>[]): RawBuilder<unknown> {
  const keys = (query.sortby ?? []).map((k) => sql`${table.columns[k.name]} ${k.direction === 'desc' ? sql`DESC` : sql`ASC`}`);
  return sql.join([...keys, ...tieBreakers]);
}

/** one GeoJSON Feature as text: the id (any SQL value, written as JSON), the geometry's and the properties' JSON texts */
export function featureJsonSql(id: RawBuilder<unknown>, geometry: RawBuilder<string>, properties: RawBuilder<string>): RawBuilder<string> {
  return sql<string>`'{"type":"Feature","id":' || to_json(${id})::text || ',"geometry":' || ${geometry} || ',"properties":' || ${properties} || '}'`;
}
