// Property-based tests of the CQL2 parsers and SQL compiler (issue 15) over the queryables of a real collection (the
// indicator layers): random well-typed expression trees round-trip text → AST → text and agree with cql2-json; the SQL
// carries no input text outside its parameters; every mutated, truncated or random input is a 400 naming `filter`.
import { type Cql2Expression, checkCql2, compileCql2, defaultCrs, type Operand, parseCql2Json, parseCql2Text, parseFilter, printCql2Text, toCql2Json } from '@datenpool/ogc';
import { HttpProblem } from '@datenpool/service-kit';
import { deepStrictEqual } from 'node:assert/strict';
import fc from 'fast-check';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import t from 'tap';
import { layerQueryables } from '../services/indicators/src/layers.ts';
import { layerColumns } from '../services/indicators/src/queries/layers.ts';
import { testGateway } from './support/app.ts';
import { reportSummary } from './support/report.ts';

t.setTimeout(300_000);
/**
 * runs per property. The seed is fixed, so that CI is reproducible: `FUZZ_SEED=random` explores new cases (fast-check
 * reports the seed of a failure), `FUZZ_SEED=<n>` replays one
 */
const RUNS = Number(process.env.CQL2_RUNS ?? 1500);
const seed = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261201);
const params = (numRuns: number) => ({ numRuns, ...(seed === undefined ? {} : { seed }) });
let casesTried = 0;
const counted = <A extends unknown[]>(check: (...a: A) => void) => (...a: A) => {
  casesTried++;
  check(...a);
};

const queryables = layerQueryables;
const kinds = { string: [] as string[], number: [] as string[], date: [] as string[] };
for (const q of queryables) (q.type === 'integer' ? kinds.number : (kinds[q.type as keyof typeof kinds] ?? [])).push(q.name);
type Kind = keyof typeof kinds | 'geometry';

// --- generators: literals and properties of one kind, then predicates that type-check, then trees of them ----------

/** strings that look like SQL, identifiers and columns, besides arbitrary text: none may reach the SQL text */
const sneaky = fc.constantFrom("u.name", 'v.value', "x'; DROP TABLE observation;--", '"geometry"', '$1', '1) OR (1=1', '\\', "''", '%_', 'ST_Intersects(u.geom, u.geom)', 'true', 'NULL');
const stringLiteral = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), sneaky, fc.string({ unit: 'binary', maxLength: 6 }));
const numberLiteral = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);
const day = fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true });
const literal = (kind: Kind): fc.Arbitrary<Operand> => {
  switch (kind) {
    case 'string':
      return stringLiteral.map((value) => ({ kind: 'string', value }));
    case 'number':
      return numberLiteral.map((value) => ({ kind: 'number', value }));
    case 'date':
      return fc.oneof(
        day.map((d): Operand => ({ kind: 'date', value: d.toISOString().slice(0, 10) })),
        day.map((d): Operand => ({ kind: 'timestamp', value: d.toISOString() })),
      );
    case 'geometry':
      return geometry.map((geojson) => ({ kind: 'geometry', geojson }));
  }
};
// Berlin and around, in CRS84: literals PostGIS transforms into the storage CRS
const lon = fc.double({ min: 13, max: 14, noNaN: true }).filter((n) => !Object.is(n, -0));
const lat = fc.double({ min: 52, max: 53, noNaN: true });
const position = fc.tuple(lon, lat);
const geometry = fc.oneof(
  position.map((p) => ({ type: 'Point', coordinates: p })),
  fc.array(position, { minLength: 2, maxLength: 4 }).map((c) => ({ type: 'LineString', coordinates: c })),
  fc.array(position, { minLength: 1, maxLength: 3 }).map((c) => ({ type: 'MultiPoint', coordinates: c })),
  fc.tuple(lon, lat, lon, lat).map(([x1, y1, x2, y2]) => ({ type: 'Polygon', coordinates: [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]] })),
);
const property = (kind: Kind): fc.Arbitrary<Operand> =>
  kind === 'geometry' ? fc.constant({ kind: 'property', name: 'geometry' }) : fc.constantFrom(...kinds[kind]).map((name) => ({ kind: 'property', name }));
