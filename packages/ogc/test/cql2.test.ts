// The CQL2 parsers: text and JSON to the same AST, precedence, literals, and errors with positions.
import t from 'tap';
import { Cql2Error } from '../src/cql2/ast.ts';
import { parseCql2Json } from '../src/cql2/json-parser.ts';
import { parseCql2Text } from '../src/cql2/text-parser.ts';

t.test('AND binds tighter than OR, NOT tighter than AND', async (t) => {
  t.match(parseCql2Text('a = 1 OR NOT b = 2 AND c = 3'), {
    kind: 'or',
    args: [{ kind: 'compare' }, { kind: 'and', args: [{ kind: 'not', arg: { kind: 'compare' } }, { kind: 'compare' }] }],
  });
});

t.test('text and JSON encodings parse to the same tree', async (t) => {
  const pairs: Array<[string, unknown]> = [
    ["name LIKE 'S%'", { op: 'like', args: [{ property: 'name' }, 'S%'] }],
    ['x BETWEEN 1 AND 2', { op: 'between', args: [{ property: 'x' }, 1, 2] }],
    ["id IN ('a', 'b')", { op: 'in', args: [{ property: 'id' }, ['a', 'b']] }],
    ['p IS NULL', { op: 'isNull', args: [{ property: 'p' }] }],
    ["d >= DATE('2020-01-31')", { op: '>=', args: [{ property: 'd' }, { date: '2020-01-31' }] }],
    ['S_INTERSECTS(geometry, POINT(13.4 52.5))', { op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: [13.4, 52.5] }] }],
  ];
  // text carries source positions, JSON has none
  const withoutPositions = (tree: unknown) => JSON.parse(JSON.stringify(tree, (k, v) => (k === 'position' ? undefined : v)));
  for (const [text, json] of pairs) t.same(withoutPositions(parseCql2Text(text)), parseCql2Json(JSON.stringify(json)), text);
});

t.test('WKT literals become GeoJSON geometries, BBOX a polygon', async (t) => {
  const geometry = (wkt: string) => {
    const e = parseCql2Text(`S_INTERSECTS(geometry, ${wkt})`);
    return e.kind === 'spatial' && e.right.kind === 'geometry' ? e.right.geojson : undefined;
  };
  t.same(geometry('POLYGON((0 0, 1 0, 1 1, 0 0))'), { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] });
  t.same(geometry('MULTIPOINT((1 2), 3 4)'), { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
  t.same(geometry('BBOX(0, 1, 2, 3)'), { type: 'Polygon', coordinates: [[[0, 1], [2, 1], [2, 3], [0, 3], [0, 1]]] });
  t.equal(geometry('GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))')?.geometries?.length, 2);
});

t.test("strings keep doubled quotes; quoted identifiers may be keywords; negative numbers", async (t) => {
  t.match(parseCql2Text("name = 'O''Brien'"), { right: { kind: 'string', value: "O'Brien" } });
  t.match(parseCql2Text('"and" = -1.5e2'), { left: { kind: 'property', name: 'and' }, right: { kind: 'number', value: -150 } });
});

t.test('syntax errors carry the position of the offending token', async (t) => {
  const positionOf = (text: string) => {
    try {
      parseCql2Text(text);
    } catch (err) {
      if (err instanceof Cql2Error) return err.position;
    }
    return undefined;
  };
  t.equal(positionOf("name = 'x"), 7, 'unterminated string');
  t.equal(positionOf('a = 1 AND OR'), 10, 'a keyword where an operand belongs');
  t.equal(positionOf('a = 1)'), 5, 'unbalanced parenthesis');
  t.equal(positionOf('a ! 1'), 2, 'unknown character');
  t.equal(positionOf("d = DATE('2021-02-29')"), 9, 'not a calendar date');
});
