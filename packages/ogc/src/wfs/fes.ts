// FILTER in the Filter Encoding (FES 2.0, and the FES 1.1 names 1.1 clients send): parsed into the CQL2 syntax tree
// the OGC API routes compile, so that a WFS filter reaches exactly the SQL an equal `filter` of items reaches. What is
// understood is what the capabilities declare: logical operators, the comparisons below, BBOX and the spatial
// operators over envelopes, points, lines and polygons, and ResourceId.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CrsDefinition } from '../crs.ts';
import { type ComparisonOp, Cql2Error, type Cql2Expression, type GeoJsonGeometry, type Operand, type SpatialOp } from '../cql2/ast.ts';
import { checkCql2, GEOMETRY_QUERYABLE } from '../cql2/check.ts';
import { MAX_FILTER_NESTING } from '../cql2/parse-filter.ts';
import type { Queryable } from '../provider.ts';
import { WfsException } from './exception.ts';
import { parseSrsName } from './srs.ts';

const comparisons: Record<string, ComparisonOp> = {
  PropertyIsEqualTo: '=',
  PropertyIsNotEqualTo: '<>',
  PropertyIsLessThan: '<',
  PropertyIsGreaterThan: '>',
  PropertyIsLessThanOrEqualTo: '<=',
  PropertyIsGreaterThanOrEqualTo: '>=',
};

const spatials: Record<string, SpatialOp> = {
  Intersects: 's_intersects',
  Disjoint: 's_disjoint',
  Within: 's_within',
  Contains: 's_contains',
  Equals: 's_equals',
  Touches: 's_touches',
  Overlaps: 's_overlaps',
  Crosses: 's_crosses',
};

/** what the capabilities declare (Scalar_Capabilities, Spatial_Capabilities) */
export const comparisonOperators = [...Object.keys(comparisons), 'PropertyIsLike', 'PropertyIsNull', 'PropertyIsNil', 'PropertyIsBetween'] as const;
export const spatialOperators = ['BBOX', ...Object.keys(spatials)] as const;

/** the largest FILTER accepted: far above what a client writes, bounded so that parsing stays cheap */
const MAX_FILTER_LENGTH = 256 * 1024;

type Node = Record<string, unknown>;