const sideOf = (kind: Kind) => fc.oneof({ weight: 3, arbitrary: property(kind) }, { weight: 2, arbitrary: literal(kind) });
const scalarKind = fc.constantFrom<Kind>('string', 'number', 'date');

const predicate: fc.Arbitrary<Cql2Expression> = fc.oneof(
  fc.tuple(scalarKind, fc.constantFrom('=', '<>', '<', '>', '<=', '>=' as const)).chain(([kind, op]) =>
    fc.tuple(property(kind), literal(kind), fc.boolean()).map(([p, l, flip]): Cql2Expression => ({ kind: 'compare', op, left: flip ? l : p, right: flip ? p : l })),
  ),
  fc.tuple(scalarKind, fc.constantFrom('=', '<' as const)).chain(([kind, op]) =>
    fc.tuple(sideOf(kind), sideOf(kind)).map(([left, right]): Cql2Expression => ({ kind: 'compare', op, left, right })),
  ),
  // a pattern ending in a lone escape character (\) is refused by checkCql2 (the database would fail on it)
  fc
    .tuple(property('string'), literal('string'))
    .filter(([, p]) => !/(?:^|[^\\])(?:\\\\)*\\$/.test((p as { value: string }).value))
    .map(([value, pattern]): Cql2Expression => ({ kind: 'like', value, pattern })),
  fc.constantFrom<Kind>('number', 'date').chain((kind) =>
    fc.tuple(property(kind), sideOf(kind), sideOf(kind)).map(([value, low, high]): Cql2Expression => ({ kind: 'between', value, low, high })),
  ),
  scalarKind.chain((kind) =>
    fc.tuple(sideOf(kind), fc.array(literal(kind), { minLength: 1, maxLength: 4 })).map(([value, list]): Cql2Expression => ({ kind: 'in', value, list })),
  ),
  fc.constantFrom<Kind>('string', 'number', 'date', 'geometry').chain((kind) => property(kind)).map((value): Cql2Expression => ({ kind: 'isNull', value })),
  fc.tuple(fc.constantFrom('s_intersects', 's_disjoint', 's_within', 's_contains', 's_equals', 's_touches', 's_overlaps', 's_crosses' as const), literal('geometry'), fc.boolean()).map(
    ([op, g, flip]): Cql2Expression => ({ kind: 'spatial', op, left: flip ? g : { kind: 'property', name: 'geometry' }, right: flip ? { kind: 'property', name: 'geometry' } : g }),
  ),
  fc.boolean().map((value): Cql2Expression => ({ kind: 'literal', value })),
  fc.boolean().map((value): Cql2Expression => ({ kind: 'compare', op: '=', left: { kind: 'boolean', value }, right: { kind: 'boolean', value: !value } })),
);

const { expression } = fc.letrec<{ expression: Cql2Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    predicate,
    fc.tuple(fc.constantFrom('and', 'or' as const), fc.array(tie('expression'), { minLength: 2, maxLength: 3 })).map(([kind, args]): Cql2Expression => ({ kind, args })),
    tie('expression').map((arg): Cql2Expression => ({ kind: 'not', arg })),
  ),
}));

/** the AST without the character positions the text parser records */
const withoutPositions = (e: Cql2Expression): unknown => JSON.parse(JSON.stringify(e, (k, v) => (k === 'position' ? undefined : v)));

// --- compiling to SQL text without a database ---------------------------------------------------------------------

const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
const target = { columns: layerColumns, geometry: sql`u.geom`, storageSrid: 25833, filterCrs: defaultCrs };
const compile = (e: Cql2Expression) => compileCql2(e, target).compile(compiler);
/** the columns' own SQL (whitelisted by the provider): removed before the text is checked for input */
const columnSql = Object.values(layerColumns)
  .map((c) => c.compile(compiler).sql)
  .sort((a, b) => b.length - a.length);
/** every word the compiler itself writes: keywords, casts, PostGIS functions, the geometry column */
const sqlWords = new Set(
  ['AND', 'OR', 'NOT', 'true', 'false', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'text', 'float8', 'boolean', 'date', 'timestamptz', 'int', 'box2d', 'coalesce', 'u', 'geom'].concat(
    ['ST_Intersects', 'ST_Disjoint', 'ST_Within', 'ST_Contains', 'ST_Equals', 'ST_Touches', 'ST_Overlaps', 'ST_Crosses', 'ST_SetSRID', 'ST_GeomFromGeoJSON', 'ST_Transform'],
    ['ST_MakeEnvelope', 'ST_ClipByBox2D', 'ST_FlipCoordinates'],
  ),
);
/** the numbers the compiler writes itself (SRIDs and the storage CRS's usable area), never one of the filter's */
const sqlNumbers = new Set(['-5', '0', '35', '84', '4326', '25833']);

