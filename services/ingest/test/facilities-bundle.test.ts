// Facilities kept as points: the bundled Kitas, schools and youth centres on both LOR versions, and a dataset pushed whole.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { breakdownCode } from '../src/pipeline/facility-datasets.ts';
import { addKey, auth } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;

interface FileFeature {
  type: 'Feature';
  properties: Record<string, string | null>;
  geometry: { type: 'Point'; coordinates: [number, number] } | null;
}
const bundled = (file: string): { crs: unknown; features: FileFeature[] } => {
  const bytes = readFileSync(new URL(`../../../data/facilities/${file}`, import.meta.url));
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
};
const files = {
  kitas: { doc: bundled('kitas-2022-12.geojson.gz'), id: 'e_nr', date: '2022-12-31' },
  schulen: { doc: bundled('schulen.geojson'), id: 'bsn', date: '2023-12-31' },
  jugendfreizeiteinrichtungen: { doc: bundled('jugendfreizeiteinrichtungen.geojson'), id: 'e_nr', date: '2022-12-31' },
};

const observations = async (variable: string, query: string) => {
  const res = await app.inject({ url: `/v1/variables/${variable}/observations?${query}` });
  if (res.statusCode !== 200) throw new Error(`${variable}?${query}: ${res.statusCode} ${res.body}`);
  return res.json().observations as { unit: string; level: string; value: number; breakdown: Record<string, string> }[];
};