export interface ParsedWfsFilter {
  /** the filter as CQL2, undefined where it is ResourceIds only */
  expression?: Cql2Expression;
  /** the CRS of its geometries */
  crs: CrsDefinition;
  /** ResourceId (FeatureId, GmlObjectId): the resource ids named */
  resourceIds?: string[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

const fail = (message: string) => new WfsException('InvalidParameterValue', 'filter', `filter: ${message}`);

const tagOf = (node: Node): string => Object.keys(node).find((k) => k !== ':@') ?? '';
const childrenOf = (node: Node): Node[] => ((node[tagOf(node)] as Node[] | undefined) ?? []).filter((c) => tagOf(c) !== '#comment');
const elementsOf = (node: Node): Node[] => childrenOf(node).filter((c) => tagOf(c) !== '#text');
const attribute = (node: Node, name: string): string | undefined => {
  const attributes = node[':@'] as Record<string, string> | undefined;
  if (!attributes) return undefined;
  const key = Object.keys(attributes).find((k) => k === name || k.endsWith(`:${name}`));
  return key === undefined ? undefined : attributes[key];
};
const textOf = (node: Node): string =>
  childrenOf(node)
    .filter((c) => tagOf(c) === '#text')
    .map((c) => String(c['#text']))
    .join('');

/** tags nested deeper than the CQL2 parsers allow are refused before the recursive walk */
function checkDepth(xml: string): void {
  let depth = 0;
  for (const match of xml.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (match[1]) depth--;
    else if (!match[2] && ++depth > MAX_FILTER_NESTING + 8) throw fail(`nested deeper than ${MAX_FILTER_NESTING} levels.`);
  }
}

export interface FilterContext {
  queryables: readonly Queryable[];
  /** element name → property name, for ValueReferences that name the element */
  propertyOfElement: (element: string) => string;
  /** the CRS of geometries without srsName: the type's DefaultCRS */
  defaultCrs: CrsDefinition;
}

export function parseWfsFilter(xml: string, context: FilterContext): ParsedWfsFilter {
  if (xml.length > MAX_FILTER_LENGTH) throw fail(`longer than ${MAX_FILTER_LENGTH} characters.`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw fail('a document type declaration is not allowed.');
  checkDepth(xml);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw fail(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  const roots = (parser.parse(xml) as Node[]).filter((n) => !['?xml', '#comment', '#text'].includes(tagOf(n)));
  const root = roots[0];
  if (roots.length !== 1 || !root || tagOf(root) !== 'Filter') throw fail('the document must be one Filter element.');
  let crs: CrsDefinition | undefined;
  const state = {
    geometryCrs(node: Node): CrsDefinition {
      const named = parseSrsName(attribute(node, 'srsName'), context.defaultCrs, 'filter', 'query');
      if (crs && crs !== named) throw new WfsException('OptionNotSupported', 'filter', 'filter: geometries in more than one CRS are not supported.');
      crs = named;
      return named;
    },
  };
  const children = elementsOf(root);
  if (children.length === 0) throw fail('Filter is empty.');
  const ids = ['ResourceId', 'FeatureId', 'GmlObjectId'];
  if (children.some((c) => ids.includes(tagOf(c)))) {
    if (!children.every((c) => ids.includes(tagOf(c)))) throw fail('ResourceId cannot be combined with other operators.');
    const resourceIds = children.map((c) => attribute(c, 'rid') ?? attribute(c, 'fid') ?? attribute(c, 'id') ?? '');
    if (resourceIds.some((r) => r === '')) throw fail('a ResourceId without rid.');
    return { crs: context.defaultCrs, resourceIds };
  }
  if (children.length > 1) throw fail('Filter holds more than one operator; combine them with And or Or.');
  try {
    const expression = operator(children[0] as Node, context, state);
    checkCql2(expression, context.queryables);
    return { expression, crs: crs ?? context.defaultCrs };
  } catch (error) {
    if (error instanceof Cql2Error) throw fail(`${error.message}.`);
    throw error;
  }
}

interface State {
  geometryCrs(node: Node): CrsDefinition;
}

function operator(node: Node, context: FilterContext, state: State): Cql2Expression {
  const tag = tagOf(node);
  const args = elementsOf(node);
  if (tag === 'And' || tag === 'Or') {
    if (args.length < 2) throw fail(`${tag} needs at least two operands.`);
    return { kind: tag === 'And' ? 'and' : 'or', args: args.map((a) => operator(a, context, state)) };
  }
  if (tag === 'Not') {
    if (args.length !== 1) throw fail('Not takes one operand.');
    return { kind: 'not', arg: operator(args[0] as Node, context, state) };
  }
  const op = comparisons[tag];
  if (op) {
    if (attribute(node, 'matchCase') === 'false') throw new WfsException('OptionNotSupported', 'filter', 'filter: matchCase="false" is not supported.');
    const [left, right] = pair(args, tag, context);
    return { kind: 'compare', op, left, right };
  }
  if (tag === 'PropertyIsLike') return like(node, args, context);
  if (tag === 'PropertyIsNull') {
    if (args.length !== 1) throw fail('PropertyIsNull takes one ValueReference.');
    return { kind: 'isNull', value: property(args[0] as Node, context) };
  }
  if (tag === 'PropertyIsNil') {
    // a null value is left out of the feature, never written xsi:nil: no property is ever nil
    if (args.length !== 1) throw fail('PropertyIsNil takes one ValueReference.');
    property(args[0] as Node, context);
    return { kind: 'literal', value: false };
  }
  if (tag === 'PropertyIsBetween') {
    const value = args.find((a) => isReference(a));
    const low = args.find((a) => tagOf(a) === 'LowerBoundary');
    const high = args.find((a) => tagOf(a) === 'UpperBoundary');
    if (!value || !low || !high) throw fail('PropertyIsBetween needs a ValueReference, LowerBoundary and UpperBoundary.');
    const p = property(value, context);
    return { kind: 'between', value: p, low: boundary(low, p, context), high: boundary(high, p, context) };
  }
  if (tag === 'BBOX') {
    const reference = args.find((a) => isReference(a));
    const envelope = args.find((a) => !isReference(a));
    if (!envelope || args.length > 2) throw fail('BBOX takes an optional ValueReference and an Envelope.');
    return { kind: 'spatial', op: 's_intersects', left: reference ? geometryProperty(reference, context) : { kind: 'property', name: GEOMETRY_QUERYABLE }, right: geometryLiteral(envelope, state) };
  }
  const spatial = spatials[tag];
  if (spatial) {
    const reference = args.find((a) => isReference(a));
    const geometry = args.find((a) => !isReference(a));
    if (!reference || !geometry || args.length !== 2) throw fail(`${tag} takes a ValueReference and a geometry.`);
    return { kind: 'spatial', op: spatial, left: geometryProperty(reference, context), right: geometryLiteral(geometry, state) };
  }
  throw new WfsException('OptionNotSupported', 'filter', `filter: ${tag} is not supported; operators: And, Or, Not, ${comparisonOperators.join(', ')}, ${spatialOperators.join(', ')}, ResourceId.`);
}

const isReference = (node: Node) => tagOf(node) === 'ValueReference' || tagOf(node) === 'PropertyName';

/** a ValueReference: the last step of its path, without prefix, as a property name */
function referenceName(node: Node, context: FilterContext): string {
  const path = textOf(node).trim();
  const step = path.split('/').pop()?.replace(/^[^:]*:/, '') ?? '';
  if (step === '') throw fail('an empty ValueReference.');
  return step === GEOMETRY_QUERYABLE ? step : context.propertyOfElement(step);
}

function property(node: Node, context: FilterContext): Operand {
  if (!isReference(node)) throw fail(`${tagOf(node)} where a ValueReference is expected.`);
  return { kind: 'property', name: referenceName(node, context) };
}

function geometryProperty(node: Node, context: FilterContext): Operand {
  const name = referenceName(node, context);
  if (name !== GEOMETRY_QUERYABLE) throw fail(`${name} is not the geometry property (${GEOMETRY_QUERYABLE}).`);
  return { kind: 'property', name };
}

/** a Literal typed by the property it is compared with */
function literal(node: Node, against: Operand, context: FilterContext): Operand {
  if (tagOf(node) !== 'Literal') throw fail(`${tagOf(node)} where a Literal is expected.`);
  const text = textOf(node);
  const type = against.kind === 'property' ? context.queryables.find((q) => q.name === against.name)?.type : undefined;
  if (type === 'number' || type === 'integer') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw fail(`${text} is not a number (${(against as { name: string }).name}).`);
    return { kind: 'number', value: n };
  }
  if (type === 'boolean') {
    if (!/^(true|false|1|0)$/i.test(text.trim())) throw fail(`${text} is not a boolean.`);
    return { kind: 'boolean', value: /^(true|1)$/i.test(text.trim()) };
  }
  if (type === 'date') return { kind: 'date', value: text.trim().slice(0, 10) };
  return { kind: 'string', value: text };
}

function pair(args: Node[], tag: string, context: FilterContext): [Operand, Operand] {
  if (args.length !== 2) throw fail(`${tag} takes two operands.`);
  const [a, b] = args as [Node, Node];
  if (isReference(a)) {
    const left = property(a, context);
    return [left, isReference(b) ? property(b, context) : literal(b, left, context)];
  }
  if (isReference(b)) {
    const right = property(b, context);
    return [literal(a, right, context), right];
  }
  throw fail(`${tag} compares two literals.`);
}

function boundary(node: Node, against: Operand, context: FilterContext): Operand {
  const [inner] = elementsOf(node);
  if (!inner) throw fail(`${tagOf(node)} is empty.`);
  return literal(inner, against, context);
}

function like(node: Node, args: Node[], context: FilterContext): Cql2Expression {
  if (args.length !== 2) throw fail('PropertyIsLike takes a ValueReference and a Literal.');
  const value = property(args[0] as Node, context);
  const pattern = textOf(args[1] as Node);
  const wild = attribute(node, 'wildCard') ?? '*';
  const single = attribute(node, 'singleChar') ?? '?';
  const escapeChar = attribute(node, 'escapeChar') ?? attribute(node, 'escape') ?? '\\';
  if ([wild, single, escapeChar].some((c) => [...c].length !== 1)) throw fail('wildCard, singleChar and escapeChar must be one character each.');
  if (attribute(node, 'matchCase') === 'false') throw new WfsException('OptionNotSupported', 'filter', 'filter: matchCase="false" is not supported.');
  let sqlPattern = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === escapeChar && i + 1 < chars.length) {
      const next = chars[++i] as string;
      sqlPattern += /[%_\\]/.test(next) ? `\\${next}` : next;
    } else if (c === wild) sqlPattern += '%';
    else if (c === single) sqlPattern += '_';
    else sqlPattern += /[%_\\]/.test(c) ? `\\${c}` : c;
  }
  return { kind: 'like', value, pattern: { kind: 'string', value: sqlPattern } };
}

/** numbers of a pos or posList, in pairs, as written (the CRS's axis order) */
function positions(text: string, what: string): number[][] {
  const numbers = text.trim().split(/\s+/).map(Number);
  if (numbers.length < 2 || numbers.length % 2 !== 0 || numbers.some((n) => !Number.isFinite(n))) {
    throw fail(`${what} needs pairs of numbers (2D).`);
  }
  const pairs: number[][] = [];
  for (let i = 0; i < numbers.length; i += 2) pairs.push([numbers[i] as number, numbers[i + 1] as number]);
  return pairs;
}

function child(node: Node, ...tags: string[]): Node {
  let current = node;
  for (const tag of tags) {
    const next = elementsOf(current).find((c) => tagOf(c) === tag);
    if (!next) throw fail(`${tagOf(current)} has no ${tag}.`);
    current = next;
  }
  return current;
}

function ring(node: Node): number[][] {
  const linear = child(node, 'LinearRing');
  const list = elementsOf(linear).find((c) => tagOf(c) === 'posList');
  const coordinates = list ? positions(textOf(list), 'posList') : elementsOf(linear).flatMap((p) => positions(textOf(p), 'pos'));
  if (coordinates.length < 4) throw fail('a LinearRing needs at least four positions.');
  return coordinates;
}

/** a GML geometry (Envelope, Point, LineString, Polygon) as the GeoJSON literal the CQL2 compiler takes */
function geometryLiteral(node: Node, state: State): Operand {
  state.geometryCrs(node);
  const tag = tagOf(node);
  let geojson: GeoJsonGeometry;
  if (tag === 'Envelope') {
    const [low] = positions(textOf(child(node, 'lowerCorner')), 'lowerCorner') as [number[]];
    const [high] = positions(textOf(child(node, 'upperCorner')), 'upperCorner') as [number[]];
    const [x1, y1] = low as [number, number];
    const [x2, y2] = high as [number, number];
    if (x1 > x2 || y1 > y2) throw fail('the Envelope has its lower corner above or right of its upper corner.');
    geojson = { type: 'Polygon', coordinates: [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]] };
  } else if (tag === 'Point') {
    geojson = { type: 'Point', coordinates: positions(textOf(child(node, 'pos')), 'pos')[0] };
  } else if (tag === 'LineString') {
    const list = elementsOf(node).find((c) => tagOf(c) === 'posList');
    geojson = { type: 'LineString', coordinates: list ? positions(textOf(list), 'posList') : elementsOf(node).flatMap((p) => positions(textOf(p), 'pos')) };
  } else if (tag === 'Polygon') {
    const interiors = elementsOf(node).filter((c) => tagOf(c) === 'interior');
    geojson = { type: 'Polygon', coordinates: [ring(child(node, 'exterior')), ...interiors.map(ring)] };
  } else {
    throw new WfsException('OptionNotSupported', 'filter', `filter: the geometry ${tag} is not supported; geometries: Envelope, Point, LineString, Polygon.`);
  }
  return { kind: 'geometry', geojson };
}