function literalsOf(e: Cql2Expression): unknown[] {
  const out: unknown[] = [];
  const operand = (o: Operand) => {
    if (o.kind === 'string' || o.kind === 'number' || o.kind === 'boolean' || o.kind === 'date' || o.kind === 'timestamp') out.push(o.value);
    if (o.kind === 'geometry') out.push(JSON.stringify(o.geojson));
  };
  const visit = (x: Cql2Expression): void => {
    if (x.kind === 'and' || x.kind === 'or') x.args.forEach(visit);
    else if (x.kind === 'not') visit(x.arg);
    else if (x.kind === 'compare' || x.kind === 'spatial') [x.left, x.right].forEach(operand);
    else if (x.kind === 'like') [x.value, x.pattern].forEach(operand);
    else if (x.kind === 'between') [x.value, x.low, x.high].forEach(operand);
    else if (x.kind === 'in') [x.value, ...x.list].forEach(operand);
    else if (x.kind === 'isNull') operand(x.value);
  };
  visit(e);
  return out;
}

t.test('generated expressions type-check against the queryables of the indicator layers', async (t) => {
  fc.assert(fc.property(expression, counted((e) => checkCql2(e, queryables))), params(RUNS));
  t.pass(`${RUNS} expressions`);
});

t.test('cql2-text round-trips: the printed text of an AST parses to the same AST, and prints the same again', async (t) => {
  fc.assert(
    fc.property(
      expression,
      counted((e) => {
        const text = printCql2Text(e);
        const parsed = parseCql2Text(text);
        deepStrictEqual(withoutPositions(parsed), e);
        if (printCql2Text(parsed) !== text) throw new Error(`printing the parsed AST differs: ${text}`);
      }),
    ),
    params(RUNS),
  );
  t.pass(`${RUNS} round trips`);
});

t.test('cql2-json and cql2-text agree: the same AST and the same SQL with the same parameters', async (t) => {
  fc.assert(
    fc.property(
      expression,
      counted((e) => {
        const fromJson = parseCql2Json(JSON.stringify(toCql2Json(e)));
        const fromText = parseCql2Text(printCql2Text(e));
        deepStrictEqual(withoutPositions(fromJson), withoutPositions(fromText));
        const a = compile(fromJson);
        const b = compile(fromText);
        if (a.sql !== b.sql) throw new Error(`the SQL differs:\n${a.sql}\n${b.sql}`);
        deepStrictEqual(a.parameters, b.parameters);
      }),
    ),
    params(RUNS),
  );
  t.pass(`${RUNS} expressions in both encodings`);
});