t.test('every bundled feature is kept once, with all its properties, and linked to a Planungsraum of both versions', async (t) => {
  for (const [dataset, { doc, id }] of Object.entries(files)) {
    const rows = await db.selectFrom('facility').select(['id', 'properties']).where('dataset', '=', dataset).execute();
    t.equal(rows.length, doc.features.length, `${dataset}: ${doc.features.length} points`);
    const stored = new Map(rows.map((r) => [r.id, r.properties]));
    const canonical = (o: unknown) => JSON.stringify(Object.entries(o as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    t.ok(
      doc.features.every((f) => canonical(stored.get(f.properties[id]!)) === canonical(f.properties)),
      `${dataset}: the properties are kept as delivered`,
    );
    const links = await sql<{ lor_version: string; level: string; n: number }>`SELECT lor_version, level, count(*)::int AS n
      FROM facility_lor_unit WHERE dataset = ${dataset} GROUP BY 1, 2 ORDER BY 1`.execute(db);
    t.same(links.rows, [
      { lor_version: '2006', level: 'planungsraum', n: doc.features.length },
      { lor_version: '2021', level: 'planungsraum', n: doc.features.length },
    ]);
  }
  const typed = await db.selectFrom('facility').select(['id', 'places', 'schulart', 'traeger']).where('dataset', 'in', ['kitas', 'schulen']).execute();
  const byId = new Map(typed.map((r) => [r.id, r]));
  t.ok(files.kitas.doc.features.every((f) => byId.get(f.properties.e_nr!)?.places === Number(f.properties.e_platz)), 'places = e_platz');
  t.ok(files.schulen.doc.features.every((f) => byId.get(f.properties.bsn!)?.schulart === f.properties.schulart), 'schulart as published');
  const datasets = await db.selectFrom('facility_dataset').select(['id', 'agency_id', 'reference_date', 'features']).orderBy('id').execute();
  t.same(datasets.map((d) => [d.id, d.agency_id, d.features]), [
    ['jugendfreizeiteinrichtungen', 'senbjf', 407],
    ['kitas', 'senbjf', 2880],
    ['schulen', 'senbjf', 902],
  ]);
});

t.test('the counts land per version as accepted batches of agency senbjf; Berlin totals equal the files', async (t) => {
  const batches = await db
    .selectFrom('ingest_batch')
    .select(['variable_id', 'lor_version', 'status', 'agency_id'])
    .where('variable_id', 'in', ['kitas', 'kita_plaetze', 'schulen', 'jugendfreizeiteinrichtungen'])
    .orderBy('variable_id')
    .orderBy('lor_version')
    .execute();
  t.same(
    batches.map((b) => [b.variable_id, b.lor_version, b.status, b.agency_id]),
    ['jugendfreizeiteinrichtungen', 'kita_plaetze', 'kitas', 'schulen'].flatMap((v) => ['2006', '2021'].map((version) => [v, version, 'accepted', 'senbjf'])),
  );
  const places = files.kitas.doc.features.reduce((n, f) => n + Number(f.properties.e_platz), 0);
  for (const version of ['2006', '2021']) {
    const berlin = (variable: string, date: string, extra = '') => observations(variable, `lorVersion=${version}&level=berlin&date=${date}${extra}`);
    t.equal((await berlin('kitas', '2022-12-31'))[0]?.value, files.kitas.doc.features.length, `${version}: Kitas`);
    t.equal((await berlin('kita_plaetze', '2022-12-31'))[0]?.value, places, `${version}: places`);
    t.equal((await berlin('jugendfreizeiteinrichtungen', '2022-12-31'))[0]?.value, 407, `${version}: youth centres`);
    t.equal((await berlin('schulen', '2023-12-31', '&breakdown=total'))[0]?.value, 902, `${version}: schools`);
    const perType = new Map<string, number>();
    for (const f of files.schulen.doc.features) perType.set(breakdownCode(f.properties.schulart!), (perType.get(breakdownCode(f.properties.schulart!)) ?? 0) + 1);
    const served = await berlin('schulen', '2023-12-31');
    const typed = new Map(served.filter((o) => o.breakdown.schulart).map((o) => [o.breakdown.schulart!, o.value]));
    t.same(Object.fromEntries([...typed].filter(([, n]) => n > 0).sort()), Object.fromEntries([...perType].sort()), `${version}: schools per schulart`);
    const plr = await observations('kitas', `lorVersion=${version}&level=planungsraum&date=2022-12-31`);
    t.equal(plr.length, version === '2006' ? 448 : 542, `${version}: a count for every Planungsraum, zeros included`);
  }
  const mismatch = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT unit_id, lor_version,
      sum(value) FILTER (WHERE breakdown = '') AS total, sum(value) FILTER (WHERE breakdown <> '') AS typed
    FROM observation WHERE variable_id = 'schulen' AND valid_to IS NULL GROUP BY 1, 2) x WHERE total <> typed`.execute(db);
  t.equal(mismatch.rows[0]!.n, 0, 'per unit, the schools per schulart add up to the total');
});

const senbjf = await addKey(db, 'senbjf', ['ingest:write']);
const other = await addKey(db, 'afs', ['ingest:write']);
const pushSchools = (features: FileFeature[], query = '', key = senbjf) =>
  app.inject({
    method: 'POST',
    url: `/v1/variables/schulen/observations?date=2023-12-31${query}`,
    headers: { ...auth(key), 'content-type': 'application/geo+json' },
    payload: JSON.stringify({ type: 'FeatureCollection', crs: files.schulen.doc.crs, features }),
  });
const school = (bsn: string, x: number, y: number, schulart = 'Grundschule'): FileFeature => ({
  type: 'Feature',
  properties: { bsn, name: `Testschule ${bsn}`, schulart, traeger: 'öffentlich' },
  geometry: { type: 'Point', coordinates: [x, y] },
});

t.test('a pushed school outside Berlin, of an unknown schulart or with a duplicate id is a row error naming its bsn', async (t) => {
  const before = await db.selectFrom('ingest_batch').select('id').execute();
  const [x, y] = files.schulen.doc.features[0]!.geometry!.coordinates;
  const features = [...files.schulen.doc.features, school('X99', 300000, 5700000), school('X98', x, y, 'Zauberschule'), school('01B01', x, y)];
  const res = await pushSchools(features);
  t.equal(res.statusCode, 422, res.body);
  t.match(res.headers['content-type'], /problem\+json/);
  const errors = res.json().errors as { row: number; code: string; message: string }[];
  const outside = errors.filter((e) => e.row === 903);
  t.same([...new Set(outside.map((e) => e.code))], ['outside-berlin']);
  t.equal(outside.length, 2, 'on no Planungsraum of LOR 2006 and of LOR 2021');
  t.ok(outside.every((e) => e.message.includes('bsn=X99')), outside[0]?.message ?? 'no error');
  t.match(errors.find((e) => e.row === 904), { code: 'unknown-code', message: /bsn=X98.*Zauberschule/ });
  t.match(errors.find((e) => e.row === 905), { code: 'duplicate-id', message: /bsn=01B01.*feature 1\b/ });
  t.equal(await db.selectFrom('facility').select('id').where('dataset', '=', 'schulen').execute().then((r) => r.length), 902, 'atomic: the points stay');
  const after = await db.selectFrom('ingest_batch').select(['id', 'status']).execute();
  t.same(after.filter((b) => !before.some((o) => o.id === b.id)).map((b) => b.status), ['rejected'], 'one rejected batch, nothing landed');

  const partial = await pushSchools(features, '&mode=partial');
  t.equal(partial.statusCode, 201, partial.body);
  t.match(partial.json(), { level: 'planungsraum', points: 905 });
  t.ok(partial.json().batches.every((b: { status: string }) => b.status === 'partial'));
  t.match(partial.json().batches[0].errors, [{ row: 903, code: 'outside-berlin', message: /X99/ }]);
  const stored = await db.selectFrom('facility').select('id').where('dataset', '=', 'schulen').execute();
  t.equal(stored.length, 902, 'the rejected features are not stored');
  t.notOk(stored.some((r) => r.id === 'X99' || r.id === 'X98'));
});

t.test('a dataset pushed whole replaces the points and revises the counts of both versions', async (t) => {
  const gone = files.schulen.doc.features[0]!;
  const units = await db.selectFrom('facility_lor_unit').select(['lor_version', 'unit_id']).where('dataset', '=', 'schulen').where('facility_id', '=', gone.properties.bsn!).execute();
  const count = async (version: string, unit: string) =>
    (await observations('schulen', `lorVersion=${version}&unit=${unit}&date=2023-12-31&breakdown=total`))[0]?.value;
  const before = await Promise.all(units.map((u) => count(u.lor_version, u.unit_id)));
  t.equal((await app.inject({ url: '/collections/schulen/items?limit=1' })).json().numberMatched, 902, 'served before the delivery');
  t.equal(units.length, 2, 'linked on both versions');
  const dry = await pushSchools(files.schulen.doc.features.slice(1), '&dryRun=true');
  t.equal(dry.statusCode, 200, dry.body);
  t.equal((await db.selectFrom('facility').select('id').where('dataset', '=', 'schulen').execute()).length, 902, 'a dry run stores no point');
  const res = await pushSchools(files.schulen.doc.features.slice(1));
  t.equal(res.statusCode, 201, res.body);
  t.equal((await db.selectFrom('facility').select('id').where('dataset', '=', 'schulen').execute()).length, 901);
  for (const [i, { lor_version, unit_id }] of units.entries()) {
    t.equal(await count(lor_version, unit_id), before[i]! - 1, `LOR ${lor_version} ${unit_id}: one school fewer`);
  }
  t.equal((await observations('schulen', 'lorVersion=2006&level=berlin&date=2023-12-31&breakdown=total'))[0]?.value, 901);
  const served = await app.inject({ url: '/collections/schulen/items?limit=1' });
  t.equal(served.json().numberMatched, 901, 'the OGC collection serves the new delivery');
  t.equal((await app.inject({ url: `/collections/schulen/items/${gone.properties.bsn}` })).statusCode, 404, 'the dropped school is gone');
  const forbidden = await pushSchools(files.schulen.doc.features, '', other);
  t.equal(forbidden.statusCode, 403, 'another agency may not deliver the schools');
});
