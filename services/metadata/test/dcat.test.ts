// DCAT-AP.de export: real JSON-LD (expanded with jsonld) and Turtle (parsed with n3) listing every active dataset.
import { formulaIndicators, formulaVariables, type IndicatorFormula } from '@datenpool/contracts';
import { sql } from '@datenpool/db';
import jsonld from 'jsonld';
import { Parser } from 'n3';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { issueKey } from './fixtures/keys.ts';

const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const LICENCE = 'http://dcat-ap.de/def/licenses/dl-by-de/2.0';

const { app, database } = await testGateway(t);
const db = database.db;
const reader = await issueKey(db, ['read:restricted']);

/** the datasets a caller should see, computed from the tables independently of the service */
async function expectedDatasets(base: string, withRestricted: boolean): Promise<string[]> {
  const variables = (await sql<{ id: string; access: string; status: string }>`select id, access, status from variable`.execute(db)).rows;
  const indicators = (await sql<{ id: string; formula: IndicatorFormula; status: string }>`select id, formula, status from indicator`.execute(db)).rows;
  const restrictedVariables = new Set(variables.filter((v) => v.access === 'restricted').map((v) => v.id));
  const formulas = new Map(indicators.map((i) => [i.id, i.formula]));
  const readsRestricted = (id: string, seen = new Set<string>()): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    const f = formulas.get(id) as IndicatorFormula;
    return formulaVariables(f).some((v) => restrictedVariables.has(v)) || formulaIndicators(f).some((i) => readsRestricted(i, seen));
  };
  return [
    ...variables.filter((v) => v.status === 'active' && (withRestricted || v.access === 'public')).map((v) => `${base}/v1/variables/${v.id}`),
    ...indicators.filter((i) => i.status === 'active' && (withRestricted || !readsRestricted(i.id))).map((i) => `${base}/v1/indicators/${i.id}`),
  ].sort();
}

type Node = Record<string, Array<{ '@id'?: string; '@value'?: string; '@language'?: string }>> & { '@id': string; '@type'?: string[] };

async function datasetsOf(body: unknown): Promise<Node[]> {
  const expanded = (await jsonld.expand(body as jsonld.JsonLdDocument)) as unknown as Node[];
  return expanded.filter((n) => n['@type']?.includes(`${DCAT}Dataset`));
}