t.test('the compiled SQL holds no input: literals travel as parameters, only compiler words and whitelisted columns are text', async (t) => {
  fc.assert(
    fc.property(
      expression,
      counted((e) => {
        const { sql: text, parameters } = compile(e);
        let rest = text;
        for (const column of columnSql) rest = rest.split(column).join(' ');
        if (/['";]|--|\/\*/.test(rest)) throw new Error(`quote, semicolon or comment in the SQL: ${rest}`);
        for (const word of rest.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
          if (!sqlWords.has(word)) throw new Error(`${word} in the SQL is no word of the compiler: ${rest}`);
        }
        for (const n of rest.replace(/\$\d+|[A-Za-z_][A-Za-z0-9_]*/g, ' ').match(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi) ?? []) {
          if (!sqlNumbers.has(n)) throw new Error(`the number ${n} in the SQL is no constant of the compiler: ${rest}`);
        }
        const placeholders = new Set(text.match(/\$\d+/g) ?? []);
        if (placeholders.size !== parameters.length) throw new Error(`${placeholders.size} placeholders for ${parameters.length} parameters`);
        for (const value of literalsOf(e)) {
          if (!parameters.some((p: unknown) => Object.is(p, value))) throw new Error(`the literal ${JSON.stringify(value)} is not a parameter`);
        }
      }),
    ),
    params(RUNS),
  );
  t.pass('every literal is a parameter');
});

// --- invalid input ------------------------------------------------------------------------------------------------

/** a 400 naming filter, or a parsed filter: nothing else may leave parseFilter */
function refusedOrParsed(filter: string, lang: 'cql2-text' | 'cql2-json'): 'parsed' | 'refused' {
  try {
    parseFilter(filter, lang, undefined, queryables);
    return 'parsed';
  } catch (err) {
    if (!(err instanceof HttpProblem) || err.status !== 400) throw new Error(`${JSON.stringify(filter).slice(0, 200)}: ${String(err)}`);
    const named = (err.extensions.invalidParams as Array<{ name?: string }> | undefined)?.map((p) => p.name);
    if (named?.[0] !== 'filter') throw new Error(`${JSON.stringify(filter).slice(0, 200)}: the 400 names ${named}`);
    return 'refused';
  }
}

/** text of a valid filter with one edit: a cut, a deletion, a character or token inserted, a duplicated span */
const mutated = (printed: fc.Arbitrary<string>) =>
  printed.chain((text) =>
    fc.oneof(
      fc.nat({ max: text.length }).map((i) => text.slice(0, i)),
      fc.tuple(fc.nat({ max: text.length }), fc.nat({ max: 8 })).map(([i, n]) => text.slice(0, i) + text.slice(i + n)),
      fc
        .tuple(fc.nat({ max: text.length }), fc.constantFrom('(', ')', "'", '"', ',', ' AND ', ' NOT ', '=', 'BETWEEN', ' IN (', 'DATE(', 'POINT(', '{', '}', '[', ']', ':', '\u0000', '\\', '-', 'e', '9'.repeat(400)))
        .map(([i, s]) => text.slice(0, i) + s + text.slice(i)),
      fc.tuple(fc.nat({ max: text.length }), fc.nat({ max: text.length })).map(([a, b]) => text.slice(0, Math.min(a, b)) + text.slice(Math.min(a, b), Math.max(a, b)).repeat(2) + text.slice(Math.max(a, b))),
    ),
  );
/** random cql2-json-like trees: known and unknown operators, arguments of any JSON, geometries with holes in them */
const { node: jsonNode } = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.record({ property: fc.oneof(fc.constantFrom(...queryables.map((q) => q.name), 'geometry', '__proto__', 'constructor'), fc.jsonValue()) }),
    fc.record({ type: fc.constantFrom('Point', 'Polygon', 'MultiPolygon', 'GeometryCollection', 'Nope'), coordinates: fc.jsonValue({ maxDepth: 3 }), geometries: fc.array(fc.oneof(fc.constant(null), fc.jsonValue(), tie('node')), { maxLength: 2 }) }),
    fc.record({ date: fc.jsonValue() }),
    fc.record({ timestamp: fc.jsonValue() }),
    fc.record({ bbox: fc.array(fc.oneof(fc.double(), fc.jsonValue()), { maxLength: 6 }) }),
    fc.record({
      op: fc.constantFrom('and', 'or', 'not', '=', '<', 'like', 'between', 'in', 'isNull', 's_intersects', 's_within', 'casei', 'toString', '__proto__'),
      args: fc.oneof(fc.array(tie('node'), { maxLength: 3 }), fc.jsonValue()),
    }),
  ),
}));

