// A CQL2 AST back to cql2-text and cql2-json: what the parsers read gives the same AST again (the round-trip property).
import type { Cql2Expression, GeoJsonGeometry, Operand } from './ast.ts';

const number = (n: number): string => {
  if (!Number.isFinite(n)) throw new RangeError(`${n} has no CQL2 literal`);
  return String(n);
};

const wktTypes: Record<string, string> = {
  Point: 'POINT',
  LineString: 'LINESTRING',
  Polygon: 'POLYGON',
  MultiPoint: 'MULTIPOINT',
  MultiLineString: 'MULTILINESTRING',
  MultiPolygon: 'MULTIPOLYGON',
  GeometryCollection: 'GEOMETRYCOLLECTION',
};

/** a GeoJSON geometry as WKT (the text parser reads WKT into the same GeoJSON) */
export function geometryToWkt(g: GeoJsonGeometry): string {
  const position = (p: unknown) => (p as number[]).map(number).join(' ');
  const line = (l: unknown) => `(${(l as unknown[]).map(position).join(', ')})`;
  const polygon = (r: unknown) => `(${(r as unknown[]).map(line).join(', ')})`;
  const type = wktTypes[g.type];
  if (!type) throw new RangeError(`${g.type} is no geometry type of WKT`);
  const c = g.coordinates;
  switch (g.type) {
    case 'Point':
      return `${type}(${position(c)})`;
    case 'LineString':
      return `${type}${line(c)}`;
    case 'Polygon':
      return `${type}${polygon(c)}`;
    case 'MultiPoint':
      return `${type}(${(c as unknown[]).map((p) => `(${position(p)})`).join(', ')})`;
    case 'MultiLineString':
      return `${type}(${(c as unknown[]).map(line).join(', ')})`;
    case 'MultiPolygon':
      return `${type}(${(c as unknown[]).map(polygon).join(', ')})`;
    default:
      return `${type}(${(g.geometries ?? []).map(geometryToWkt).join(', ')})`;
  }
}

function operandText(o: Operand): string {
  switch (o.kind) {
    case 'property':
      // always quoted: a name that is also a keyword (and, date) stays a name
      if (o.name.includes('"')) throw new RangeError(`the property name ${o.name} cannot be quoted in cql2-text`);
      return `"${o.name}"`;
    case 'string':
      return `'${o.value.replace(/'/g, "''")}'`;
    case 'number':
      return number(o.value);
    case 'boolean':
      return o.value ? 'TRUE' : 'FALSE';
    case 'date':
      return `DATE('${o.value}')`;
    case 'timestamp':
      return `TIMESTAMP('${o.value}')`;
    case 'geometry':
      return geometryToWkt(o.geojson);
    case 'casei':
      return `CASEI(${operandText(o.arg)})`;
  }
}

/** cql2-text, each predicate in parentheses, so precedence never depends on the reader */
export function printCql2Text(e: Cql2Expression): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.args.map(printCql2Text).join(` ${e.kind.toUpperCase()} `)})`;
    case 'not':
      return `NOT ${printCql2Text(e.arg)}`;
    case 'literal':
      return e.value ? 'TRUE' : 'FALSE';
    case 'compare':
      return `(${operandText(e.left)} ${e.op} ${operandText(e.right)})`;
    case 'like':
      return `(${operandText(e.value)} LIKE ${operandText(e.pattern)})`;
    case 'between':
      return `(${operandText(e.value)} BETWEEN ${operandText(e.low)} AND ${operandText(e.high)})`;
    case 'in':
      return `(${operandText(e.value)} IN (${e.list.map(operandText).join(', ')}))`;
    case 'isNull':
      return `(${operandText(e.value)} IS NULL)`;
    case 'spatial':
      return `${e.op.toUpperCase()}(${operandText(e.left)}, ${operandText(e.right)})`;
  }
}

function operandJson(o: Operand): unknown {
  switch (o.kind) {
    case 'property':
      return { property: o.name };
    case 'string':
    case 'number':
    case 'boolean':
      return o.value;
    case 'date':
      return { date: o.value };
    case 'timestamp':
      return { timestamp: o.value };
    case 'geometry':
      return o.geojson;
    case 'casei':
      return { op: 'casei', args: [operandJson(o.arg)] };
  }
}

/** the cql2-json object of an expression */
export function toCql2Json(e: Cql2Expression): unknown {
  switch (e.kind) {
    case 'and':
    case 'or':
      return { op: e.kind, args: e.args.map(toCql2Json) };
    case 'not':
      return { op: 'not', args: [toCql2Json(e.arg)] };
    case 'literal':
      return e.value;
    case 'compare':
      return { op: e.op, args: [operandJson(e.left), operandJson(e.right)] };
    case 'like':
      return { op: 'like', args: [operandJson(e.value), operandJson(e.pattern)] };
    case 'between':
      return { op: 'between', args: [operandJson(e.value), operandJson(e.low), operandJson(e.high)] };
    case 'in':
      return { op: 'in', args: [operandJson(e.value), e.list.map(operandJson)] };
    case 'isNull':
      return { op: 'isNull', args: [operandJson(e.value)] };
    case 'spatial':
      return { op: e.op, args: [operandJson(e.left), operandJson(e.right)] };
  }
}
