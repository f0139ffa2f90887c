// The one read rule (packages/service-kit read-access) as every service applies it: a restricted variable and an
// indicator built from it answer 401 without a key and 403 for a key that may not read them, the same problem on every
// read route (catalog, observations, indicator values and series, targets); the public listings, the profile and the
// SDMX facade leave them out for an anonymous reader.
import { randomUUID } from 'node:crypto';
import { generateKey, hashKey } from '@datenpool/service-kit';
import t from 'tap';
import { addKey } from '../services/ingest/test/fixtures.ts';
import { testGateway } from './support/app.ts';

const { app, database } = await testGateway(t);
const { db } = database;

// the seed catalog: esu_uebergewicht (a restricted variable of senwgp) and the core indicator of the same id, the share
// of esu_uebergewicht in esu_untersuchte (both restricted, both senwgp)
const VARIABLE = 'esu_uebergewicht';
const INDICATOR = 'esu_uebergewicht';
const facts = await db.selectFrom('variable').select(['id', 'agency_id', 'access']).where('id', 'in', [VARIABLE, 'esu_untersuchte']).execute();

/** a key with read grants (addKey gives none) */
async function grantKey(grants: string[]): Promise<string> {
  const { key, prefix } = generateKey();
  await db
    .insertInto('api_key')
    .values({ id: randomUUID(), prefix, hash: await hashKey(key), agency_id: null, scopes: [], label: 'grant', read_grants: grants })
    .execute();
  return key;
}

const keys: Record<string, string | null> = {
  anonymous: null,
  'a write key of the agency': await addKey(db, 'senwgp', ['ingest:write', 'metadata:write']),
  'read:restricted of another agency': await addKey(db, 'polizei', ['read:restricted']),
  'a grant for one of the indicator’s two variables': await grantKey([`variable:${VARIABLE}`]),
  'read:restricted of the agency': await addKey(db, 'senwgp', ['read:restricted']),
  'a grant for the agency': await grantKey(['agency:senwgp']),
  admin: await addKey(db, null, ['admin']),
};

// what each key may read, by the rule as the module comment of read-access.ts states it (written out, not computed)
const readsVariable: Record<string, boolean> = {
  anonymous: false,
  'a write key of the agency': false,
  'read:restricted of another agency': false,
  'a grant for one of the indicator’s two variables': true,
  'read:restricted of the agency': true,
  'a grant for the agency': true,
  admin: true,
};
const readsIndicator: Record<string, boolean> = { ...readsVariable, 'a grant for one of the indicator’s two variables': false };

const unit = (await db.selectFrom('lor_unit').select('id').where('version', '=', '2021').where('level', '=', 'planungsraum').limit(1).executeTakeFirstOrThrow()).id;
const routes: Array<[string, string, Record<string, boolean>]> = [
  ['metadata: the variable', `/v1/variables/${VARIABLE}`, readsVariable],
  ['ingest: its observations', `/v1/variables/${VARIABLE}/observations`, readsVariable],
  ['ingest: its observations as CSV', `/v1/variables/${VARIABLE}/observations?f=csv`, readsVariable],
  ['ingest: the history of a key', `/v1/variables/${VARIABLE}/observations/history?unit=${unit}&date=2022-12-31`, readsVariable],
  ['metadata: the indicator', `/v1/indicators/${INDICATOR}`, readsIndicator],
  ['metadata: its targets', `/v1/indicators/${INDICATOR}/targets`, readsIndicator],
  ['indicators: its values', `/v1/indicators/${INDICATOR}/values`, readsIndicator],
  ['indicators: its values as CSV', `/v1/indicators/${INDICATOR}/values?f=csv`, readsIndicator],
  ['indicators: its series', `/v1/indicators/${INDICATOR}/series?unit=0`, readsIndicator],
];

