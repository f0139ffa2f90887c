// What no route may take, refused before any route's validation as 400 problems naming where it is (issue 15's
// 5xx findings: NUL bytes, lone surrogates, malformed percent-encoding, bodies and filters nested thousands deep).
import { ensureKey, generateKey } from '@datenpool/service-kit';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';

const { app, database } = await testGateway(t);
const { key } = generateKey();
await ensureKey(database.db, key, { scopes: ['admin'], label: 'input hygiene test' });
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

/** the assertions used here, as tap's Test has them */
interface Asserts {
  equal(found: unknown, wanted: unknown, message: string): unknown;
  match(found: unknown, pattern: RegExp, message: string): unknown;
}

async function problem(t: Asserts, res: { statusCode: number; headers: Record<string, unknown>; json(): { detail: string } }, pattern: RegExp) {
  t.equal(res.statusCode, 400, 'a 400');
  t.match(String(res.headers['content-type']), /application\/problem\+json/, 'as problem+json');
  t.match(res.json().detail, pattern, 'saying what is wrong');
}

t.test('a NUL byte in a path or query parameter is a 400 naming the parameter, on every service', async (t) => {
  for (const [url, name, pointer] of [
    ['/v1/agencies/%00', 'id', '/path/id'],
    ['/v1/variables/einwohner/observations?unit=%00', 'unit', '/query/unit'],
    ['/v1/indicators/anteil_unter_6/values?date=2022%00', 'date', '/query/date'],
    ['/collections/lor-2021-bezirk/items?filter=name%3D%27a%00%27', 'filter', '/query/filter'],
    ['/sdmx/2.1/data/DF_VAR_EINWOHNER/a%00b', 'key', '/path/key'],
  ] as const) {
    const res = await app.inject({ url });
    await problem(t, res, /NUL character/);
    t.same(res.json().invalidParams?.map((p: { name: string; pointer: string }) => [p.name, p.pointer]), [[name, pointer]], url);
  }
  const key = await app.inject({ url: '/v1/agencies?a%00b=1' });
  t.same(key.json().invalidParams?.map((p: { name: string }) => p.name), ['url'], 'a NUL in a parameter name: the url is named');
});

t.test('malformed percent-encoding and unpaired surrogates in the URL are 400 problems', async (t) => {
  await problem(t, await app.inject({ url: '/v1/agencies/%E0%A4%A' }), /malformed percent-encoding|cannot be read/);
  await problem(t, await app.inject({ url: '/v1/variables/einwohner/observations?unit=%ZZ' }), /malformed percent-encoding/);
  await problem(t, await app.inject({ url: '/v1/agencies?q=%ED%A0%80' }), /malformed percent-encoding|surrogate/);
});

t.test('NUL characters and lone surrogates inside JSON body strings are 400s naming the field; nothing is stored', async (t) => {
  const body = (name: string) => `{"id":"hygiene","name":${name},"kind":"other"}`;
  const nul = await app.inject({ method: 'POST', url: '/v1/agencies', headers: auth, payload: body('"Amt\\u0000"') });
  await problem(t, nul, /\/body\/name: contains a NUL character/);
  t.same(nul.json().invalidParams, [{ pointer: '/body/name', reason: 'contains a NUL character' }]);
  const surrogate = await app.inject({ method: 'POST', url: '/v1/agencies', headers: auth, payload: body('"Amt \\ud800"') });
  await problem(t, surrogate, /\/body\/name: contains an unpaired UTF-16 surrogate/);
  const stored = await database.db.selectFrom('agency').select('id').where('id', '=', 'hygiene').execute();
  t.same(stored, []);
  const fine = await app.inject({ method: 'POST', url: '/v1/agencies', headers: auth, payload: body('"Amt für Hygiene 😀"') });
  t.equal(fine.statusCode, 201, 'a paired surrogate (an emoji) is ordinary text');
});

