// Compiles a checked CQL2 AST to a parameterised SQL condition; names reach SQL only via the column map.
import { type RawBuilder, sql } from 'kysely';
import type { CrsDefinition } from '../crs.ts';
import { toStorageSql } from '../storage.ts';
import type { Cql2Expression, Operand } from './ast.ts';
import { GEOMETRY_QUERYABLE } from './check.ts';

export interface Cql2Target {
  /** queryable name → SQL expression of its column (from the provider's whitelist, never user text) */
  columns: Record<string, RawBuilder<unknown>>;
  /** the geometry column, in the storage CRS */
  geometry: RawBuilder<unknown>;
  storageSrid: number;
  /** the CRS of geometry literals in the filter (filter-crs, CRS84 by default) */
  filterCrs: CrsDefinition;
}

const spatialFunctions = {
  s_intersects: sql`ST_Intersects`,
  s_disjoint: sql`ST_Disjoint`,
  s_within: sql`ST_Within`,
  s_contains: sql`ST_Contains`,
  s_equals: sql`ST_Equals`,
  s_touches: sql`ST_Touches`,
  s_overlaps: sql`ST_Overlaps`,
  s_crosses: sql`ST_Crosses`,
} as const;

const comparison = { '=': sql`=`, '<>': sql`<>`, '<': sql`<`, '>': sql`>`, '<=': sql`<=`, '>=': sql`>=` } as const;

function operand(o: Operand, target: Cql2Target): RawBuilder<unknown> {
  switch (o.kind) {
    case 'property': {
      if (o.name === GEOMETRY_QUERYABLE) return target.geometry;
      const column = target.columns[o.name];
      // checkCql2 has rejected unknown names already; this guards providers that skip it
      if (!column) throw new Error(`queryable ${o.name} has no column`);
      return column;
    }
    case 'string':
      return sql`${o.value}::text`;
    case 'number':
      return sql`${o.value}::float8`;
    case 'boolean':
      return sql`${o.value}::boolean`;
    case 'date':
      return sql`${o.value}::date`;
    case 'timestamp':
      return sql`${o.value}::timestamptz`;
    case 'casei':
      // lower() of the database's ctype: full Unicode case mapping under a UTF-8 locale (C.UTF-8, de_DE.UTF-8)
      return sql`lower(${operand(o.arg, target)})`;
    case 'geometry': {
      const { filterCrs, storageSrid } = target;
      const parsed = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(o.geojson)}::text), ${filterCrs.srid}::int)`;
      const xy = filterCrs.latitudeFirst ? sql`ST_FlipCoordinates(${parsed})` : parsed;
      return toStorageSql(xy, filterCrs, storageSrid);
    }
  }
}

export function compileCql2(expression: Cql2Expression, target: Cql2Target): RawBuilder<boolean> {
  const visit = (e: Cql2Expression): RawBuilder<boolean> => {
    const op = (o: Operand) => operand(o, target);
    switch (e.kind) {
      case 'and':
        return sql<boolean>`(${sql.join(e.args.map(visit), sql` AND `)})`;
      case 'or':
        return sql<boolean>`(${sql.join(e.args.map(visit), sql` OR `)})`;
      case 'not':
        return sql<boolean>`(NOT ${visit(e.arg)})`;
      case 'literal':
        return e.value ? sql<boolean>`true` : sql<boolean>`false`;
      case 'compare':
        return sql<boolean>`(${op(e.left)} ${comparison[e.op]} ${op(e.right)})`;
      case 'like':
        return sql<boolean>`(${op(e.value)} LIKE ${op(e.pattern)})`;
      case 'between':
        return sql<boolean>`(${op(e.value)} BETWEEN ${op(e.low)} AND ${op(e.high)})`;
      case 'in':
        return sql<boolean>`(${op(e.value)} IN (${sql.join(e.list.map(op))}))`;
      case 'isNull':
        return sql<boolean>`(${op(e.value)} IS NULL)`;
      case 'spatial':
        return sql<boolean>`coalesce(${spatialFunctions[e.op]}(${op(e.left)}, ${op(e.right)}), false)`;
    }
  };
  return visit(expression);
}
