// Facilities against GDAL: the counts per Planungsraum of both LOR versions equal GDAL's own spatial join of the same
// bundled files (ogrinfo -dialect SQLite, ST_Within), and GDAL's OAPIF client lists and filters the facility collections.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { breakdownCode } from '../services/ingest/src/pipeline/facility-datasets.ts';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireExecutable } from './support/real-client.ts';

const run = promisify(execFile);
t.setTimeout(600_000);
// the independent count is the point of this file: without GDAL it fails, it does not skip
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');

const { app } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
// the URLs GDAL asks for (a second listener on the socket server: the app is ready, its hooks are closed)
const requested: string[] = [];
app.server.on('request', (request: { url?: string }) => requested.push(request.url ?? ''));
const oapif = `OAPIF:${base}`;
const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-gdal-fac-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

const gdal = async (args: string[]) =>
  (await run(ogrinfo, args, { timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CPL_DEBUG: 'OFF' } })).stdout;

/** the features ogrinfo prints for a SQL result, as field → text */
function records(out: string): Record<string, string | null>[] {
  return out
    .split(/^OGRFeature\(SELECT\):\d+$/m)
    .slice(1)
    .map((block) => Object.fromEntries([...block.matchAll(/^ {2}(\w+) \(\w+\) = (.*)$/gm)].map((m) => [m[1]!, m[2] === '(null)' ? null : m[2]!])));
}

const data = (file: string) => {
  const p = fileURLToPath(new URL(`../data/${file}`, import.meta.url));
  return file.endsWith('.gz') ? `/vsigzip/${p}` : p;
};
const files = {
  plr2006: data('lor/lor-2006-planungsraum.geojson'),
  plr2021: data('lor/lor-2021-planungsraum-epsg25833.geojson.gz'),
  kitas: data('facilities/kitas-2022-12.geojson.gz'),
  schulen: data('facilities/schulen.geojson'),
  jugendfreizeiteinrichtungen: data('facilities/jugendfreizeiteinrichtungen.geojson'),
};
// one VRT over the bundled files, so that one SQLite-dialect statement can join them
const layers: string[] = [];
for (const [name, file] of Object.entries(files)) {
  const src = /^1: (\S+)/m.exec(await gdal(['-ro', '-q', file]))?.[1];
  if (!src) throw new Error(`GDAL finds no layer in ${file}`);
  layers.push(`<OGRVRTLayer name="${name}"><SrcDataSource>${file}</SrcDataSource><SrcLayer>${src}</SrcLayer></OGRVRTLayer>`);
}
const vrt = path.join(workdir, 'facilities.vrt');
writeFileSync(vrt, `<OGRVRTDataSource>${layers.join('')}</OGRVRTDataSource>`);

/**
 * The Planungsraum of each point by GDAL. 2006: the file is EPSG:4326, so the points are transformed (once, in a
 * materialised CTE); its feature tagged 06010102 in Charlottenburg-Wilmersdorf (562454 m²) is really 04030417
 * (data/lor/SOURCES.md, known defect 1). 2021: the EPSG:25833 file, the points' own CRS.
 */
const joins = {
  '2006': (layer: string, columns: string) => `WITH pts AS MATERIALIZED (SELECT ${columns}, ST_Transform(geometry, 4326) AS g FROM ${layer})
    SELECT CASE WHEN p.id = '06010102' AND p.area > 500000 THEN '04030417' ELSE p.id END AS unit, f.*
    FROM plr2006 p LEFT JOIN pts f ON MbrWithin(f.g, p.geometry) AND ST_Within(f.g, p.geometry)`,
  '2021': (layer: string, columns: string) => `WITH pts AS MATERIALIZED (SELECT ${columns}, geometry AS g FROM ${layer})
    SELECT p.PLR_ID AS unit, f.*
    FROM plr2021 p LEFT JOIN pts f ON MbrWithin(f.g, p.geometry) AND ST_Within(f.g, p.geometry)`,
};

async function gdalCounts(version: '2006' | '2021', layer: string, id: string, sum?: string): Promise<Map<string, number>> {
  const columns = sum ? `${id} AS fid, CAST(${sum} AS INTEGER) AS v` : `${id} AS fid, 1 AS v`;
  const out = await gdal(['-ro', '-q', '-dialect', 'SQLite', '-sql', `SELECT unit, coalesce(sum(v), 0) AS n FROM (${joins[version](layer, columns)}) GROUP BY unit`, vrt]);
  return new Map(records(out).map((r) => [r.unit!, Number(r.n)]));
}

async function served(variable: string, version: string, date: string, breakdown = 'total'): Promise<Map<string, number>> {
  const res = await app.inject({ url: `/v1/variables/${variable}/observations?lorVersion=${version}&level=planungsraum&date=${date}&breakdown=${breakdown}` });
  if (res.statusCode !== 200) throw new Error(res.body);
  return new Map(res.json().observations.map((o: { unit: string; value: number }) => [o.unit, o.value]));
}

