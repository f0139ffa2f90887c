// The facility datasets as OGC API Features collections: listing, items/{fid}, bbox, crs, CQL2 filter, sortby, HTML.
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app } = await testGateway(t);

interface FileFeature {
  properties: Record<string, string | null>;
  geometry: { coordinates: [number, number] };
}
const bundled = (file: string): FileFeature[] => {
  const bytes = readFileSync(new URL(`../../../data/facilities/${file}`, import.meta.url));
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')).features;
};
const files = {
  kitas: bundled('kitas-2022-12.geojson.gz'),
  schulen: bundled('schulen.geojson'),
  jugendfreizeiteinrichtungen: bundled('jugendfreizeiteinrichtungen.geojson'),
};

async function items(collection: string, query: string) {
  const res = await app.inject({ url: `/collections/${collection}/items?${/limit=/.test(query) ? '' : 'limit=10000&'}${query}` });
  if (res.statusCode !== 200) throw new Error(`${collection}?${query}: ${res.statusCode} ${res.body}`);
  return res.json() as { numberMatched?: number; numberReturned: number; features: { id: string; properties: Record<string, unknown>; geometry: { coordinates: number[] } }[] };
}
const filter = (text: string) => `filter=${encodeURIComponent(text)}`;

t.test('/collections lists the three facility datasets with point geometry, extent and reference date', async (t) => {
  const res = await app.inject({ url: '/collections?f=json' });
  const byId = new Map(res.json().collections.map((c: { id: string }) => [c.id, c]));
  for (const id of Object.keys(files)) {
    const c = byId.get(id) as { title: string; extent: { spatial: { bbox: number[][] }; temporal: { interval: string[][] } }; storageCrs: string } | undefined;
    t.ok(c, `${id} is listed`);
    if (!c) continue;
    const [w, s, e, n] = c.extent.spatial.bbox[0]!;
    t.ok(w! > 13 && e! < 13.8 && s! > 52.3 && n! < 52.7, `${id}: CRS84 extent inside Berlin (${c.extent.spatial.bbox[0]})`);
    t.match(c.storageCrs, /25833/);
  }
  const schulen = (await app.inject({ url: '/collections/schulen?f=json' })).json();
  t.match(schulen.extent.temporal.interval, [[/^2023-12-31/, /^2023-12-31/]], 'the reference date of the counts');
});

t.test('every bundled feature is served, with its id, typed properties and every delivered property', async (t) => {
  for (const [id, features] of Object.entries(files)) {
    const page = await items(id, '');
    t.equal(page.numberMatched, features.length, `${id}: numberMatched`);
    t.equal(page.numberReturned, features.length);
  }
  const file = files.schulen.find((f) => f.properties.bsn === '01B01')!;
  const res = await app.inject({ url: '/collections/schulen/items/01B01?crs=http://www.opengis.net/def/crs/EPSG/0/25833' });
  t.equal(res.statusCode, 200, res.body);
  const feature = res.json();
  t.equal(feature.id, '01B01');
  t.equal(feature.properties.schulart, file.properties.schulart);
  t.equal(feature.properties.traeger, file.properties.traeger);
  t.equal(feature.properties.name, file.properties.name);
  t.equal(feature.properties.schultyp, file.properties.schultyp, 'a delivered property without a typed column');
  t.match(feature.properties.lor_2006, /^\d{8}$/, 'the 2006 Planungsraum it lies in');
  t.match(feature.properties.lor_2021, /^\d{8}$/, 'the 2021 Planungsraum it lies in');
  const [x, y] = file.geometry.coordinates;
  t.ok(Math.abs(feature.geometry.coordinates[0] - x) < 0.01 && Math.abs(feature.geometry.coordinates[1] - y) < 0.01, 'EPSG:25833 gives the file coordinates');
  const kita = files.kitas[0]!;
  const k = (await app.inject({ url: `/collections/kitas/items/${kita.properties.e_nr}` })).json();
  t.equal(k.properties.places, Number(kita.properties.e_platz), 'places is a number');
  t.equal(k.properties.e_platz, kita.properties.e_platz, 'the delivered text is kept beside it');
  t.equal((await app.inject({ url: '/collections/schulen/items/nope' })).statusCode, 404);
});