t.test('the JSON-LD expands with jsonld and lists every active public variable and indicator as a dcat:Dataset', async (t) => {
  const res = await app.inject({ url: '/v1/catalog.jsonld', headers: { host: 'daten.example' } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/ld\+json/);
  const body = res.json();
  t.same(Object.keys(body['@context']).filter((k) => ['dcat', 'dct', 'foaf', 'vcard', 'adms', 'dcatde'].includes(k)).sort(), ['adms', 'dcat', 'dcatde', 'dct', 'foaf', 'vcard']);
  const datasets = await datasetsOf(body);
  t.same(datasets.map((d) => d['@id']).sort(), await expectedDatasets('http://daten.example', false));

  for (const d of datasets) {
    const titles = d[`${DCT}title`] ?? [];
    t.same(titles.map((x) => x['@language']).sort(), ['de', 'en'], `${d['@id']} has German and English titles`);
    t.same((d[`${DCT}description`] ?? []).map((x) => x['@language']).sort(), ['de', 'en']);
    t.equal(d[`${DCT}license`]?.[0]?.['@id'], LICENCE);
    t.ok(d[`${DCT}publisher`]?.[0]?.['@id']?.startsWith('http://daten.example/v1/agencies/'), 'publisher');
    t.ok(d[`${DCAT}theme`]?.[0]?.['@id']?.startsWith('http://publications.europa.eu/resource/authority/data-theme/'), 'theme');
    t.ok(d[`${DCT}spatial`]?.length, 'spatial coverage');
    const distributions = (d[`${DCAT}distribution`] ?? []) as unknown as Node[];
    t.ok(distributions.length >= 2, 'JSON and CSV distributions');
    for (const dist of distributions) {
      t.equal(dist[`${DCT}license`]?.[0]?.['@id'], LICENCE);
      t.ok(dist['http://dcat-ap.de/def/dcatde/licenseAttributionByText']?.[0]?.['@value'], 'attribution text for dl-de/by');
    }
  }
});

t.test('distributions point at this API; OGC API items for indicators; temporal coverage from the observations', async (t) => {
  const body = (await app.inject({ url: '/v1/catalog.jsonld', headers: { host: 'daten.example' } })).json();
  const flattened = (await jsonld.flatten(body)) as unknown as Node[];
  const byId = new Map(flattened.map((n) => [n['@id'], n]));
  const urlsOf = (id: string) =>
    (byId.get(id)?.[`${DCAT}distribution`] ?? []).map((d) => byId.get(d['@id'] as string)?.[`${DCAT}accessURL`]?.[0]?.['@id']).sort();
  t.same(urlsOf('http://daten.example/v1/indicators/anteil_unter_6'), [
    'http://daten.example/collections/indicator-anteil_unter_6/items',
    'http://daten.example/v1/indicators/anteil_unter_6/values',
    'http://daten.example/v1/indicators/anteil_unter_6/values?f=csv',
  ]);
  t.same(urlsOf('http://daten.example/v1/variables/einwohner'), [
    'http://daten.example/v1/variables/einwohner/observations',
    'http://daten.example/v1/variables/einwohner/observations?f=csv',
  ]);
  const span = (
    await sql<{ from: string; to: string }>`select min(ref_date)::text as from, max(ref_date)::text as to from observation
      where variable_id = 'einwohner' and valid_to is null and not deleted`.execute(db)
  ).rows[0];
  const periodId = byId.get('http://daten.example/v1/variables/einwohner')?.[`${DCT}temporal`]?.[0]?.['@id'];
  const period = periodId ? byId.get(periodId) : undefined;
  if (span?.from) {
    t.equal(period?.[`${DCAT}startDate`]?.[0]?.['@value'], span.from);
    t.equal(period?.[`${DCAT}endDate`]?.[0]?.['@value'], span.to);
  } else {
    t.notOk(period, 'no observations, no temporal coverage');
  }
});

t.test('a key with read:restricted also sees the restricted datasets, marked as such', async (t) => {
  const res = await app.inject({ url: '/v1/catalog.jsonld', headers: { ...reader.auth, host: 'daten.example' } });
  const datasets = await datasetsOf(res.json());
  t.same(datasets.map((d) => d['@id']).sort(), await expectedDatasets('http://daten.example', true));
  const esu = datasets.find((d) => d['@id'] === 'http://daten.example/v1/variables/esu_untersuchte');
  t.equal(esu?.[`${DCT}accessRights`]?.[0]?.['@id'], 'http://publications.europa.eu/resource/authority/access-right/RESTRICTED');
});

t.test('the Turtle parses with n3 and holds the same datasets', async (t) => {
  const res = await app.inject({ url: '/v1/catalog.ttl', headers: { host: 'daten.example' } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/turtle/);
  t.match(res.body, /@prefix dcat: <http:\/\/www\.w3\.org\/ns\/dcat#>/);
  const quads = new Parser({ format: 'text/turtle' }).parse(res.body);
  const datasets = quads.filter((q) => q.predicate.value === RDF_TYPE && q.object.value === `${DCAT}Dataset`).map((q) => q.subject.value);
  t.same(datasets.sort(), await expectedDatasets('http://daten.example', false));
  const licences = new Set(quads.filter((q) => q.predicate.value === `${DCT}license`).map((q) => q.object.value));
  t.same([...licences], [LICENCE]);
});

t.test('links use the configured public URL when one is set', async (t) => {
  const { app: configured } = await testGateway(t, { PUBLIC_URL: 'https://daten.berlin.de/pool' });
  const datasets = await datasetsOf((await configured.inject({ url: '/v1/catalog.jsonld' })).json());
  t.ok(datasets.length > 0);
  t.ok(datasets.every((d) => d['@id'].startsWith('https://daten.berlin.de/pool/v1/')));
});
