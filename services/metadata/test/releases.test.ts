// Release bundles: the zip of the current data (LOR GeoPackages, indicator values, metadata, manifest), its checksums
// checked by Python's zipfile and hashlib, GDAL reading a GeoPackage from it, the same bytes from a second app, a new
// release when the data changes, and the DCAT catalogue listing the downloads with checksum and size.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { formulaIndicators, formulaVariables, type IndicatorFormula, lorLevels } from '@datenpool/contracts';
import { sql } from '@datenpool/db';
import jsonld from 'jsonld';
import { Parser } from 'n3';
import t from 'tap';
import { downloadsApp } from '../../../packages/ogc/test/downloads-app.ts';
import { testGateway } from '../../../test/support/app.ts';
import { PYTHON, requireExecutable } from '../../../test/support/real-client.ts';
import { metadataService } from '../src/plugin.ts';
import { releasesExtension } from '../src/routes/releases.ts';

const run = promisify(execFile);
t.setTimeout(600_000);
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');
requireExecutable(t, [PYTHON], 'python3');

const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const SPDX = 'http://spdx.org/rdf/terms#';

// the gateway as deployed (the features plugin mounts the release routes); a second app below builds the same release
const { app, database } = await testGateway(t);
const db = database.db;
const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-releases-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** the public indicators, from the tables: no input variable (through other indicators too) is restricted */
async function publicIndicators(): Promise<string[]> {
  const variables = (await sql<{ id: string; access: string }>`select id, access from variable`.execute(db)).rows;
  const indicators = (await sql<{ id: string; formula: IndicatorFormula }>`select id, formula from indicator where status = 'active'`.execute(db)).rows;
  const restricted = new Set(variables.filter((v) => v.access === 'restricted').map((v) => v.id));
  const formulas = new Map(indicators.map((i) => [i.id, i.formula]));
  const readsRestricted = (id: string, seen = new Set<string>()): boolean => {
    if (seen.has(id) || !formulas.has(id)) return false;
    seen.add(id);
    const f = formulas.get(id) as IndicatorFormula;
    return formulaVariables(f).some((v) => restricted.has(v)) || formulaIndicators(f).some((i) => readsRestricted(i, seen));
  };
  return indicators.filter((i) => !readsRestricted(i.id)).map((i) => i.id).sort();
}

/** Python's zipfile and hashlib: every member with its size and SHA-256, the manifest, and the CSV's rows */
const inspectScript = `
import csv, hashlib, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
members = {i.filename: {'bytes': i.file_size, 'sha256': hashlib.sha256(z.read(i.filename)).hexdigest()} for i in z.infolist()}
manifest = json.loads(z.read('manifest.json'))
rows = list(csv.DictReader(io.StringIO(z.read('indicators/values.csv').decode('utf-8'))))
z.extract('lor/lor-2021-planungsraum.gpkg', sys.argv[2])
print(json.dumps({'order': [i.filename for i in z.infolist()], 'members': members, 'manifest': manifest, 'rows': len(rows),
  'indicators': sorted(set(r['indicator'] for r in rows)),
  'suppressedWithValue': sum(1 for r in rows if r['status'] == 'suppressed' and (r['value'] or r['numerator'] or r['denominator']))}))
`;

let current = '';
let zip: Buffer = Buffer.alloc(0);

t.test('the current release is listed and downloads as a zip whose ETag is its SHA-256', async (t) => {
  const list = await app.inject({ url: '/v1/releases', headers: { host: 'daten.example' } });
  t.equal(list.statusCode, 200);
  current = list.json().current;
  t.match(current, /^\d{4}-\d{2}-\d{2}-[0-9a-f]{12}$/, 'date of the newest change and a hash of the state');
  t.same(list.json().releases[0], { id: current, current: true, href: `http://daten.example/v1/releases/${current}` });

  const res = await app.inject({ url: `/v1/releases/${current}` });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/zip');
  t.equal(res.headers['content-disposition'], `attachment; filename="datenpool-berlin-${current}.zip"`);
  zip = res.rawPayload;
  t.equal(res.headers.etag, `"sha256-${sha256(zip)}"`, 'ETag = SHA-256 of the bytes sent');
  const again = await app.inject({ url: `/v1/releases/${current}`, headers: { 'if-none-match': String(res.headers.etag) } });
  t.equal(again.statusCode, 304, 'a conditional request is answered without the body');
  const latest = await app.inject({ url: '/v1/releases/latest' });
  t.equal(latest.statusCode, 200);
  t.equal(latest.headers.etag, res.headers.etag, '`latest` is the current release, byte for byte');
});