t.test('CQL2 filters on typed, delivered and LOR-unit properties select what the file holds', async (t) => {
  const count = (features: FileFeature[], pred: (p: Record<string, string | null>) => boolean) => features.filter((f) => pred(f.properties)).length;
  const grund = await items('schulen', filter("schulart = 'Grundschule'"));
  t.equal(grund.numberMatched, count(files.schulen, (p) => p.schulart === 'Grundschule'));
  t.ok(grund.features.every((f) => f.properties.schulart === 'Grundschule'));
  const privatGym = await items('schulen', filter("traeger = 'privat' AND schulart = 'Gymnasium'"));
  t.equal(privatGym.numberMatched, count(files.schulen, (p) => p.traeger === 'privat' && p.schulart === 'Gymnasium'));
  const typ = await items('schulen', filter("schultyp IN ('Privatschule', 'Berufsschule')"));
  t.equal(typ.numberMatched, count(files.schulen, (p) => p.schultyp === 'Privatschule' || p.schultyp === 'Berufsschule'));
  const big = await items('kitas', filter('places > 150'));
  t.equal(big.numberMatched, count(files.kitas, (p) => Number(p.e_platz) > 150));
  const free = await items('jugendfreizeiteinrichtungen', filter("traeger = 'freier Träger'"));
  t.equal(free.numberMatched, count(files.jugendfreizeiteinrichtungen, (p) => p.t_art === 'freier Träger'));
  const unit = grund.features[0]!.properties.lor_2021 as string;
  const inUnit = await items('schulen', filter(`lor_2021 = '${unit}'`));
  t.ok(inUnit.numberMatched! >= 1 && inUnit.features.every((f) => f.properties.lor_2021 === unit), 'filter on the 2021 unit');
  const bad = await app.inject({ url: `/collections/schulen/items?${filter("bogus = 'x'")}` });
  t.equal(bad.statusCode, 400);
  t.match(bad.headers['content-type'], /problem\+json/);
});

t.test('bbox (in EPSG:25833) selects the points of the file inside it; sortby orders by places', async (t) => {
  const box = [385000, 5815000, 392000, 5822000];
  const inside = files.kitas.filter(({ geometry: { coordinates: [x, y] } }) => x >= box[0]! && x <= box[2]! && y >= box[1]! && y <= box[3]!);
  t.ok(inside.length > 50);
  const page = await items('kitas', `bbox=${box.join(',')}&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/25833')}`);
  t.same(page.features.map((f) => f.id).sort(), inside.map((f) => f.properties.e_nr).sort());
  const sorted = await items('kitas', 'sortby=-places,id&limit=3');
  const most = Math.max(...files.kitas.map((f) => Number(f.properties.e_platz)));
  t.equal(sorted.features[0]!.properties.places, most, 'the largest Kita first');
  const queryables = (await app.inject({ url: '/collections/schulen/queryables' })).json();
  for (const name of ['id', 'name', 'schulart', 'traeger', 'lor_2006', 'lor_2021', 'schultyp']) t.ok(queryables.properties[name], `queryable ${name}`);
});

t.test('the HTML views render the collection and a feature', async (t) => {
  const list = await app.inject({ url: '/collections/schulen/items?f=html&limit=5' });
  t.equal(list.statusCode, 200);
  t.match(list.headers['content-type'], /text\/html/);
  const one = await app.inject({ url: '/collections/schulen/items/01B01?f=html' });
  t.equal(one.statusCode, 200);
  t.match(one.body, 'Oberstufenzentrum');
});
