// SDMX structure queries: dataflows, DSDs, codelists as SDMX-ML 2.1 (well-formed, the Structure layout) and SDMX-JSON 2.0.
import { Ajv } from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { structureMessageSchema } from './sdmx-json-schemas.ts';

const { app, database } = await testGateway(t);
const db = database.db;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['structure:Dataflow', 'structure:Codelist', 'structure:Code', 'structure:Dimension', 'structure:Attribute', 'common:Name', 'structure:DataStructure', 'structure:Concept', 'common:Annotation'].includes(name),
});

function parseXml(body: string) {
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new Error(`not well-formed: ${JSON.stringify(valid.err)}`);
  return parser.parse(body);
}

async function publicVariables(): Promise<string[]> {
  const rows = await db.selectFrom('variable').select('id').where('status', '=', 'active').where('access', '=', 'public').execute();
  return rows.map((r) => r.id);
}

t.test('the dataflow list names an indicator flow per LOR version and a flow per public variable, in SDMX-ML 2.1', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/dataflow' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/vnd\.sdmx\.structure\+xml;\s*version=2\.1/);
  const doc = parseXml(res.body);
  const root = doc['message:Structure'];
  t.equal(root['@xmlns:message'], 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message');
  t.ok(root['message:Header']['message:ID'], 'header with an id');
  const flows = root['message:Structures']['structure:Dataflows']['structure:Dataflow'] as Array<Record<string, unknown>>;
  const ids = flows.map((f) => f['@id'] as string);
  t.ok(ids.includes('DF_INDICATORS_2021') && ids.includes('DF_INDICATORS_2006'));
  for (const v of await publicVariables()) t.ok(ids.includes(`DF_VAR_${v.toUpperCase()}`), `flow of ${v}`);
  const restricted = await db.selectFrom('variable').select('id').where('access', '=', 'restricted').execute();
  t.ok(restricted.length > 0);
  for (const v of restricted) t.notOk(ids.includes(`DF_VAR_${v.id.toUpperCase()}`), `no flow of restricted ${v.id}`);
  const indicators = flows.find((f) => f['@id'] === 'DF_INDICATORS_2021') as Record<string, any>;
  t.equal(indicators['structure:Structure'].Ref['@id'], 'DSD_INDICATORS_2021');
  const annotations = indicators['common:Annotations']['common:Annotation'] as Array<Record<string, any>>;
  const refDate = annotations.find((a) => a['common:AnnotationType'] === 'REFERENCE_DATE');
  t.equal(refDate?.['common:AnnotationTitle'], '12-31', 'the reference date 31 December is stated');
});

t.test('one dataflow with references=all brings its DSD, codelists and concepts', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/dataflow/DATENPOOL/DF_INDICATORS_2021/1.0?references=all' });
  t.equal(res.statusCode, 200);
  const s = parseXml(res.body)['message:Structure']['message:Structures'];
  t.equal(s['structure:Dataflows']['structure:Dataflow'].length, 1);
  const dsd = s['structure:DataStructures']['structure:DataStructure'][0];
  const dims = dsd['structure:DataStructureComponents']['structure:DimensionList'];
  t.same(
    dims['structure:Dimension'].map((d: Record<string, string>) => [d['@id'], d['@position']]),
    [['INDICATOR', '1'], ['REF_AREA', '2'], ['BREAKDOWN', '3']],
  );
  t.equal(dims['structure:TimeDimension']['@id'], 'TIME_PERIOD');
  const attrs = dsd['structure:DataStructureComponents']['structure:AttributeList']['structure:Attribute'].map((a: Record<string, string>) => a['@id']);
  t.ok(attrs.includes('OBS_STATUS') && attrs.includes('CONF_STATUS'));
  t.equal(dsd['structure:DataStructureComponents']['structure:MeasureList']['structure:PrimaryMeasure']['@id'], 'OBS_VALUE');
  const lists = s['structure:Codelists']['structure:Codelist'].map((c: Record<string, string>) => c['@id']).sort();
  t.same(lists, ['CL_BREAKDOWN', 'CL_CONF_STATUS', 'CL_INDICATOR', 'CL_LOR_2021', 'CL_OBS_STATUS']);
  const concepts = s['structure:Concepts']['structure:ConceptScheme']['structure:Concept'].map((c: Record<string, string>) => c['@id']);
  for (const c of ['INDICATOR', 'REF_AREA', 'BREAKDOWN', 'TIME_PERIOD', 'OBS_VALUE', 'OBS_STATUS']) t.ok(concepts.includes(c), c);
});

t.test('the LOR codelist holds every unit of the version with its parent code', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/codelist/DATENPOOL/CL_LOR_2021' });
  t.equal(res.statusCode, 200);
  const codes = parseXml(res.body)['message:Structure']['message:Structures']['structure:Codelists']['structure:Codelist'][0]['structure:Code'] as Array<Record<string, any>>;
  const units = await db.selectFrom('lor_unit').select(['id', 'name', 'parent_id']).where('version', '=', '2021').execute();
  t.equal(codes.length, units.length);
  const byId = new Map(codes.map((c) => [String(c['@id']), c]));
  for (const u of units) {
    const code = byId.get(u.id);
    if (!code) {
      t.fail(`unit ${u.id} missing`);
      continue;
    }
    if (u.parent_id) t.equal(String(code['structure:Parent']?.Ref['@id']), u.parent_id, `parent of ${u.id}`);
    else t.notOk(code['structure:Parent'], 'Berlin has no parent');
  }
  const sample = byId.get(units.find((u) => u.id.length === 8)?.id as string) as Record<string, any>;
  t.ok(sample['common:Name'].some((n: Record<string, string>) => n['#text'] === units.find((u) => u.id === String(sample['@id']))?.name));
});

