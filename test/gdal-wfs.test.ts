// GDAL's WFS client (WFS driver, WFS 2.0) against the gateway's /wfs: the layers, their feature counts, a bbox, every
// feature of a layer, in GML 3.2 and in GeoJSON, each compared with what OGC API Features items gives.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireExecutable } from './support/real-client.ts';

const run = promisify(execFile);
t.setTimeout(900_000);
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');

// GDAL runs in child processes while this process serves: the calls must stay asynchronous
const { app } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
const wfs = `WFS:${base}/wfs`;
// GDAL keeps the connection URL's own parameters on every GetFeature: OUTPUTFORMAT asks for GeoJSON features
const wfsJson = `WFS:${base}/wfs?OUTPUTFORMAT=application/json`;

const gdal = async (args: string[]) =>
  (await run(ogrinfo, args, { timeout: 300_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, CPL_DEBUG: 'OFF', GDAL_HTTP_TIMEOUT: '120' } })).stdout;
const featureCount = (out: string) => Number(/Feature Count: (\d+)/.exec(out)?.[1]);

interface Items {
  numberMatched: number;
  features: Array<{ id: string; properties: Record<string, unknown> }>;
}
const items = async (id: string, query = ''): Promise<Items> => (await app.inject({ url: `/collections/${id}/items?f=json&limit=10000${query}` })).json();

/**
 * what identifies each feature of an ogrinfo listing: GDAL's gml_id (`{collection}.{id}`) where it reads GML; its GeoJSON
 * reader keeps no string id, so there each feature's name and area (unique among the units) stand for it
 */
function listed(out: string, collection: string, format: string): string[] {
  if (format === 'GML 3.2') return [...out.matchAll(/^\s+gml_id \(String\) = (\S+)$/gm)].map((m) => (m[1] as string).replace(`${collection}.`, ''));
  const names = [...out.matchAll(/^\s+name \(String\) = (.*)$/gm)].map((m) => m[1]);
  const areas = [...out.matchAll(/^\s+area_m2 \(Real\) = (.*)$/gm)].map((m) => Number(m[1]).toFixed(2));
  return names.map((n, i) => `${n}|${areas[i]}`);
}

/** the same identification of items' features */
const identified = (features: Items['features'], format: string) =>
  features.map((f) => (format === 'GML 3.2' ? f.id : `${f.properties.name}|${Number(f.properties.area_m2).toFixed(2)}`)).sort();

const collections: string[] = (await app.inject({ url: '/collections?f=json' })).json().collections.map((c: { id: string }) => c.id);

t.test('ogrinfo lists every collection of /collections as a WFS layer, with its title', async (t) => {
  const out = await gdal(['-ro', wfs]);
  const layers = [...out.matchAll(/^\d+: datenpool:(\S+) \(title: /gm)].map((m) => m[1]);
  t.same(layers, collections, 'one layer per collection, in the order of /collections');
  t.ok(collections.length > 13, `${collections.length} collections: LOR, facilities and indicator layers`);
  t.match(out, /datenpool:lor-2021-planungsraum \(title: Planungsräume \(LOR 2021\)\) \(Multi Surface\)/);
  t.match(out, /datenpool:kitas \(title: [^)]+\) \(Point\)/);
});

t.test('ogrinfo -so gives each layer the feature count items gives as numberMatched', async (t) => {
  const sample = [...collections.filter((c) => c.startsWith('lor-')), ...collections.filter((c) => !c.startsWith('lor-') && !c.startsWith('indicator-')), collections.find((c) => c.startsWith('indicator-')) as string];
  for (const id of sample) {
    const matched = (await app.inject({ url: `/collections/${id}/items?f=json&limit=1` })).json().numberMatched;
    const out = await gdal(['-ro', '-so', wfs, `datenpool:${id}`]);
    t.equal(featureCount(out), matched, `${id}: ${matched}`);
  }
  const planungsraum = await gdal(['-ro', '-so', wfs, 'datenpool:lor-2021-planungsraum']);
  t.equal(featureCount(planungsraum), 542, 'the 542 Planungsräume of 2021');
  t.match(planungsraum, /ETRS89 \/ UTM zone 33N/, 'in the DefaultCRS EPSG:25833');
});

// a box around Mitte in EPSG:25833 (the layers' CRS, which -spat is given in)
const box = [388000, 5817000, 394000, 5823000];

for (const [format, source] of [['GML 3.2', wfs], ['GeoJSON', wfsJson]] as const) {
  t.test(`${format}: -spat gives the features items gives for the same bbox, every one with its properties`, async (t) => {
    const id = 'lor-2021-planungsraum';
    const expected = await items(id, `&bbox=${box.join(',')}&bbox-crs=EPSG:25833`);
    t.ok(expected.numberMatched > 10 && expected.numberMatched < 542, `items: ${expected.numberMatched} of 542 in the box`);
    const summary = await gdal(['-ro', '-so', '-spat', ...box.map(String), source, `datenpool:${id}`]);
    t.equal(featureCount(summary), expected.numberMatched, `Feature Count with -spat: ${expected.numberMatched}`);
    const out = await gdal(['-ro', '-q', '-geom=NO', '-spat', ...box.map(String), source, `datenpool:${id}`]);
    t.same(listed(out, id, format).sort(), identified(expected.features, format), 'the same features');
    const first = expected.features[0] as Items['features'][number];
    t.match(out, new RegExp(`name \\(String\\) = ${first.properties.name}`), `${first.id}'s name as items gives it`);
    t.match(out, /area_m2 \(Real\) = \d+(\.\d+)?/, 'area_m2 as a real number');
  });

  t.test(`${format}: every feature of a layer (paged by GDAL with COUNT/STARTINDEX) and its polygon`, async (t) => {
    const id = 'lor-2006-planungsraum';
    const expected = await items(id);
    const out = await gdal(['-ro', '-q', source, `datenpool:${id}`]);
    t.same(listed(out, id, format).sort(), identified(expected.features, format), `all ${expected.numberMatched} features`);
    // GML: the schema's gml:MultiSurfacePropertyType makes GDAL type them MultiSurface; GeoJSON: MultiPolygon
    t.equal((out.match(/^\s+(MULTIPOLYGON|MULTISURFACE) \(\(\(/gm) ?? []).length, expected.numberMatched, 'a polygon geometry each');
  });
}