t.test('the seed has the two restricted variables of senwgp', async (t) => {
  t.same(
    facts.map((f) => [f.id, f.agency_id, f.access]).sort(),
    [
      ['esu_uebergewicht', 'senwgp', 'restricted'],
      ['esu_untersuchte', 'senwgp', 'restricted'],
    ],
  );
});

for (const [name, url, reads] of routes) {
  t.test(`${name}: 401 without a key, 403 without the right, 200 with it`, async (t) => {
    const problems = new Map<number, { type: string; title: string }>();
    for (const [who, key] of Object.entries(keys)) {
      const res = await app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });
      const expected = reads[who] ? 200 : key === null ? 401 : 403;
      t.equal(res.statusCode, expected, `${who}: ${expected}`);
      if (expected === 200) continue;
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${who}: problem+json`);
      const body = res.json();
      t.match(body.detail, /restricted/, `${who}: the detail says it is restricted`);
      const seen = problems.get(expected);
      if (seen) t.same({ type: body.type, title: body.title }, seen, `${who}: the same problem as the others' ${expected}`);
      else problems.set(expected, { type: body.type, title: body.title });
    }
  });
}

t.test('the same 401 and 403 problem type on every route', async (t) => {
  const seen = new Map<number, Set<string>>();
  for (const [, url] of routes) {
    for (const key of [null, keys['a write key of the agency'] as string]) {
      const res = await app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });
      const set = seen.get(res.statusCode) ?? new Set<string>();
      set.add(res.json().type);
      seen.set(res.statusCode, set);
    }
  }
  t.same([...seen.keys()].sort(), [401, 403], 'only 401 and 403');
  t.equal(seen.get(401)?.size, 1, `one type for 401: ${[...(seen.get(401) ?? [])]}`);
  t.equal(seen.get(403)?.size, 1, `one type for 403: ${[...(seen.get(403) ?? [])]}`);
});

t.test('an anonymous reader does not find them listed: catalog, profile, SDMX', async (t) => {
  const variables = (await app.inject({ url: '/v1/variables' })).json().variables.map((v: { id: string }) => v.id);
  t.notOk(variables.includes(VARIABLE), 'not in the variables');
  t.ok(variables.includes('einwohner'), 'public ones are');
  const indicators = (await app.inject({ url: '/v1/indicators' })).json().indicators.map((i: { id: string }) => i.id);
  t.notOk(indicators.includes(INDICATOR), 'not in the indicators');
  const asAgency = { authorization: `Bearer ${keys['read:restricted of the agency']}` };
  t.ok(
    (await app.inject({ url: '/v1/variables', headers: asAgency })).json().variables.some((v: { id: string }) => v.id === VARIABLE),
    'listed for a key that may read it',
  );
  const profile = (await app.inject({ url: `/v1/units/${unit}/profile?f=json` })).json();
  const profiled = profile.zielbereiche.flatMap((z: { indicators: Array<{ indicator: string }> }) => z.indicators.map((i) => i.indicator));
  t.ok(profiled.length > 0, `${profiled.length} indicators in the profile`);
  t.notOk(profiled.some((id: string) => id.startsWith('esu_')), 'no indicator over restricted variables in the public profile');
  const flows = (await app.inject({ url: '/sdmx/2.1/dataflow' })).body;
  t.match(flows, /DF_VAR_EINWOHNER/, 'the SDMX flows of public variables');
  t.notMatch(flows, /DF_VAR_ESU_UEBERGEWICHT/i, 'no SDMX flow of the variable');
  t.equal((await app.inject({ url: '/sdmx/2.1/data/DF_VAR_ESU_UEBERGEWICHT' })).statusCode, 404, 'its SDMX data is not found');
  const codes = await app.inject({ url: '/sdmx/2.1/codelist/DATENPOOL/CL_INDICATOR/latest' });
  t.equal(codes.statusCode, 200);
  t.match(codes.body, /anteil_unter_6/, 'the indicator codelist has the public indicators');
  t.notMatch(codes.body, /esu_uebergewicht/, 'but no indicator code over it');
});