t.test('a body nested 20 000 deep is a 400, not a stack overflow', async (t) => {
  const deep = `{"id":"deep","name":"x","kind":"other","contact":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
  await problem(t, await app.inject({ method: 'POST', url: '/v1/agencies', headers: auth, payload: deep }), /nested deeper than 64 levels/);
  const res = await app.inject({ url: '/health' });
  t.equal(res.statusCode, 200, 'the process lives on');
});

t.test('a CQL2 filter nested 3 000 parentheses deep is a 400 naming filter, text and JSON', async (t) => {
  const text = `${'('.repeat(3000)}name='a'${')'.repeat(3000)}`;
  const res = await app.inject({ url: `/collections/lor-2021-bezirk/items?filter=${encodeURIComponent(text)}` });
  await problem(t, res, /filter: nested deeper than 64 levels/);
  t.same(res.json().invalidParams?.map((p: { name: string }) => p.name), ['filter']);
  const json = `${'{"op":"not","args":['.repeat(3000)}{"op":"=","args":[{"property":"name"},"a"]}${']}'.repeat(3000)}`;
  await problem(t, await app.inject({ url: `/collections/lor-2021-bezirk/items?filter-lang=cql2-json&filter=${encodeURIComponent(json)}` }), /filter: nested deeper than 64 levels/);
  const shallow = await app.inject({ url: `/collections/lor-2021-bezirk/items?filter=${encodeURIComponent("((name='Mitte'))")}` });
  t.equal(shallow.statusCode, 200, 'ordinary nesting passes');
  t.equal(shallow.json().numberReturned, 1);
  const literal = await app.inject({ url: `/collections/lor-2021-bezirk/items?filter=${encodeURIComponent(`name='${'('.repeat(100)}'`)}` });
  t.equal(literal.statusCode, 200, 'parentheses inside a string literal do not count');
});

t.test('garbage is not stored: fractional and absurd counts, a CSV naming a column twice, non-http sources', async (t) => {
  const csv = { authorization: `Bearer ${key}`, 'content-type': 'text/csv' };
  const push = (body: string) => app.inject({ method: 'POST', url: '/v1/variables/einwohner/observations', headers: csv, payload: body });
  const before = await database.db.selectFrom('observation').select(['value']).where('variable_id', '=', 'einwohner').where('unit_id', '=', '01100101')
    .where('ref_date', '=', '2022-12-31' as never).where('breakdown', '=', '').where('valid_to', 'is', null).executeTakeFirstOrThrow();
  for (const [value, code] of [['1.5', 'fractional-count'], ['1e38', 'count-too-large'], ['1e300', 'count-too-large']] as const) {
    const res = await push(`unit,date,value\n01100101,2022-12-31,${value}\n`);
    t.equal(res.statusCode, 422, value);
    t.same(res.json().errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code]), [[1, 'value', code]], value);
  }
  const twice = await push('unit,unit,date,value\n01100101,01100102,2022-12-31,5\n');
  await problem(t, twice, /names the unit column more than once/);
  const after = await database.db.selectFrom('observation').select(['value']).where('variable_id', '=', 'einwohner').where('unit_id', '=', '01100101')
    .where('ref_date', '=', '2022-12-31' as never).where('breakdown', '=', '').where('valid_to', 'is', null).executeTakeFirstOrThrow();
  t.equal(after.value, before.value, 'the stored value is untouched');
  const estimate = await push('unit,date,value,status\n01100101,2022-12-31,4000.25,estimated\n');
  t.equal(estimate.statusCode, 201, 'an estimate may be fractional');

  for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:70/x']) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sources',
      headers: auth,
      payload: { id: 'evil', agencyId: 'afs', variableId: 'einwohner', lorVersion: '2021', kind: 'csv', url, mapping: {}, schedule: null, enabled: false },
    });
    t.equal(res.statusCode, 400, url);
    t.match(JSON.stringify(res.json().invalidParams ?? res.json()), /url/, `${url}: the url is named`);
  }
});

t.test('impossible dates and instants are 400s naming the parameter, not database errors', async (t) => {
  for (const url of [
    '/v1/variables/einwohner/observations?date=2020-13-45',
    '/v1/variables/einwohner/observations?from=2021-02-29',
    '/v1/variables/einwohner/observations?asOf=0000-01-01T00:00:00Z',
    '/v1/indicators/anteil_unter_6/values?date=2020-02-30',
    '/v1/indicators/anteil_unter_6/values?asOf=0000-01-01T00:00:00Z',
  ]) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 400, url);
    t.match(res.headers['content-type'], /application\/problem\+json/, url);
    const name = new URL(url, 'http://x').searchParams.keys().next().value as string;
    t.ok(res.json().invalidParams?.some((p: { pointer: string }) => p.pointer === `/querystring/${name}`), `${url}: names ${name}`);
  }
  t.equal((await app.inject({ url: '/v1/variables/einwohner/observations?date=2024-12-31&unit=01100101' })).statusCode, 200);
  t.equal((await app.inject({ url: '/v1/indicators/anteil_unter_6/values?date=2024-02-29' })).statusCode, 200, 'a leap day is a day');
});

t.test('the SDMX facade refuses impossible instants and periods as 400s naming the parameter', async (t) => {
  for (const [query, name] of [
    ['asOf=0000-01-01T00:00:00Z', 'asOf'],
    ['asOf=2020-13-45T00:00:00Z', 'asOf'],
    ['asOf=2021-02-29', 'asOf'],
    ['asOf=2024-01-31T25:00Z', 'asOf'],
    ['updatedAfter=2020-02-30T12:00:00%2B01:00', 'updatedAfter'],
    ['startPeriod=0000', 'startPeriod'],
    ['endPeriod=0000-Q1', 'endPeriod'],
    ['startPeriod=2021-02-29', 'startPeriod'],
  ] as const) {
    const res = await app.inject({ url: `/sdmx/2.1/data/DF_VAR_EINWOHNER?${query}` });
    t.equal(res.statusCode, 400, query);
    t.match(String(res.headers['content-type']), /application\/problem\+json/, query);
    t.same(res.json().invalidParams?.map((p: { name: string }) => p.name), [name], `${query}: names ${name}`);
  }
  for (const query of ['asOf=2024-01-31T12:00Z', 'asOf=2024-01-31T12:00:00%2B0100', 'asOf=2024-02-29', 'updatedAfter=2024-01-31T12:00:00.5Z&startPeriod=2024-Q1']) {
    const res = await app.inject({ url: `/sdmx/2.1/data/DF_VAR_EINWOHNER/einwohner.01100101._T?${query}&format=csvfile` });
    t.equal(res.statusCode, 200, `${query} is an instant SDMX allows`);
  }
});

t.test('a facility point outside the range of its CRS is a row error naming the feature; nothing is stored', async (t) => {
  const geojson = { authorization: `Bearer ${key}`, 'content-type': 'application/geo+json' };
  const point = (coordinates: number[]) => ({ type: 'Feature', geometry: { type: 'Point', coordinates }, properties: {} });
  // a refused delivery is recorded as a rejected batch (its reason kept); none lands
  const batches = async () =>
    Number((await database.db.selectFrom('ingest_batch').select((eb) => eb.fn.countAll().as('n')).where('status', 'in', ['accepted', 'partial']).executeTakeFirstOrThrow()).n);
  const before = await batches();
  for (const [crs, coordinates] of [
    ['urn:ogc:def:crs:OGC:1.3:CRS84', [1e308, 1e308]],
    ['urn:ogc:def:crs:OGC:1.3:CRS84', [13.4, 91]],
    ['urn:ogc:def:crs:EPSG::25833', [1e308, 1e308]],
    ['urn:ogc:def:crs:EPSG::25833', [-390000, 5820000]],
  ] as const) {
    const doc = { type: 'FeatureCollection', crs: { type: 'name', properties: { name: crs } }, features: [point([13.4, 52.5]), point([...coordinates])] };
    if (crs.endsWith('25833')) doc.features[0] = point([390000, 5820000]);
    const res = await app.inject({ method: 'POST', url: '/v1/variables/einwohner/observations?lorVersion=2021&date=2023-12-31', headers: geojson, payload: JSON.stringify(doc) });
    t.equal(res.statusCode, 422, `${coordinates} in ${crs}`);
    t.match(String(res.headers['content-type']), /application\/problem\+json/);
    t.same(res.json().errors?.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code]), [[2, 'geometry', 'coordinates-out-of-range']], `${coordinates}: feature 2 is named`);
  }
  t.equal(await batches(), before, 'no batch was landed');
});

t.test('path parameters over 100 characters and URLs over 16 KB are problems, not framework JSON', async (t) => {
  const long = await app.inject({ url: `/v1/agencies/${'a'.repeat(101)}` });
  t.ok(long.statusCode >= 400 && long.statusCode < 500, `a ${long.statusCode}`);
  t.match(String(long.headers['content-type']), /application\/problem\+json/, 'a long path parameter: problem+json');
  t.match(long.json().type, /^urn:datenpool:problem:/);
  t.same(long.json().invalidParams?.map((p: { name: string }) => p.name), ['url'], 'naming the url (the router knows no parameter yet)');
  t.match(long.json().detail, /longer than 100 characters/);
  // the URL limit is the HTTP parser's (a header field of 16 KB): only a real socket reaches it
  const base = await serveOnLoopback(app);
  const huge = await fetch(`${base}/v1/agencies?q=${'x'.repeat(17_000)}`);
  t.equal(huge.status, 431, 'the request line is too long');
  t.match(huge.headers.get('content-type') ?? '', /application\/problem\+json/, 'a URL over 16 KB: problem+json');
  const body = (await huge.json()) as { type: string; status: number };
  t.equal(body.status, 431);
  t.match(body.type, /^urn:datenpool:problem:/);
});

t.test('a source mapping nested 20 000 deep is a 400 naming the mapping', async (t) => {
  const mapping = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
  const payload = `{"id":"deepmap","agencyId":"afs","variableId":"einwohner","lorVersion":"2021","kind":"csv","url":"https://example.org/x.csv","mapping":${mapping},"schedule":null,"enabled":false}`;
  const res = await app.inject({ method: 'POST', url: '/v1/sources', headers: auth, payload });
  await problem(t, res, /\/body\/mapping(\/a)*: is nested deeper than 64 levels/);
  t.match(res.json().invalidParams?.[0]?.pointer, /^\/body\/mapping\//, 'the pointer leads into the mapping');
  t.same(await database.db.selectFrom('referenced_source').select('id').where('id', '=', 'deepmap').execute(), [], 'nothing is stored');
});

t.test('a JSON body that is not UTF-8 is a 400, not text with U+FFFD in it; streamed pushes alike', async (t) => {
  const latin1 = Buffer.concat([Buffer.from('{"id":"latin1","name":"Amt f'), Buffer.from([0xfc]), Buffer.from('r Soziales","kind":"other"}')]);
  const res = await app.inject({ method: 'POST', url: '/v1/agencies', headers: auth, payload: latin1 });
  await problem(t, res, /not valid UTF-8/);
  t.same(res.json().invalidParams, [{ pointer: '/body', reason: 'is not valid UTF-8' }]);
  t.same(await database.db.selectFrom('agency').select('id').where('id', '=', 'latin1').execute(), [], 'nothing is stored');
  const push = await app.inject({
    method: 'POST',
    url: '/v1/variables/einwohner/observations',
    headers: auth,
    payload: Buffer.concat([Buffer.from('[{"unit":"01100101","date":"2022-12-31","value":5,"breakdown":{"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}]')]),
  });
  t.equal(push.statusCode, 400, 'a JSON push with a broken byte');
  t.match(String(push.headers['content-type']), /application\/problem\+json/);
  const utf8 = await app.inject({ method: 'POST', url: '/v1/agencies', headers: auth, payload: Buffer.from('{"id":"utf8","name":"Amt für Soziales","kind":"other"}') });
  t.equal(utf8.statusCode, 201, 'UTF-8 is read as it is');
  t.equal(utf8.json().name, 'Amt für Soziales');
});
