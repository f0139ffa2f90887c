// cql2-text to AST: a recursive-descent parser over the basic CQL2, advanced comparison and spatial subsets.
import { type ComparisonOp, Cql2Error, isCalendarDate, isTimestamp, type Cql2Expression, type GeoJsonGeometry, type Operand, type SpatialOp, spatialOps } from './ast.ts';
import { bboxGeometry } from './geometry.ts';
import { type Token, tokenize } from './lexer.ts';

const geometryTypes: Record<string, string> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
};

/** words that cannot name a property unless quoted ("and") */
const reserved = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL']);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }
  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.i++;
    return true;
  }
  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw new Cql2Error(`expected ${p} but found ${t.text || 'the end'}`, t.position);
  }
  private fail(expected: string): never {
    const t = this.peek();
    throw new Cql2Error(`expected ${expected} but found ${t.kind === 'end' ? 'the end of the filter' : t.text}`, t.position);
  }

  parse(): Cql2Expression {
    const expression = this.or();
    if (this.peek().kind !== 'end') this.fail('AND, OR or the end of the filter');
    return expression;
  }

  private or(): Cql2Expression {
    const args = [this.and()];
    while (this.acceptWord('OR')) args.push(this.and());
    return args.length === 1 ? (args[0] as Cql2Expression) : { kind: 'or', args };
  }

  private and(): Cql2Expression {
    const args = [this.factor()];
    while (this.acceptWord('AND')) args.push(this.factor());
    return args.length === 1 ? (args[0] as Cql2Expression) : { kind: 'and', args };
  }

  private factor(): Cql2Expression {
    if (this.acceptWord('NOT')) return { kind: 'not', arg: this.factor() };
    return this.primary();
  }

  private primary(): Cql2Expression {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const inner = this.or();
      this.expectPunct(')');
      return inner;
    }
    if (t.kind === 'word' && spatialOps.includes(t.text.toLowerCase() as SpatialOp)) {
      this.next();
      this.expectPunct('(');
      const left = this.operand();
      this.expectPunct(',');
      const right = this.operand();
      this.expectPunct(')');
      return { kind: 'spatial', op: t.text.toLowerCase() as SpatialOp, left, right };
    }
    if ((this.isWord('TRUE') || this.isWord('FALSE')) && this.endsPredicate(1)) {
      return { kind: 'literal', value: this.next().text.toUpperCase() === 'TRUE' };
    }
    return this.predicate();
  }

  /** true where the token at offset closes a predicate (so TRUE/FALSE stands alone) */
  private endsPredicate(offset: number): boolean {
    const t = this.peek(offset);
    return t.kind === 'end' || (t.kind === 'punct' && t.text === ')') || (t.kind === 'word' && ['AND', 'OR'].includes(t.text.toUpperCase()));
  }

  private predicate(): Cql2Expression {
    const value = this.operand();
    const t = this.peek();
    if (t.kind === 'op') {
      this.next();
      return { kind: 'compare', op: t.text as ComparisonOp, left: value, right: this.operand() };
    }
    if (this.acceptWord('IS')) {
      const negated = this.acceptWord('NOT');
      if (!this.acceptWord('NULL')) this.fail('NULL');
      const test: Cql2Expression = { kind: 'isNull', value };
      return negated ? { kind: 'not', arg: test } : test;
    }
    const negated = this.acceptWord('NOT');
    let test: Cql2Expression;
    if (this.acceptWord('LIKE')) {
      test = { kind: 'like', value, pattern: this.operand() };
    } else if (this.acceptWord('BETWEEN')) {
      const low = this.operand();
      if (!this.acceptWord('AND')) this.fail('AND');
      test = { kind: 'between', value, low, high: this.operand() };
    } else if (this.acceptWord('IN')) {
      this.expectPunct('(');
      const list = [this.operand()];
      while (this.peek().text === ',' && this.peek().kind === 'punct') {
        this.next();
        list.push(this.operand());
      }
      this.expectPunct(')');
      test = { kind: 'in', value, list };
    } else {
      this.fail('a comparison operator, LIKE, BETWEEN, IN or IS');
    }
    return negated ? { kind: 'not', arg: test } : test;
  }

  private operand(): Operand {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'string', value: t.text };
    if (t.kind === 'number') return { kind: 'number', value: Number(t.text) };
    if (t.kind === 'quoted') return { kind: 'property', name: t.text, position: t.position };
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE' };
      if (upper === 'DATE' || upper === 'TIMESTAMP') {
        this.expectPunct('(');
        const s = this.next();
        if (s.kind !== 'string') throw new Cql2Error(`${upper} needs a quoted value`, s.position);
        this.expectPunct(')');
        const valid = upper === 'DATE' ? isCalendarDate(s.text) : isTimestamp(s.text);
        if (!valid) throw new Cql2Error(`${s.text} is not a valid ${upper.toLowerCase()}`, s.position);
        return upper === 'DATE' ? { kind: 'date', value: s.text } : { kind: 'timestamp', value: s.text };
      }
      if (upper === 'BBOX' && this.peek().text === '(') return { kind: 'geometry', geojson: this.bbox() };
      if (upper === 'CASEI' && this.peek().text === '(') {
        this.expectPunct('(');
        const arg = this.operand();
        this.expectPunct(')');
        return { kind: 'casei', arg };
      }
      if (geometryTypes[upper] && (this.peek().text === '(' || this.peekIsZ())) return { kind: 'geometry', geojson: this.geometry(upper) };
      if (reserved.has(upper)) throw new Cql2Error(`expected a property or a literal but found ${t.text}`, t.position);
      return { kind: 'property', name: t.text, position: t.position };
    }
    throw new Cql2Error(`expected a property or a literal but found ${t.kind === 'end' ? 'the end of the filter' : t.text}`, t.position);
  }

  private num(): number {
    const t = this.next();
    if (t.kind !== 'number') throw new Cql2Error(`expected a number but found ${t.text || 'the end'}`, t.position);
    return Number(t.text);
  }

  private bbox(): GeoJsonGeometry {
    this.expectPunct('(');
    const n = [this.num()];
    while (this.peek().text === ',') {
      this.next();
      n.push(this.num());
    }
    this.expectPunct(')');
    if (n.length !== 4 && n.length !== 6) throw new Cql2Error('BBOX needs 4 or 6 numbers', this.peek().position);
    const [x1, y1, x2, y2] = (n.length === 6 ? [n[0], n[1], n[3], n[4]] : n) as [number, number, number, number];
    return bboxGeometry(x1, y1, x2, y2);
  }

  private position(): number[] {
    const p = [this.num(), this.num()];
    if (this.peek().kind === 'number') p.push(this.num());
    return p;
  }

  /** a comma-separated list in parentheses, each item read by `item` */
  private list<T>(item: () => T): T[] {
    this.expectPunct('(');
    const items = [item()];
    while (this.peek().kind === 'punct' && this.peek().text === ',') {
      this.next();
      items.push(item());
    }
    this.expectPunct(')');
    return items;
  }

  private peekIsZ(): boolean {
    return this.peek().kind === 'word' && this.peek().text.toUpperCase() === 'Z';
  }

  private geometry(upper: string): GeoJsonGeometry {
    const type = geometryTypes[upper] as string;
    // POLYGON Z ((x y z, …)): the positions carry the third number either way (the standard's example49)
    if (this.peekIsZ()) this.next();
    const line = () => this.list(() => this.position());
    const polygon = () => this.list(line);
    switch (upper) {
      case 'POINT': {
        this.expectPunct('(');
        const p = this.position();
        this.expectPunct(')');
        return { type, coordinates: p };
      }
      case 'LINESTRING':
        return { type, coordinates: line() };
      case 'POLYGON':
        return { type, coordinates: polygon() };
      case 'MULTIPOINT':
        return {
          type,
          coordinates: this.list(() => {
            if (this.peek().text !== '(') return this.position();
            this.expectPunct('(');
            const p = this.position();
            this.expectPunct(')');
            return p;
          }),
        };
      case 'MULTILINESTRING':
        return { type, coordinates: this.list(line) };
      case 'MULTIPOLYGON':
        return { type, coordinates: this.list(polygon) };
      default:
        return {
          type,
          geometries: this.list(() => {
            const t = this.next();
            const inner = t.text.toUpperCase();
            if (t.kind !== 'word' || !geometryTypes[inner]) throw new Cql2Error('expected a geometry', t.position);
            return this.geometry(inner);
          }),
        };
    }
  }
}

export function parseCql2Text(source: string): Cql2Expression {
  return new Parser(tokenize(source)).parse();
}
