// cql2-json to AST: the same subset as cql2-text, from {"op": …, "args": […]} objects.
import { type ComparisonOp, Cql2Error, isCalendarDate, isTimestamp, type Cql2Expression, type GeoJsonGeometry, type Operand, type SpatialOp, spatialOps } from './ast.ts';
import { bboxGeometry } from './geometry.ts';

const comparisons: readonly string[] = ['=', '<>', '<', '>', '<=', '>='];
const geometryTypes = ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function operand(v: unknown, path: string): Operand {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'number') return { kind: 'number', value: v };
  if (typeof v === 'boolean') return { kind: 'boolean', value: v };
  if (isObject(v)) {
    if (v.op === 'casei') {
      if (!Array.isArray(v.args) || v.args.length !== 1) throw new Cql2Error(`${path}: casei takes one argument`);
      return { kind: 'casei', arg: operand(v.args[0], `${path}.args[0]`) };
    }
    if (typeof v.property === 'string') return { kind: 'property', name: v.property };
    if (typeof v.date === 'string' && isCalendarDate(v.date)) return { kind: 'date', value: v.date };
    if (typeof v.timestamp === 'string' && isTimestamp(v.timestamp)) {
      return { kind: 'timestamp', value: v.timestamp };
    }
    if (Array.isArray(v.bbox) && (v.bbox.length === 4 || v.bbox.length === 6) && v.bbox.every((n) => typeof n === 'number')) {
      const b = v.bbox as number[];
      const [x1, y1, x2, y2] = (b.length === 6 ? [b[0], b[1], b[3], b[4]] : b) as [number, number, number, number];
      return { kind: 'geometry', geojson: bboxGeometry(x1, y1, x2, y2) };
    }
    if (typeof v.type === 'string' && geometryTypes.includes(v.type)) return { kind: 'geometry', geojson: v as unknown as GeoJsonGeometry };
  }
  throw new Cql2Error(`${path}: not a property, literal or geometry: ${JSON.stringify(v)?.slice(0, 60)}`);
}

function args(node: Record<string, unknown>, count: number | undefined, path: string): unknown[] {
  const a = node.args;
  if (!Array.isArray(a) || (count !== undefined && a.length !== count)) {
    throw new Cql2Error(`${path}: ${String(node.op)} needs ${count ?? 'an array of'} arguments`);
  }
  return a;
}

function expression(node: unknown, path: string): Cql2Expression {
  if (typeof node === 'boolean') return { kind: 'literal', value: node };
  if (!isObject(node) || typeof node.op !== 'string') throw new Cql2Error(`${path}: expected an object with op and args`);
  const op = node.op.toLowerCase();
  if (op === 'and' || op === 'or') {
    const list = args(node, undefined, path);
    if (list.length < 2) throw new Cql2Error(`${path}: ${op} needs at least two arguments`);
    return { kind: op, args: list.map((a, i) => expression(a, `${path}/args/${i}`)) };
  }
  if (op === 'not') return { kind: 'not', arg: expression(args(node, 1, path)[0], `${path}/args/0`) };
  if (comparisons.includes(op)) {
    const [l, r] = args(node, 2, path);
    return { kind: 'compare', op: op as ComparisonOp, left: operand(l, `${path}/args/0`), right: operand(r, `${path}/args/1`) };
  }
  if (op === 'like') {
    const [l, r] = args(node, 2, path);
    return { kind: 'like', value: operand(l, `${path}/args/0`), pattern: operand(r, `${path}/args/1`) };
  }
  if (op === 'between') {
    const [v, lo, hi] = args(node, 3, path);
    return {
      kind: 'between',
      value: operand(v, `${path}/args/0`),
      low: operand(lo, `${path}/args/1`),
      high: operand(hi, `${path}/args/2`),
    };
  }
  if (op === 'in') {
    const [v, list] = args(node, 2, path);
    if (!Array.isArray(list) || list.length === 0) throw new Cql2Error(`${path}: in needs a non-empty list`);
    return { kind: 'in', value: operand(v, `${path}/args/0`), list: list.map((x, i) => operand(x, `${path}/args/1/${i}`)) };
  }
  if (op === 'isnull') return { kind: 'isNull', value: operand(args(node, 1, path)[0], `${path}/args/0`) };
  if (spatialOps.includes(op as SpatialOp)) {
    const [l, r] = args(node, 2, path);
    return { kind: 'spatial', op: op as SpatialOp, left: operand(l, `${path}/args/0`), right: operand(r, `${path}/args/1`) };
  }
  throw new Cql2Error(`${path}: unsupported operator ${node.op}`);
}

export function parseCql2Json(source: string): Cql2Expression {
  let node: unknown;
  try {
    node = JSON.parse(source);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new Cql2Error(`not valid JSON: ${(err as Error).message}`, position === undefined ? undefined : Number(position));
  }
  return expression(node, '');
}
