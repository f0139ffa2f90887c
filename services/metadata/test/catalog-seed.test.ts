// The seeded catalog: one data file, loaded by one migration, every core indicator resolvable, read API filters.
import { readFileSync } from 'node:fs';
import { formulaIndicators, formulaSchema, formulaVariables, type IndicatorFormula } from '@datenpool/contracts';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { issueKey } from './fixtures/keys.ts';

interface SeedIndicator {
  id: string;
  zielbereich: string;
  core?: boolean;
  formula: unknown;
}
const seed = JSON.parse(readFileSync(new URL('../seed/catalog.json', import.meta.url), 'utf8')) as {
  agencies: Array<{ id: string; kind: string }>;
  variables: Array<{ id: string; agency_id: string; access?: string }>;
  indicators: SeedIndicator[];
};
const catalogIds = {
  agencies: ['afs', 'sensbw', 'senbjf', 'senasgiva', 'senwgp', 'ba', 'polizei', ...Array.from({ length: 12 }, (_, i) => `ba-${String(i + 1).padStart(2, '0')}`)],
  bundledVariables: [
    'einwohner',
    ...['s1', 's2', 's3', 's4', 'd1', 'd2', 'd3', 'd4'].map((k) => `mss_${k}`),
    ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '16', '17'].map((k) => `mss_k${k}`),
    'kitas',
    'kita_plaetze',
    'schulen',
    'jugendfreizeiteinrichtungen',
  ],
  bundledIndicators: ['kita_plaetze_je_100_u6', 'anteil_unter_6', 'anteil_65_plus', 'auslaenderanteil'],
};

const { app, database } = await testGateway(t);
const db = database.db;
const reader = await issueKey(db, ['read:restricted']);
const plain = await issueKey(db, ['ingest:write'], 'afs');

t.test('every seeded formula is valid against the shared formula schema', async (t) => {
  for (const indicator of seed.indicators) {
    const parsed = formulaSchema.safeParse(indicator.formula);
    t.ok(parsed.success, `${indicator.id}: ${parsed.success ? 'ok' : parsed.error.message}`);
  }
});

t.test('each seeded core indicator resolves to existing variables and indicators, transitively', async (t) => {
  const rows = await sql<{ id: string; formula: IndicatorFormula; core: boolean }>`select id, formula, core from indicator`.execute(db);
  const variables = new Set((await sql<{ id: string }>`select id from variable`.execute(db)).rows.map((r) => r.id));
  const formulas = new Map(rows.rows.map((r) => [r.id, r.formula]));
  const core = rows.rows.filter((r) => r.core);
  t.ok(core.length >= 25, `${core.length} core indicators seeded`);
  for (const indicator of core) {
    const queue = [indicator.id];
    const seen = new Set<string>();
    while (queue.length) {
      const id = queue.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const formula = formulas.get(id);
      if (!formula) {
        t.fail(`${indicator.id} refers to missing indicator ${id}`);
        continue;
      }
      for (const v of formulaVariables(formula)) t.ok(variables.has(v), `${indicator.id} → variable ${v} exists`);
      queue.push(...formulaIndicators(formula));
    }
  }
});

t.test('the database holds exactly the data file: agencies, variables, indicators', async (t) => {
  const count = async (table: string) => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]?.n);
  t.equal(await count('agency'), seed.agencies.length);
  t.equal(await count('variable'), seed.variables.length);
  t.equal(await count('indicator'), seed.indicators.length);
  const zielbereiche = new Set(seed.indicators.filter((i) => i.core !== false).map((i) => i.zielbereich));
  t.same([...zielbereiche].sort(), ['Armut', 'Demografie', 'Familie', 'Gesamtbild', 'Kinder', 'Wohnen'], 'every Zielbereich has core indicators');
});

t.test('the catalog ids other services rely on exist with their agencies', async (t) => {
  const agencies = (await app.inject({ url: '/v1/agencies' })).json().agencies as Array<{ id: string; kind: string }>;
  t.same(agencies.map((a) => a.id).sort(), [...catalogIds.agencies].sort());
  t.equal(agencies.filter((a) => a.kind === 'bezirksamt').length, 12);
  for (const id of catalogIds.bundledVariables) {
    const res = await app.inject({ url: `/v1/variables/${id}` });
    t.equal(res.statusCode, 200, id);
    t.equal(res.json().status, 'active', `${id} is active`);
    t.equal(res.json().access, 'public', `${id} is public`);
  }
  const einwohner = (await app.inject({ url: '/v1/variables/einwohner' })).json();
  t.match(einwohner, { agencyId: 'afs', aggregation: 'sum', finestLevel: 'planungsraum', periodicity: 'semiannual', referenceDate: '06-30,12-31', disclosureThreshold: 3 });
  t.same(einwohner.breakdowns.age, ['unter6', '6-15', '15-18', '18-27', '27-45', '45-55', '55-65', '65undmehr']);
  for (const id of catalogIds.bundledIndicators) {
    const res = await app.inject({ url: `/v1/indicators/${id}` });
    t.equal(res.statusCode, 200, id);
    t.equal(res.json().core, false, `${id} is optional`);
  }
});

