// Checks a CQL2 AST against a collection's queryables: known names, compatible types.
import type { Queryable } from '../provider.ts';
import { Cql2Error, type Cql2Expression, type Operand } from './ast.ts';
import { checkGeometry } from './geometry.ts';

/** the name under which every collection's geometry is queryable */
export const GEOMETRY_QUERYABLE = 'geometry';

type Kind = 'string' | 'number' | 'boolean' | 'date' | 'geometry';

function kindOf(operand: Operand, queryables: readonly Queryable[]): Kind {
  switch (operand.kind) {
    case 'property': {
      if (operand.name === GEOMETRY_QUERYABLE) return 'geometry';
      const q = queryables.find((x) => x.name === operand.name);
      if (!q) {
        throw new Cql2Error(
          `unknown property ${operand.name}; queryables: ${[...queryables.map((x) => x.name), GEOMETRY_QUERYABLE].join(', ')}`,
          operand.position,
        );
      }
      return q.type === 'integer' ? 'number' : q.type;
    }
    case 'timestamp':
      return 'date';
    case 'geometry':
      checkGeometry(operand.geojson);
      return 'geometry';
    case 'casei':
      if (kindOf(operand.arg, queryables) !== 'string') throw new Cql2Error('CASEI applies to strings');
      return 'string';
    default:
      return operand.kind;
  }
}

function same(a: Operand, b: Operand, queryables: readonly Queryable[], what: string): Kind {
  const ka = kindOf(a, queryables);
  const kb = kindOf(b, queryables);
  if (ka !== kb) throw new Cql2Error(`${what} compares a ${ka} with a ${kb}`, a.kind === 'property' ? a.position : undefined);
  return ka;
}

export function checkCql2(expression: Cql2Expression, queryables: readonly Queryable[]): void {
  const visit = (e: Cql2Expression): void => {
    switch (e.kind) {
      case 'and':
      case 'or':
        e.args.forEach(visit);
        return;
      case 'not':
        visit(e.arg);
        return;
      case 'literal':
        return;
      case 'compare': {
        const kind = same(e.left, e.right, queryables, e.op);
        if (kind === 'geometry') throw new Cql2Error(`${e.op} does not apply to geometries; use S_EQUALS`);
        return;
      }
      case 'like': {
        if (same(e.value, e.pattern, queryables, 'LIKE') !== 'string') throw new Cql2Error('LIKE applies to strings');
        const pattern = e.pattern.kind === 'casei' ? e.pattern.arg : e.pattern;
        if (pattern.kind !== 'string') throw new Cql2Error('the LIKE pattern must be a string literal (or CASEI of one)');
        // \ escapes the next character (% _ \); one at the end escapes nothing, which the database refuses as an error
        if (/(?:^|[^\\])(?:\\\\)*\\$/.test(pattern.value)) throw new Cql2Error('the LIKE pattern ends in an escape character (\\); write \\\\ for a backslash');
        return;
      }
      case 'between': {
        const kind = same(e.value, e.low, queryables, 'BETWEEN');
        same(e.value, e.high, queryables, 'BETWEEN');
        if (kind !== 'number' && kind !== 'date') throw new Cql2Error('BETWEEN applies to numbers and dates');
        return;
      }
      case 'in':
        for (const item of e.list) {
          const inner = item.kind === 'casei' ? item.arg : item;
          if (inner.kind === 'property' || inner.kind === 'geometry') throw new Cql2Error('IN lists literals');
          same(e.value, item, queryables, 'IN');
        }
        return;
      case 'isNull':
        kindOf(e.value, queryables);
        return;
      case 'spatial':
        for (const side of [e.left, e.right]) {
          if (kindOf(side, queryables) !== 'geometry') {
            throw new Cql2Error(`${e.op.toUpperCase()} needs geometries on both sides`, side.kind === 'property' ? side.position : undefined);
          }
        }
        return;
    }
  };
  visit(expression);
}