t.test('the manifest lists every member with the SHA-256 and size Python computes; LOR, values and metadata are all in', async (t) => {
  const file = path.join(workdir, 'release.zip');
  writeFileSync(file, zip);
  const out = JSON.parse((await run(PYTHON, ['-c', inspectScript, file, workdir], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })).stdout);
  const versions = (await sql<{ version: string }>`select version from lor_version order by version`.execute(db)).rows.map((r) => r.version);
  const lor = versions.flatMap((v) => lorLevels.map((l) => `lor/lor-${v}-${l}.gpkg`)).sort();
  t.same(out.order, ['manifest.json', ...lor, 'indicators/values.csv', 'metadata/indicators.json', 'metadata/variables.json']);
  t.equal(out.manifest.release, current);
  t.equal(out.manifest.members.length, out.order.length - 1, 'every member but the manifest itself');
  for (const m of out.manifest.members) {
    t.same({ bytes: m.bytes, sha256: m.sha256 }, out.members[m.path], `${m.path}: size and SHA-256 match`);
  }
  const published = await publicIndicators();
  t.same(out.indicators, (await sql<{ id: string }>`select distinct indicator_id as id from indicator_value where indicator_id in (${sql.join(published)}) order by 1`.execute(db)).rows.map((r) => r.id), 'the public indicators with values');
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from indicator_value where indicator_id in (${sql.join(published)})`.execute(db);
  t.equal(out.rows, rows[0]?.n, 'every value of the public indicators');
  t.equal(out.suppressedWithValue, 0, 'suppressed rows carry no value, numerator or denominator');

  const summary = (await run(ogrinfo, ['-ro', '-so', path.join(workdir, 'lor/lor-2021-planungsraum.gpkg'), 'lor-2021-planungsraum'])).stdout;
  const units = (await sql<{ n: number }>`select count(*)::int as n from lor_unit where version = '2021' and level = 'planungsraum'`.execute(db)).rows[0]?.n;
  t.equal(Number(/Feature Count: (\d+)/.exec(summary)?.[1]), units, 'GDAL reads the GeoPackage in the bundle');
});

t.test('the same data gives the same bytes: a second app builds the same zip', async (t) => {
  const { app: second } = await downloadsApp(t, { extensions: [releasesExtension()], routes: metadataService.routes, database });
  const res = await second.inject({ url: `/v1/releases/${current}` });
  t.equal(res.statusCode, 200);
  t.equal(sha256(res.rawPayload), sha256(zip), 'identical checksum');
  t.ok(res.rawPayload.equals(zip), 'identical bytes');
});

type Node = Record<string, Array<{ '@id'?: string; '@value'?: string }>> & { '@id': string; '@type'?: string[] };

t.test('DCAT lists the release zip with SHA-256 and size, and each LOR collection as GeoPackage and CSV', async (t) => {
  const body = (await app.inject({ url: '/v1/catalog.jsonld', headers: { host: 'daten.example' } })).json();
  const graph = (await jsonld.flatten(body)) as unknown as Node[];
  const byId = new Map(graph.map((n) => [n['@id'], n]));
  const distributionsOf = (id: string) => (byId.get(id)?.[`${DCAT}distribution`] ?? []).map((d) => byId.get(d['@id'] as string) as Node);
  const catalog = graph.find((n) => n['@type']?.includes(`${DCAT}Catalog`));
  t.ok(catalog?.[`${DCAT}dataset`]?.some((d) => d['@id'] === 'http://daten.example/v1/releases'), 'the catalogue lists the release series');

  const release = distributionsOf('http://daten.example/v1/releases');
  t.equal(release.length, 1);
  const zipDistribution = release[0] as Node;
  t.equal(zipDistribution[`${DCAT}downloadURL`]?.[0]?.['@id'], `http://daten.example/v1/releases/${current}`);
  t.equal(zipDistribution[`${DCAT}mediaType`]?.[0]?.['@id'], 'https://www.iana.org/assignments/media-types/application/zip');
  t.equal(zipDistribution[`${DCT}format`]?.[0]?.['@id'], 'http://publications.europa.eu/resource/authority/file-type/ZIP');
  t.equal(zipDistribution[`${DCT}license`]?.[0]?.['@id'], 'http://dcat-ap.de/def/licenses/dl-by-de/2.0');
  t.equal(zipDistribution[`${DCAT}byteSize`]?.[0]?.['@value'], String(zip.length), 'the size of the zip');
  const checksum = byId.get(zipDistribution[`${SPDX}checksum`]?.[0]?.['@id'] as string);
  t.equal(checksum?.[`${SPDX}algorithm`]?.[0]?.['@id'], `${SPDX}checksumAlgorithm_sha256`);
  t.equal(checksum?.[`${SPDX}checksumValue`]?.[0]?.['@value'], sha256(zip), 'the SHA-256 of the zip');

  const versions = (await sql<{ version: string }>`select version from lor_version order by version`.execute(db)).rows.map((r) => r.version);
  const lor = distributionsOf('http://daten.example/v1/catalog/lor');
  const urls = lor.map((d) => d[`${DCAT}downloadURL`]?.[0]?.['@id']).sort();
  const expected = versions.flatMap((v) => lorLevels.flatMap((l) => ['gpkg', 'csv'].map((f) => `http://daten.example/collections/lor-${v}-${l}/items?f=${f}`))).sort();
  t.same(urls, expected, 'GeoPackage and CSV of every LOR collection');
  for (const d of lor) {
    t.ok(d[`${DCT}format`]?.[0]?.['@id']?.match(/file-type\/(GPKG|CSV)$/), 'format');
    t.ok(d[`${DCAT}mediaType`]?.[0]?.['@id']?.match(/(application\/geopackage\+sqlite3|text\/csv)$/), 'media type');
  }
  // the listed download works
  const sample = (expected.find((u) => u.endsWith('lor-2021-bezirk/items?f=gpkg')) as string).replace('http://daten.example', '');
  const download = await app.inject({ url: sample });
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/geopackage+sqlite3');

  const turtle = (await app.inject({ url: '/v1/catalog.ttl' })).body;
  const quads = new Parser({ format: 'text/turtle' }).parse(turtle);
  t.ok(quads.some((q) => q.predicate.value === `${SPDX}checksumValue` && q.object.value === sha256(zip)), 'the Turtle carries the checksum');
});