const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

for (const version of ['2006', '2021'] as const) {
  t.test(`LOR ${version}: counts and places per Planungsraum equal GDAL's ST_Within count over the bundled files`, async (t) => {
    const cases: Array<[string, string, string, string, string?]> = [
      ['kitas', 'kitas', 'e_nr', '2022-12-31'],
      ['kita_plaetze', 'kitas', 'e_nr', '2022-12-31', 'e_platz'],
      ['schulen', 'schulen', 'bsn', '2023-12-31'],
      ['jugendfreizeiteinrichtungen', 'jugendfreizeiteinrichtungen', 'e_nr', '2022-12-31'],
    ];
    for (const [variable, layer, id, date, sum] of cases) {
      const expected = await gdalCounts(version, layer, id, sum);
      t.equal(expected.size, version === '2006' ? 448 : 542, `${variable}: GDAL sees every Planungsraum`);
      t.ok([...expected.values()].some((n) => n > 0));
      t.same(sorted(await served(variable, version, date)), sorted(expected), `${variable}: every Planungsraum of LOR ${version}`);
    }
  });

  t.test(`LOR ${version}: schools per schulart and Planungsraum equal GDAL's count`, async (t) => {
    const out = await gdal(['-ro', '-q', '-dialect', 'SQLite', '-sql', `SELECT unit, schulart, count(*) AS n FROM (${joins[version]('schulen', 'bsn, schulart')}) WHERE bsn IS NOT NULL GROUP BY unit, schulart`, vrt]);
    const expected = new Map<string, Map<string, number>>();
    for (const r of records(out)) {
      const code = breakdownCode(r.schulart!);
      if (!expected.has(code)) expected.set(code, new Map());
      expected.get(code)!.set(r.unit!, Number(r.n));
    }
    t.ok(expected.size >= 15, `${expected.size} school types`);
    for (const [code, units] of expected) {
      const api = await served('schulen', version, '2023-12-31', encodeURIComponent(`schulart=${code}`));
      t.same(sorted(new Map([...api].filter(([, n]) => n > 0))), sorted(units), `schulart ${code}`);
    }
  });
}

t.test('GDAL lists the facility collections with the feature counts of the files', async (t) => {
  const out = await gdal(['-ro', '-so', oapif]);
  const listed = [...out.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1]);
  for (const id of ['kitas', 'schulen', 'jugendfreizeiteinrichtungen'] as const) {
    t.ok(listed.includes(id), `${id} is listed`);
    const inFile = Number(/Feature Count: (\d+)/.exec(await gdal(['-ro', '-so', '-al', files[id]]))?.[1]);
    const summary = await gdal(['-ro', '-so', oapif, id]);
    t.equal(Number(/Feature Count: (\d+)/.exec(summary)?.[1]), inFile, `${id}: ${inFile} features`);
    t.match(summary, /Geometry: Point/);
  }
});

t.test("CQL2 schulart='Grundschule' selects the file's Grundschulen, over HTTP and through GDAL", async (t) => {
  const out = await gdal(['-ro', '-q', '-dialect', 'SQLite', '-sql', "SELECT count(*) AS n FROM schulen WHERE schulart = 'Grundschule'", vrt]);
  const expected = Number(records(out)[0]?.n);
  t.ok(expected > 100, `${expected} Grundschulen in the file`);
  const res = await app.inject({ url: `/collections/schulen/items?limit=1&filter=${encodeURIComponent("schulart='Grundschule'")}` });
  t.equal(res.json().numberMatched, expected, 'HTTP filter');
  // GDAL 3.6's OAPIF driver sends no CQL2 (only the pre-standard cql-text draft): it evaluates -where itself
  const summary = await gdal(['-ro', '-al', '-q', oapif, 'schulen', '-where', "schulart = 'Grundschule'"]);
  t.equal([...summary.matchAll(/^OGRFeature\(schulen\):/gm)].length, expected, 'GDAL -where over the collection');
  // the server-side filter read by GDAL's GeoJSON driver: the filtered page is what GDAL counts
  requested.length = 0;
  const url = `${base}/collections/schulen/items?limit=10000&filter=${encodeURIComponent("schulart='Grundschule'")}`;
  const filtered = await gdal(['-ro', '-al', '-q', url]);
  const kinds = [...filtered.matchAll(/^ {2}schulart \(String\) = (.*)$/gm)].map((m) => m[1]);
  t.equal(kinds.length, expected, 'GDAL reads the CQL2-filtered items');
  t.ok(kinds.every((k) => k === 'Grundschule'));
  t.ok(requested.some((u) => /\/collections\/schulen\/items\?.*filter=/.test(u)), 'the filter reached the server');
});
