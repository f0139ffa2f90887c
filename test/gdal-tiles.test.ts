// Vector tiles against GDAL's MVT driver (ogrinfo): it reads a tile the service sent, as a z/x/y file, counts the features
// items gives for the tile's bbox, reads their properties and places them in EPSG:3857 where the tile is.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { tileBounds, tileOf } from '../packages/ogc/src/tiles/matrix-set.ts';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireExecutable } from './support/real-client.ts';

const run = promisify(execFile);
t.setTimeout(600_000);
// GDAL is the independent reader here: without it the file fails, it does not skip
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');

const { app } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-gdal-tiles-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

const gdal = async (args: string[]) =>
  (await run(ogrinfo, args, { timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CPL_DEBUG: 'OFF' } })).stdout;

const c = tileOf(13.41, 52.52, 12);
const tileUrl = (collection: string) => `${base}/collections/${collection}/tiles/WebMercatorQuad/${c.z}/${c.row}/${c.col}`;

async function itemsOfTile(collection: string): Promise<Array<{ id: string; properties: Record<string, unknown> }>> {
  const b = tileBounds(c);
  const bbox = [b.minX, b.minY, b.maxX, b.maxY].join(',');
  const response = await app.inject({
    url: `/collections/${collection}/items?bbox=${bbox}&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3857')}&limit=10000`,
  });
  return response.json().features;
}

/** the features ogrinfo prints, as field → text */
function records(out: string): Record<string, string | null>[] {
  return out
    .split(/^OGRFeature\([^)]*\):\d+$/m)
    .slice(1)
    .map((block) => Object.fromEntries([...block.matchAll(/^ {2}(\w+) \(\w+\) = (.*)$/gm)].map((m) => [m[1]!, m[2] === '(null)' ? null : m[2]!])));
}

/** the tile downloaded as {z}/{x}/{y}.pbf, the layout the MVT driver georeferences (x is the column, y the row) */
async function download(collection: string): Promise<string> {
  const response = await fetch(tileUrl(collection));
  if (response.status !== 200) throw new Error(`${tileUrl(collection)}: ${response.status}`);
  const dir = path.join(workdir, collection, String(c.z), String(c.col));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${c.row}.pbf`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

t.test('GDAL opens a tile as MVT: one layer named after the collection, the feature count of items', async (t) => {
  // GDAL 3.6 recognises a remote tile only by a .pbf/.mvt name, and OGC API Tiles paths end in the column: the test
  // downloads the tile into the {z}/{x}/{y}.pbf layout, which also tells GDAL where the tile lies
  const file = await download('lor-2021-planungsraum');
  const out = await gdal(['-ro', '-al', '-so', `MVT:${file}`]);
  t.match(out, /using driver `MVT'/);
  t.match(out, /Layer name: lor-2021-planungsraum/);
  const count = Number(/Feature Count: (\d+)/.exec(out)?.[1]);
  const items = await itemsOfTile('lor-2021-planungsraum');
  t.ok(items.length > 10, `${items.length} Planungsräume in the tile's bbox`);
  t.equal(count, items.length, `GDAL counts ${count} features`);
});

t.test('GDAL reads the properties and places the features in EPSG:3857 inside the tile', async (t) => {
  const file = await download('lor-2021-planungsraum');
  const out = await gdal(['-ro', '-al', file]);
  t.match(out, /EPSG","3857"|Pseudo-Mercator/, 'WebMercator');
  const features = records(out);
  const items = await itemsOfTile('lor-2021-planungsraum');
  t.same(features.map((f) => f.id).sort(), items.map((f) => f.id).sort(), 'the ids of items');
  const names = new Map(items.map((f) => [f.id, f.properties.name]));
  t.ok(features.every((f) => names.get(f.id!) === f.name), 'every name as items gives it');
  t.ok(features.every((f) => Math.abs(Number(f.area_m2) - Number(items.find((i) => i.id === f.id)!.properties.area_m2)) < 1e-6), 'and the areas');
  const extent = /Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/.exec(out);
  t.ok(extent, 'an extent');
  const [minX, minY, maxX, maxY] = extent!.slice(1).map(Number) as [number, number, number, number];
  const b = tileBounds(c);
  const margin = ((b.maxX - b.minX) * 64) / 4096 + 1;
  t.ok(minX >= b.minX - margin && maxX <= b.maxX + margin && minY >= b.minY - margin && maxY <= b.maxY + margin, `extent ${extent![0]} within the tile and its buffer`);
  t.ok(maxX - minX > (b.maxX - b.minX) * 0.9, 'and covering it');
});

t.test("GDAL reads an indicator layer's values and statuses", async (t) => {
  const collection = 'indicator-anteil_65_plus';
  const file = await download(collection);
  const features = records(await gdal(['-ro', '-al', file]));
  const items = await itemsOfTile(collection);
  t.equal(features.length, items.length, `${features.length} features`);
  const byId = new Map(items.map((f) => [f.id, f.properties]));
  let values = 0;
  for (const f of features) {
    const item = byId.get(f.id!)!;
    if (item.value === null) t.equal(f.value ?? null, null, `${f.id}: no value`);
    else if (Math.abs(Number(f.value) - Number(item.value)) < 1e-9) values++;
    t.equal(f.status, item.status);
  }
  t.ok(values > 0, `${values} values read by GDAL equal those of items`);
  t.equal(values, items.filter((i) => i.properties.value !== null).length, 'every value');
});
