// LOR import: the bundled set on bootstrap, Berlin's official 2021 format, and files rejected whole.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from '@datenpool/db';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { geometryService } from '../src/index.ts';
import { bootstrapLor, bundledLorFiles, bundledLorFolder } from '../src/import/bootstrap.ts';
import { checkAreaTotals, checkStatedArea, correctNames } from '../src/import/bundle-checks.ts';
import { importLorFile, LorImportRejected } from '../src/import/import-lor.ts';

const database = await testDatabase(t);
const db = database.db;
const fixture = path.join(import.meta.dirname, 'fixtures', 'lor-2021-plr-official-sample.geojson');
const noop = () => {};
const silent = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop, level: 'silent' } as unknown as FastifyBaseLogger;
const context = { config: serviceConfigFromEnv({}), database };

const lor = async (...args: string[]) => geometryService.commands!.lor!(args, context, silent);

function tempFile(name: string, content: unknown): string {
  const file = path.join(tmpdir(), `${process.pid}-${name}`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const official = JSON.parse(readFileSync(fixture, 'utf8'));

async function unitState(version: string) {
  const { rows } = await sql<{ level: string; id: string; name: string; has_geom: boolean; updated_at: Date }>`
    SELECT level, id, name, geom IS NOT NULL AS has_geom, updated_at FROM lor_unit WHERE version = ${version}
    ORDER BY level, id`.execute(db);
  return rows;
}

/** id → name of a bundled file, read here without the importer: GeoJSON (plain or gzipped) or the units CSV */
function namesOf(file: string, level: string): Map<string, string> {
  const bytes = readFileSync(bundledLorFolder + file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  if (file.endsWith('.csv')) {
    const rows = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map((c) => c.trim()));
    const [idCol, nameCol] = level === 'planungsraum' ? [1, 2] : [3, 4];
    return new Map(rows.map((r) => [r[idCol]!, r[nameCol]!]));
  }
  const prefix = level === 'planungsraum' ? 'PLR' : 'BZR';
  const features = JSON.parse(text).features as Array<{ properties: Record<string, string> }>;
  return new Map(features.map((f) => [f.properties.id ?? f.properties[`${prefix}_ID`]!, f.properties.name ?? f.properties[`${prefix}_NAME`]!]));
}

t.test('bootstrap loaded every bundled unit with the ids of the source files and their (corrected) names', async (t) => {
  for (const entry of bundledLorFiles) {
    const fromFile = namesOf(entry.file, entry.level);
    const expected = entry.names ? namesOf(entry.names, entry.level) : fromFile;
    t.same([...fromFile.keys()].sort(), [...expected.keys()].sort(), `${entry.file}: the ids of its name list`);
    const { rows } = await sql<{ id: string; name: string; has_geom: boolean }>`SELECT id, name, geom IS NOT NULL AS has_geom
      FROM lor_unit WHERE version = ${entry.version} AND level = ${entry.level}`.execute(db);
    t.equal(rows.length, expected.size, `${entry.version} ${entry.level}: ${expected.size} units`);
    t.equal(rows.length, entry.units, `${entry.version} ${entry.level}: as many as SOURCES.md counts`);
    t.ok(rows.every((r) => expected.get(r.id) === r.name), `${entry.version} ${entry.level}: ids and names as in ${entry.names ?? entry.file}`);
    t.ok(rows.every((r) => r.has_geom), 'every unit with its geometry');
  }
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit
    WHERE version = '2006' AND level = 'planungsraum'`.execute(db);
  t.equal(rows[0]?.n, 448, '2006 in its final state: 448 Planungsräume');
});

t.test('the 2021 names are those corrected after 01.01.2021 (SOURCES.md defect 3), trimmed', async (t) => {
  const { rows } = await sql<{ id: string; name: string }>`SELECT id, name FROM lor_unit WHERE version = '2021'
    AND id IN ('12500926', '12500930', '04300414', '042002') ORDER BY id`.execute(db);
  const official = namesOf('lor-2021-planungsraum-epsg25833.geojson.gz', 'planungsraum');
  t.equal(official.get('12500926'), 'Wittenau Süd', 'the geometry file has the two names swapped');
  t.same(rows, [
    { id: '042002', name: 'Heerstraße' },
    { id: '04300414', name: 'Schloßstraße (Charlottenburg)' },
    { id: '12500926', name: 'Wittenau Mitte' },
    { id: '12500930', name: 'Wittenau Süd' },
  ]);
});

t.test('each 2021 level tiles the same area, the sum of the stated GROESSE_M2 within the UTM scale factor', async (t) => {
  const { rows } = await sql<{ level: string; area: number }>`SELECT level, sum(ST_Area(geom)) AS area FROM lor_unit
    WHERE version = '2021' AND level IN ('prognoseraum', 'bezirksregion', 'planungsraum') GROUP BY level`.execute(db);
  t.equal(rows.length, 3);
  for (const r of rows) t.ok(Math.abs(r.area / 1e6 - 890.665) < 0.001, `${r.level}: ${r.area / 1e6} km²`);
  const stated = JSON.parse(gunzipSync(readFileSync(`${bundledLorFolder}lor-2021-planungsraum-epsg25833.geojson.gz`)).toString('utf8'))
    .features.reduce((sum: number, f: { properties: { GROESSE_M2: number } }) => sum + f.properties.GROESSE_M2, 0);
  const plr = rows.find((r) => r.level === 'planungsraum')!.area;
  t.ok(stated > plr && (stated - plr) / stated < 0.001, 'the planar area is a little smaller than the ellipsoidal');
});

t.test('a bundled file that breaks a check stops the start naming the file', async (t) => {
  const empty = await testDatabase(t, { empty: true });
  const entry = bundledLorFiles.find((e) => e.level === 'planungsraum' && e.version === '2021')!;
  const original = entry.units;
  entry.units = 541;
  t.teardown(() => {
    entry.units = original;
  });
  await t.rejects(bootstrapLor(empty.db, silent), { name: 'LorImportRejected', message: /lor-2021-planungsraum-epsg25833\.geojson\.gz rejected[\s\S]*542 planungsraum units, expected 541/ });
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit`.execute(empty.db);
  t.equal(rows[0]?.n, 0, 'nothing kept');
});

t.test('the bundle checks: name corrections, id sets and area totals', async (t) => {
  const file = { srid: 25833, problems: [], features: [
    { index: 1, id: '12500926', name: 'Wittenau Süd', parentId: '125009', area: 1, geometry: null },
    { index: 2, id: '12500930', name: 'Wittenau Mitte', parentId: '125009', area: 1, geometry: null },
  ] };
  const reference = { srid: 25833, problems: [], features: [
    { index: 1, id: '12500926', name: 'Wittenau Mitte', parentId: '125009', area: 1, geometry: null },
    { index: 2, id: '12500931', name: 'Anderswo', parentId: '125009', area: 1, geometry: null },
  ] };
  const result = correctNames(file, reference, 'list.csv');
  t.same(result.corrections, [{ id: '12500926', from: 'Wittenau Süd', to: 'Wittenau Mitte' }]);
  t.same(result.problems.map((p) => p.feature).sort(), ['12500930', '12500931'], 'ids on one side only');
  t.same(checkAreaTotals([{ level: 'bezirk', area_m2: 100 }, { level: 'planungsraum', area_m2: 100.001 }], ['bezirk', 'planungsraum']), []);
  t.match(checkAreaTotals([{ level: 'bezirk', area_m2: 100 }, { level: 'planungsraum', area_m2: 99 }], ['bezirk', 'planungsraum']), [{ code: 'area', message: /bezirk covers/ }]);
  t.match(checkStatedArea(100, 90), [{ code: 'area' }]);
  t.same(checkStatedArea(100, 99.95), []);
});

t.test('every unit below Berlin names its parent, which exists in the same version', async (t) => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit c WHERE c.level <> 'berlin'
    AND NOT EXISTS (SELECT 1 FROM lor_unit p WHERE p.version = c.version AND p.id = c.parent_id)`.execute(db);
  t.equal(rows[0]?.n, 0);
});

t.test('a file in the official 2021 format (EPSG:25833, PLR_ID, PLR_NAME) gives Planungsräume their geometry', async (t) => {
  t.equal(await lor('import', fixture, '--version', '2021', '--level', 'planungsraum'), 0);
  const { rows } = await sql<{ id: string; area: number; expected: number; name: string }>`SELECT u.id, u.area_m2 AS area,
      ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 25833)) AS expected, u.name
    FROM jsonb_array_elements(${JSON.stringify(official.features)}::jsonb) f
    JOIN lor_unit u ON u.version = '2021' AND u.level = 'planungsraum' AND u.id = f->'properties'->>'PLR_ID'`.execute(db);
  t.equal(rows.length, official.features.length);
  for (const row of rows) t.ok(Math.abs(row.area - row.expected) < 1, `${row.id} area from its geometry`);
  const state = await unitState('2021');
  t.equal(state.filter((u) => u.level === 'planungsraum').length, 542, 'the other Planungsräume stay');
});

t.test('a file with one bad feature is rejected whole and names the feature; nothing changes', async (t) => {
  const before = await unitState('2021');
  const bad = structuredClone(official);
  bad.features[0].properties.PLR_NAME = 'Renamed';
  bad.features[1].properties.PLR_ID = '0110010X';
  const file = tempFile('bad-id.geojson', bad);
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  const code = await lor('import', file, '--version', '2021', '--level', 'planungsraum');
  console.error = original;
  t.equal(code, 1, 'exit code 1');
  t.match(errors.join('\n'), /0110010X: \[id\]/, 'the report names the feature');
  t.same(await unitState('2021'), before, 'not one unit changed');
});

t.test('duplicates, missing parents and units outside their ancestor are rejected', async (t) => {
  const duplicate = structuredClone(official);
  duplicate.features[1].properties.PLR_ID = duplicate.features[0].properties.PLR_ID;
  duplicate.features[1].properties.BZR_ID = '011001';
  t.match(await problemsOf(importFile('dup.geojson', duplicate)), [{ feature: official.features[0].properties.PLR_ID, code: 'duplicate' }]);
  const orphan = structuredClone(official);
  orphan.features = [orphan.features[0]];
  orphan.features[0].properties.PLR_ID = '01999901';
  orphan.features[0].properties.BZR_ID = '019999';
  t.match(await problemsOf(importFile('orphan.geojson', orphan)), [{ feature: '01999901', code: 'hierarchy' }]);
  // a real Planungsraum of Reinickendorf given Tiergarten's geometry lies outside its Prognoseraum
  const { rows } = await sql<{ id: string; parent_id: string }>`SELECT id, parent_id FROM lor_unit
    WHERE version = '2021' AND level = 'planungsraum' AND id LIKE '12%' ORDER BY id LIMIT 1`.execute(db);
  const moved = structuredClone(official);
  moved.features = [moved.features[0]];
  moved.features[0].properties.PLR_ID = rows[0]!.id;
  moved.features[0].properties.BZR_ID = rows[0]!.parent_id;
  t.match(await problemsOf(importFile('moved.geojson', moved)), [{ feature: rows[0]!.id, code: 'hierarchy' }]);
});

t.test('structurally broken GeoJSON is rejected with the geojson-validation message', async (t) => {
  const broken = structuredClone(official);
  broken.features[0].geometry = { type: 'MultiPolygon', coordinates: [[[[1, 2], [3]]]] };
  t.match(await problemsOf(importFile('broken.geojson', broken)), [{ feature: '01100101', code: 'geojson' }]);
  t.match(await problemsOf(importFile('not-json.geojson', '{"type": "Feat')), [{ code: 'json' }]);
});

t.test('an invalid (self-intersecting) geometry is repaired with ST_MakeValid and reported', async (t) => {
  const bowtie = structuredClone(official);
  bowtie.features = [bowtie.features[0]];
  bowtie.features[0].geometry = {
    type: 'Polygon',
    coordinates: [[[387300, 5818650], [387500, 5818750], [387500, 5818650], [387300, 5818750], [387300, 5818650]]],
  };
  const report = await importLorFile(db, tempFile('bowtie.geojson', bowtie), '2021', 'planungsraum');
  t.equal(report.repaired.length, 1);
  t.match(report.repaired[0], { id: '01100101', reason: /Self-intersection/ });
  const { rows } = await sql<{ valid: boolean; type: string }>`SELECT ST_IsValid(geom) AS valid, GeometryType(geom) AS type
    FROM lor_unit WHERE version = '2021' AND level = 'planungsraum' AND id = '01100101'`.execute(db);
  t.same(rows[0], { valid: true, type: 'MULTIPOLYGON' });
});

t.test('the command prints usage and exits 2 without version or level', async (t) => {
  const original = console.error;
  console.error = () => {};
  t.equal(await lor('import', fixture), 2);
  t.equal(await lor('import', fixture, '--version', '2021', '--level', 'kiez'), 2);
  console.error = original;
});

/** the problems of a rejected import; fails the test where the import went through */
async function problemsOf(attempt: Promise<unknown>): Promise<unknown[]> {
  try {
    await attempt;
  } catch (err) {
    if (err instanceof LorImportRejected) return err.problems;
    throw err;
  }
  throw new Error('the import was expected to be rejected');
}

async function importFile(name: string, content: unknown) {
  return importLorFile(db, tempFile(name, content), '2021', 'planungsraum');
}