t.test('the indicator codelist carries German and English names from the catalog', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/codelist/DATENPOOL/CL_INDICATOR/latest' });
  const codes = parseXml(res.body)['message:Structure']['message:Structures']['structure:Codelists']['structure:Codelist'][0]['structure:Code'] as Array<Record<string, any>>;
  const row = await db.selectFrom('indicator').select(['label_de', 'label_en']).where('id', '=', 'anteil_unter_6').executeTakeFirstOrThrow();
  const code = codes.find((c) => c['@id'] === 'anteil_unter_6') as Record<string, any>;
  const names = Object.fromEntries(code['common:Name'].map((n: Record<string, string>) => [n['@xml:lang'], n['#text']]));
  t.same(names, { de: row.label_de, en: row.label_en });
  t.notOk(codes.some((c) => c['@id'] === 'esu_sprachdefizite'), 'an indicator of restricted variables is not published');
});

t.test('the SDMX-JSON 2.0 structure message validates against its JSON Schema and matches the XML', async (t) => {
  const res = await app.inject({
    url: '/sdmx/2.1/datastructure/DATENPOOL/DSD_VARIABLES_2021?references=children',
    headers: { accept: 'application/vnd.sdmx.structure+json;version=2.0.0' },
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/vnd\.sdmx\.structure\+json;\s*version=2\.0\.0/);
  const body = res.json();
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(structureMessageSchema);
  t.ok(validate(body), JSON.stringify(validate.errors?.slice(0, 5)));
  const dsd = body.data.dataStructures[0];
  t.same(dsd.dataStructureComponents.dimensionList.dimensions.map((d: { id: string }) => d.id), ['VARIABLE', 'REF_AREA', 'BREAKDOWN']);
  const breakdowns = body.data.codelists.find((c: { id: string }) => c.id === 'CL_BREAKDOWN');
  const ids = breakdowns.codes.map((c: { id: string }) => c.id);
  t.ok(ids.includes('_T') && ids.includes('age_unter6') && ids.includes('citizenship_auslaendisch'));
  const viaFormat = await app.inject({ url: '/sdmx/2.1/datastructure/DATENPOOL/DSD_VARIABLES_2021?format=json' });
  t.equal(viaFormat.json().data.dataStructures[0].id, 'DSD_VARIABLES_2021', 'format=json does the same');
});

t.test('an unknown dataflow is a 404 problem naming what was asked', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/dataflow/DATENPOOL/DF_NOPE' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json().detail, /DF_NOPE/);
  const agency = await app.inject({ url: '/sdmx/2.1/dataflow/ECB' });
  t.equal(agency.statusCode, 404, 'another agency');
});

t.test('a media type the facade cannot serve is a 406 problem', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/dataflow', headers: { accept: 'application/vnd.sdmx.structure+json;version=1.0.0' } });
  t.equal(res.statusCode, 406);
  t.match(res.headers['content-type'], /application\/problem\+json/);
});

t.test('references=parents of a DSD lists the dataflows using it; a codelist lists the DSDs using it', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/datastructure/DATENPOOL/DSD_INDICATORS_2006?references=parents&format=json' });
  t.same(res.json().data.dataflows.map((f: { id: string }) => f.id), ['DF_INDICATORS_2006']);
  const lists = await app.inject({ url: '/sdmx/2.1/codelist/DATENPOOL/CL_LOR_2006?references=parents&format=json' });
  t.same(lists.json().data.dataStructures.map((d: { id: string }) => d.id).sort(), ['DSD_INDICATORS_2006', 'DSD_VARIABLES_2006']);
  const units = await db.selectFrom('lor_unit').select('id').where('version', '=', '2006').execute();
  t.equal(lists.json().data.codelists[0].codes.length, units.length, 'every 2006 unit');
});

t.test('a variable flow states its reference dates and TIME_PERIOD form in its annotations', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/dataflow/DATENPOOL/DF_VAR_EINWOHNER?format=json' });
  const flow = res.json().data.dataflows[0];
  const variable = await db.selectFrom('variable').select(['reference_date', 'label_de', 'label_en']).where('id', '=', 'einwohner').executeTakeFirstOrThrow();
  const refDate = flow.annotations.find((a: { type: string }) => a.type === 'REFERENCE_DATE');
  t.equal(refDate.title, variable.reference_date);
  t.match(refDate.text, /YYYY-MM-DD/, 'two reference dates a year: TIME_PERIOD is the date');
  t.match(flow.names.de, variable.label_de);
  t.equal(flow.structure, 'urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=DATENPOOL:DSD_VARIABLES_2021(1.0)');
});
