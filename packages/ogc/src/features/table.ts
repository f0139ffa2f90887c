// The feature-table descriptor: everything the generic SQL (queries/feature-table.ts) and the generic source
// (table-source.ts) need to serve a table (or a join) as OGC features. A new collection type is one such descriptor.
import type { RawBuilder } from 'kysely';
import type { Queryable } from '../provider.ts';

/** a column the features expose: queryable (filter), sortable where it says so, and a feature property unless `property: false` */
export interface FeatureColumn extends Omit<Queryable, 'name'> {
  /** the SQL expression, over the aliases of `from`; the only way a queryable name reaches SQL */
  sql: RawBuilder<unknown>;
  /** false for a queryable that is no member of `properties` (the id, which is the Feature's `id`) */
  property?: false;
}

export interface FeatureTable {
  /** the FROM clause, aliases inside (`lor_unit u`, a join) */
  from: RawBuilder<unknown>;
  /** the Feature's `id` */
  id: RawBuilder<unknown>;
  /** the geometry, in the storage CRS */
  geometry: RawBuilder<unknown>;
  storageSrid: number;
  /** the GeoJSON geometry type of the features, for the schema (MultiPolygon, Point) */
  geometryType: string;
  /** queryable name → column, in the order the queryables and the properties list them */
  columns: Readonly<Record<string, FeatureColumn>>;
  /** after the sort keys: what makes the order (and so the paging) stable */
  tieBreakers: readonly RawBuilder<unknown>[];
  /** the geometry as CRS84 GeoJSON text at the default precision, kept in a column: read instead of written per request */
  storedCrs84GeoJson?: RawBuilder<unknown>;
}

/** the queryables of a table, in column order */
export function tableQueryables(table: FeatureTable): Queryable[] {
  return Object.entries(table.columns).map(([name, { sql: _sql, property: _property, ...queryable }]) => ({ name, ...queryable }));
}