const randomInput = fc.oneof(
  jsonNode.map((n) => JSON.stringify(n) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  fc.json(),
);

t.test('every mutated, truncated or random filter is a 400 naming filter or a valid filter, never another error', async (t) => {
  const seen = { parsed: 0, refused: 0 };
  const count = (r: 'parsed' | 'refused') => {
    seen[r]++;
  };
  fc.assert(fc.property(mutated(expression.map(printCql2Text)), counted((f) => count(refusedOrParsed(f, 'cql2-text')))), params(RUNS));
  fc.assert(fc.property(mutated(expression.map((e) => JSON.stringify(toCql2Json(e)))), counted((f) => count(refusedOrParsed(f, 'cql2-json')))), params(RUNS));
  fc.assert(fc.property(randomInput, counted((f) => count(refusedOrParsed(f, 'cql2-text')))), params(RUNS));
  fc.assert(fc.property(randomInput, counted((f) => count(refusedOrParsed(f, 'cql2-json')))), params(RUNS));
  t.ok(seen.refused > RUNS, `${seen.refused} refused, ${seen.parsed} still valid`);
});

// --- through the route, on PostGIS ----------------------------------------------------------------------------------

const ROUTE_RUNS = Number(process.env.CQL2_ROUTE_RUNS ?? 60);
const { app } = await testGateway(t);
/** percent-encoding that also writes a lone surrogate (as its WTF-8 bytes, what a careless client sends) */
const encode = (text: string) =>
  text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\s\S]/gu, (c) => {
    if (c.length > 1 || !/[\uD800-\uDFFF]/.test(c)) return encodeURIComponent(c);
    const u = c.charCodeAt(0);
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  });
const items = (filter: string, lang: string) => app.inject({ url: `/collections/indicator-anteil_unter_6/items?limit=1&filter-lang=${lang}&filter=${encode(filter)}` });

t.test('a GeometryCollection with a member that is no geometry is a 400 naming filter (it was a TypeError)', async (t) => {
  const filter = JSON.stringify({ op: 's_intersects', args: [{ property: 'geometry' }, { type: 'GeometryCollection', geometries: [null] }] });
  const res = await items(filter, 'cql2-json');
  t.equal(res.statusCode, 400);
  t.match(res.json(), { invalidParams: [{ name: 'filter' }] });
});

t.test('a LIKE pattern ending in a lone escape character is a 400 naming filter (it was a database error)', async (t) => {
  const lone = await items("name LIKE 'Mitte\\'", 'cql2-text');
  t.equal(lone.statusCode, 400);
  t.match(lone.json().detail, /ends in an escape character/);
  t.same(lone.json().invalidParams.map((p: { name: string }) => p.name), ['filter']);
  t.equal((await items("name LIKE 'Mitte\\\\'", 'cql2-text')).statusCode, 200, 'an escaped backslash is a backslash');
  t.equal((await items(JSON.stringify({ op: 'like', args: [{ property: 'name' }, 'x\\'] }), 'cql2-json')).statusCode, 400, 'cql2-json alike');
});

t.test('generated filters run on PostGIS: the route answers 200 for text and JSON alike', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      expression,
      async (e) => {
        casesTried++;
        for (const [lang, filter] of [['cql2-text', printCql2Text(e)], ['cql2-json', JSON.stringify(toCql2Json(e))]] as const) {
          // the URL hygiene's 400 (tested in input-hygiene.test.ts)
          if (filter.includes('\u0000') || /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(filter)) continue;
          const res = await items(filter, lang);
          if (res.statusCode !== 200) throw new Error(`${lang} ${filter}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        }
      },
    ),
    params(ROUTE_RUNS),
  );
  t.pass(`${ROUTE_RUNS} expressions`);
});

t.test('mutated filters through the route: 200 or a problem+json 400 naming filter, never a 5xx', async (t) => {
  const statuses: Record<number, number> = {};
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated(expression.map(printCql2Text)).map((f) => ['cql2-text', f]), mutated(expression.map((e) => JSON.stringify(toCql2Json(e)))).map((f) => ['cql2-json', f])), async ([lang, filter]) => {
      casesTried++;
      const res = await items(filter as string, lang as string);
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode === 200) return;
      if (res.statusCode !== 400 || !/application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`${lang} ${filter}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      const names = (res.json().invalidParams ?? []).map((p: { name?: string }) => p.name);
      if (!names.includes('filter')) throw new Error(`${filter}: the 400 names ${names}`);
    }),
    params(ROUTE_RUNS * 2),
  );
  t.ok((statuses[400] ?? 0) > 0, `statuses ${JSON.stringify(statuses)}`);
});

// subtests run in order: this one last, when every case has been tried
t.test('the cases tried are reported', async (t) => {
  reportSummary(t, `cql2-property: ${casesTried} cases tried (${RUNS} runs per pure property, ${ROUTE_RUNS * 3} through the route)`);
  t.ok(casesTried >= RUNS * 8 + ROUTE_RUNS * 3, `${casesTried} cases`);
});