t.test('indicator filters return what an independent query over the table says', async (t) => {
  for (const zielbereich of ['Armut', 'Kinder', 'Wohnen']) {
    const res = await app.inject({ url: `/v1/indicators?zielbereich=${zielbereich}&core=true`, headers: reader.auth });
    t.equal(res.statusCode, 200);
    const expected = await sql<{ id: string }>`select id from indicator where zielbereich = ${zielbereich} and core order by id`.execute(db);
    t.same(
      res.json().indicators.map((i: { id: string }) => i.id).sort(),
      expected.rows.map((r) => r.id),
      zielbereich,
    );
  }
  const bad = await app.inject({ url: '/v1/indicators?zielbereich=Nirgendwo' });
  t.equal(bad.statusCode, 400);
  const byAgency = await app.inject({ url: '/v1/variables?agency=senbjf&status=active' });
  const expected = await sql<{ id: string }>`select id from variable where agency_id = 'senbjf' and status = 'active' and access = 'public' order by id`.execute(db);
  t.same(byAgency.json().variables.map((v: { id: string }) => v.id), expected.rows.map((r) => r.id));
});

t.test('restricted variables and the indicators built from them need read:restricted', async (t) => {
  const restricted = seed.variables.filter((v) => v.access === 'restricted').map((v) => v.id);
  t.ok(restricted.length > 0, 'the seed has restricted variables');
  const anonymous = (await app.inject({ url: '/v1/variables' })).json().variables.map((v: { id: string }) => v.id);
  const withKey = (await app.inject({ url: '/v1/variables', headers: reader.auth })).json().variables.map((v: { id: string }) => v.id);
  for (const id of restricted) {
    t.notOk(anonymous.includes(id), `${id} hidden from anonymous lists`);
    t.ok(withKey.includes(id), `${id} listed for read:restricted`);
  }
  const id = restricted[0] as string;
  const anon = await app.inject({ url: `/v1/variables/${id}` });
  t.equal(anon.statusCode, 401);
  t.match(anon.headers['content-type'], /application\/problem\+json/);
  t.equal((await app.inject({ url: `/v1/variables/${id}`, headers: plain.auth })).statusCode, 403);
  t.equal((await app.inject({ url: `/v1/variables/${id}`, headers: reader.auth })).statusCode, 200);

  const dependent = seed.indicators.filter((i) => formulaVariables(i.formula as IndicatorFormula).some((v) => restricted.includes(v)));
  t.ok(dependent.length > 0);
  const anonIndicators = (await app.inject({ url: '/v1/indicators' })).json().indicators.map((i: { id: string }) => i.id);
  for (const indicator of dependent) {
    t.notOk(anonIndicators.includes(indicator.id), `${indicator.id} hidden from anonymous lists`);
    t.equal((await app.inject({ url: `/v1/indicators/${indicator.id}` })).statusCode, 401);
    const res = await app.inject({ url: `/v1/indicators/${indicator.id}`, headers: reader.auth });
    t.equal(res.json().access, 'restricted');
  }
});

t.test('an indicator definition lists the variables its formula reads, through member indicators too', async (t) => {
  const res = await app.inject({ url: '/v1/indicators/status_dynamik_index' });
  t.equal(res.statusCode, 200);
  const body = res.json();
  // members, and the indicators delivering their dynamics (the MSS D1–D4)
  const members = formulaIndicators(body.formula as IndicatorFormula);
  t.ok(members.includes('mss_dynamik_kinderarmut'), 'a dynamics indicator is an input');
  t.same(body.indicators.map((i: { id: string }) => i.id).sort(), [...members].sort());
  // the index's own minBase variable (residents for the 300-resident rule), and what each input reads
  const expected = new Set<string>(formulaVariables(body.formula as IndicatorFormula));
  for (const member of members) {
    const f = seed.indicators.find((i) => i.id === member)?.formula as IndicatorFormula;
    for (const v of formulaVariables(f)) expected.add(v);
  }
  t.same(body.variables.map((v: { id: string }) => v.id).sort(), [...expected].sort());
  const share = (await app.inject({ url: '/v1/indicators/anteil_sgb2' })).json();
  t.same(share.variables.map((v: { id: string }) => v.id).sort(), ['einwohner', 'sgb2_personen']);
});

t.test('an invalid key on a public read is a 401, not a silent anonymous read', async (t) => {
  const res = await app.inject({ url: '/v1/agencies', headers: { authorization: 'Bearer dp_AAAAAAAAAA_notarealkeynotarealkeynotarealkey00' } });
  t.equal(res.statusCode, 401);
  t.equal(res.headers['www-authenticate'], 'Bearer realm="datenpool"');
});
