// The CQL2 abstract syntax tree both encodings (cql2-text, cql2-json) parse into.

export type Operand =
  | { kind: 'property'; name: string; position?: number }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: string }
  | { kind: 'timestamp'; value: string }
  /** a geometry literal (WKT or BBOX in text, GeoJSON in JSON), held as a GeoJSON geometry */
  | { kind: 'geometry'; geojson: GeoJsonGeometry };

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
