// The CQL2 abstract syntax tree both encodings (cql2-text, cql2-json) parse into.

export type Operand =
  | { kind: 'property'; name: string; position?: number }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: string }
  | { kind: 'timestamp'; value: string }
  /** a geometry literal (WKT or BBOX in text, GeoJSON in JSON), held as a GeoJSON geometry */
  | { kind: 'geometry'; geojson: GeoJsonGeometry }
  /** CASEI(x): a string compared case-insensitively (CQL2 case-insensitive-comparison) */
  | { kind: 'casei'; arg: Operand };

export interface GeoJsonGeometry {
  type: string;
  coordinates?: unknown;
  geometries?: GeoJsonGeometry[];
}

export type ComparisonOp = '=' | '<>' | '<' | '>' | '<=' | '>=';
export type SpatialOp = 's_intersects' | 's_disjoint' | 's_within' | 's_contains' | 's_equals' | 's_touches' | 's_overlaps' | 's_crosses';
export const spatialOps: readonly SpatialOp[] = [
  's_intersects',
  's_disjoint',
  's_within',
  's_contains',
  's_equals',
  's_touches',
  's_overlaps',
  's_crosses',
];

export type Cql2Expression =
  | { kind: 'and' | 'or'; args: Cql2Expression[] }
  | { kind: 'not'; arg: Cql2Expression }
  | { kind: 'compare'; op: ComparisonOp; left: Operand; right: Operand }
  | { kind: 'like'; value: Operand; pattern: Operand }
  | { kind: 'between'; value: Operand; low: Operand; high: Operand }
  | { kind: 'in'; value: Operand; list: Operand[] }
  | { kind: 'isNull'; value: Operand }
  | { kind: 'spatial'; op: SpatialOp; left: Operand; right: Operand }
  | { kind: 'literal'; value: boolean };

/** a syntax or semantic error of a filter, with the character position where one applies */
export class Cql2Error extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'Cql2Error';
  }
}

/** a real calendar date (YYYY-MM-DD), so that the database never sees 2020-13-45 */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** an RFC 3339 date-time with a real date and a time zone */
export function isTimestamp(value: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i.exec(value);
  return match !== null && isCalendarDate(match[1] as string) && !Number.isNaN(Date.parse(value));
}