t.test('a change of the data is a new release; the old one is listed with its checksum and is a 404 naming the current', async (t) => {
  await sql`update variable set updated_at = now() where id = 'einwohner'`.execute(db);
  const list = (await app.inject({ url: '/v1/releases' })).json();
  t.not(list.current, current, 'a new release id');
  const old = list.releases.find((r: { id: string }) => r.id === current);
  t.same({ current: old.current, sha256: old.sha256, byteSize: old.byteSize }, { current: false, sha256: sha256(zip), byteSize: zip.length });
  t.notOk(old.href, 'an earlier release cannot be downloaded');
  const gone = await app.inject({ url: `/v1/releases/${current}` });
  t.equal(gone.statusCode, 404);
  t.match(gone.json().detail, list.current);
  t.equal((await app.inject({ url: '/v1/releases/nosuch' })).statusCode, 404);
});

t.test('a value withheld after the bundle was built stays withheld in the next one: the bundle reads the published view', async (t) => {
  const published = await publicIndicators();
  // a value of a public indicator with numerator and denominator, suppressed in the table (the value kept there)
  const { rows } = await sql<{ indicator_id: string; lor_version: string; level: string; unit_id: string; date: string; breakdown: string; value: number }>`
    update indicator_value v set status = 'suppressed', suppression = 'disclosure'
    from (select indicator_id, lor_version, level, unit_id, ref_date, breakdown from indicator_value
          where indicator_id in (${sql.join(published)}) and status = 'ok' and value is not null and numerator is not null
            and denominator is not null and level = 'planungsraum'
          order by indicator_id, unit_id, ref_date limit 1) k
    where v.indicator_id = k.indicator_id and v.lor_version = k.lor_version and v.level = k.level and v.unit_id = k.unit_id
      and v.ref_date = k.ref_date and v.breakdown = k.breakdown
    returning v.indicator_id, v.lor_version, v.level, v.unit_id, to_char(v.ref_date, 'YYYY-MM-DD') as date, v.breakdown, v.value`.execute(db);
  const key = rows[0];
  t.ok(key, 'a value to withhold');
  if (!key) return;
  t.ok(key.value !== null, 'the table keeps the value');
  // a catalogue change: a new release, built from the data as it is now
  await sql`update indicator set updated_at = now() where id = ${key.indicator_id}`.execute(db);
  const res = await app.inject({ url: '/v1/releases/latest' });
  t.equal(res.statusCode, 200);
  const file = path.join(workdir, 'withheld.zip');
  writeFileSync(file, res.rawPayload);
  const script = `
import csv, io, json, sys, zipfile
k = json.loads(sys.argv[2])
rows = csv.DictReader(io.StringIO(zipfile.ZipFile(sys.argv[1]).read('indicators/values.csv').decode('utf-8')))
print(json.dumps([r for r in rows if (r['indicator'], r['lor_version'], r['level'], r['unit'], r['date'], r['breakdown']) ==
  (k['indicator_id'], k['lor_version'], k['level'], k['unit_id'], k['date'], k['breakdown'])]))
`;
  const found = JSON.parse((await run(PYTHON, ['-c', script, file, JSON.stringify(key)], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })).stdout);
  t.equal(found.length, 1, 'the withheld value has its row in the bundle');
  t.same(
    { status: found[0]?.status, value: found[0]?.value, numerator: found[0]?.numerator, denominator: found[0]?.denominator },
    { status: 'suppressed', value: '', numerator: '', denominator: '' },
    'its value, numerator and denominator are withheld',
  );
});
