// OGC API Tiles over the real gateway and PostGIS: tiles decoded with the reference decoder hold the features and
// properties items gives for the tile's bbox; documents, empty tiles, bad coordinates, ETag/304, generalisation.
import { sql } from '@datenpool/db';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import t, { type Test } from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { variablesOf } from '../../../services/indicators/src/plan.ts';
import { loadDefinitions } from '../../../services/indicators/src/queries/catalog.ts';
import { tilesConformance } from '../src/tiles/index.ts';
import { tileBounds, tileOf } from '../src/tiles/matrix-set.ts';
import { decodeLayer, type DecodedFeature, itemsOfTile, type TileCoordinate } from './tiles-support.ts';

t.setTimeout(600_000);
const { app, database } = await testGateway(t);
const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });

const LOR = 'lor-2021-planungsraum';
// Alexanderplatz: WebMercatorQuad z12 column ⌊(13.41 + 180) / 360 · 4096⌋ = 2200, row 1343 (hand-computed)
const centre: TileCoordinate = tileOf(13.41, 52.52, 12);
const tilePath = (collection: string, c: TileCoordinate, query = '') => `/collections/${collection}/tiles/WebMercatorQuad/${c.z}/${c.row}/${c.col}${query}`;

/** GeoJSON properties as MVT carries them: nulls left out (MVT has no null), the feature id as `id` */
function asTileProperties(feature: { id: string | number; properties: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = { id: feature.id };
  for (const [k, v] of Object.entries(feature.properties)) if (v !== null) out[k] = v;
  return out;
}

async function compareWithItems(t: Test, collection: string, c: TileCoordinate, query = ''): Promise<DecodedFeature[]> {
  const response = await get(tilePath(collection, c, query));
  t.equal(response.statusCode, 200, `${collection} ${c.z}/${c.row}/${c.col}${query}: a tile`);
  t.equal(response.headers['content-type'], 'application/vnd.mapbox-vector-tile');
  const layer = decodeLayer(response.rawPayload, collection);
  const items = await itemsOfTile(app, collection, c, query);
  t.ok(items.length > 0, `items has ${items.length} features in the tile's bbox`);
  t.same(
    layer.features.map((f) => f.properties.id).sort(),
    items.map((f) => f.id).sort(),
    'the tile holds exactly the features items gives for its bbox',
  );
  const byId = new Map(layer.features.map((f) => [f.properties.id, f.properties]));
  let same = 0;
  for (const item of items) if (JSON.stringify(byId.get(item.id)) === JSON.stringify(sorted(asTileProperties(item)))) same++;
  t.equal(same, items.length, 'each feature has the properties of its GeoJSON feature');
  return layer.features;
}

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

t.test('the tile of the centre at z12 holds the Planungsräume items gives for its bbox', async (t) => {
  t.same(centre, { z: 12, col: 2200, row: 1343 }, 'Alexanderplatz is in tile 12/1343/2200');
  const features = await compareWithItems(t, LOR, centre);
  t.ok(features.every((f) => f.type === 3), 'polygons');
  const response = await get(tilePath(LOR, centre));
  const tile = new VectorTile(new PbfReader(response.rawPayload));
  t.same(Object.keys(tile.layers), [LOR], 'one layer, named after the collection');
  t.equal(tile.layers[LOR]?.extent, 4096);
  t.equal(tile.layers[LOR]?.version, 2);
});

t.test('an indicator layer: value, status and class as in items, the date through datetime, the level through filter', async (t) => {
  const indicators = (await get('/v1/indicators')).json().indicators as Array<{ id: string }>;
  t.ok(indicators.some((i) => i.id === 'anteil_65_plus'));
  const collection = 'indicator-anteil_65_plus';
  const features = await compareWithItems(t, collection, centre);
  t.ok(features.some((f) => typeof f.properties.value === 'number'), 'values are numbers');
  t.ok(features.every((f) => typeof f.properties.status === 'string'), 'every feature has its status');
  const dates = [...new Set(features.map((f) => f.properties.date))];
  t.equal(dates.length, 1, 'one date: the latest');
  // an earlier year, where the series has one
  const { rows } = await sql<{ d: string }>`SELECT DISTINCT ref_date::text AS d FROM indicator_value WHERE indicator_id = 'anteil_65_plus'
    AND level = 'planungsraum' ORDER BY d`.execute(database.db);
  t.ok(rows.length > 1, `the series has ${rows.length} dates`);
  const earlier = rows[0]!.d;
  t.not(dates[0], earlier, 'the latest is not the first');
  const old = await compareWithItems(t, collection, centre, `?datetime=${earlier}`);
  t.ok(old.every((f) => f.properties.date === earlier), `datetime=${earlier} selects that year`);
  const interval = await compareWithItems(t, collection, centre, `?datetime=${rows[1]!.d}/${rows[2]!.d}`);
  t.same([...new Set(interval.map((f) => f.properties.date))].sort(), [rows[1]!.d, rows[2]!.d], 'an interval: the features of each date in it');
  const bezirke = await compareWithItems(t, collection, tileOf(13.41, 52.52, 10), `?filter=${encodeURIComponent("level='bezirk'")}`);
  t.ok(bezirke.length > 0 && bezirke.every((f) => f.properties.level === 'bezirk'), 'filter=level selects the Bezirke');
});

t.test('a withheld value stays null in the tile (left out), with its status', async (t) => {
  const { rows } = await sql<{ indicator_id: string; unit_id: string; lon: number; lat: number; ref_date: string }>`
    SELECT v.indicator_id, v.unit_id, v.ref_date::text AS ref_date, ST_X(p) AS lon, ST_Y(p) AS lat
    FROM indicator_value v JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id,
      LATERAL ST_Transform(ST_PointOnSurface(u.geom), 4326) p
    WHERE v.status = 'suppressed' AND v.level = 'planungsraum' AND v.breakdown = '' AND v.lor_version = '2021' LIMIT 1`.execute(database.db);
  t.ok(rows.length === 1, 'the bundled data has a suppressed indicator value');
  const row = rows[0]!;
  const c = tileOf(row.lon, row.lat, 14);
  const features = await compareWithItems(t, `indicator-${row.indicator_id}`, c, `?datetime=${row.ref_date}`);
  const unit = features.find((f) => String(f.properties.id).startsWith(`${row.unit_id}_`));
  t.equal(unit?.properties.status, 'suppressed');
  t.notOk(unit && 'value' in unit.properties, 'no value in the tile');
});

t.test('facility points: point features with the properties of items', async (t) => {
  const collections = (await get('/collections')).json().collections as Array<{ id: string; extent: { spatial?: { bbox: number[][] } } }>;
  const facilities = collections.filter((c) => !c.id.startsWith('lor-') && !c.id.startsWith('indicator-'));
  t.ok(facilities.length > 0, 'a facility collection');
  const collection = facilities[0]!;
  const first = (await get(`/collections/${collection.id}/items?limit=1`)).json().features[0] as { geometry: { coordinates: [number, number] } };
  const [lon, lat] = first.geometry.coordinates;
  const features = await compareWithItems(t, collection.id, tileOf(lon, lat, 13));
  t.ok(features.every((f) => f.type === 1), 'points');
});

t.test('an area without features is 204 No Content', async (t) => {
  const empty = await get(tilePath(LOR, { z: 12, row: 0, col: 0 }));
  t.equal(empty.statusCode, 204);
  t.equal(empty.rawPayload.length, 0);
  t.ok(empty.headers.etag, 'with an ETag');
  const none = await get(tilePath(LOR, centre, `?filter=${encodeURIComponent("name = 'no such unit'")}`));
  t.equal(none.statusCode, 204, 'a filter that matches nothing: 204');
});

t.test('bad tile coordinates are problem+json naming the parameter', async (t) => {
  const cases: Array<[string, number, string]> = [
    [`/collections/${LOR}/tiles/WebMercatorQuad/23/0/0`, 400, 'tileMatrix'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/x/0/0`, 400, 'tileMatrix'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/-1/0/0`, 400, 'tileMatrix'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/12/4096/0`, 400, 'tileRow'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/12/0/4096`, 400, 'tileCol'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/0/0/1`, 400, 'tileCol'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/3/1.5/1`, 400, 'tileRow'],
    [`/collections/${LOR}/tiles/WorldCRS84Quad/3/1/1`, 404, 'tileMatrixSetId'],
    [`/collections/${LOR}/tiles/WorldCRS84Quad`, 404, 'tileMatrixSetId'],
    ['/tileMatrixSets/WorldCRS84Quad', 404, 'tileMatrixSetId'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/3/1/1?limit=5`, 400, 'limit'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/3/1/1?filter=${encodeURIComponent('nosuch = 1')}`, 400, 'filter'],
    [`/collections/${LOR}/tiles/WebMercatorQuad/3/1/1?datetime=yesterday`, 400, 'datetime'],
    [`/collections/${LOR}/tiles/WebMercatorQuad?f=png`, 400, 'f'],
  ];
  for (const [url, status, name] of cases) {
    const response = await get(url);
    t.equal(response.statusCode, status, `${url}: ${status}`);
    t.match(response.headers['content-type'], /application\/problem\+json/);
    t.equal(response.json().invalidParams?.[0]?.name, name, `${url} names ${name}`);
  }
  const unknown = await get('/collections/lor-1999-planungsraum/tiles/WebMercatorQuad/12/0/0');
  t.equal(unknown.statusCode, 404, 'an unknown collection is a 404');
});

t.test('ETag, Cache-Control and 304; the ETag changes with the data', async (t) => {
  const first = await get(tilePath(LOR, centre));
  const etag = first.headers.etag as string;
  t.ok(etag, 'an ETag');
  t.match(first.headers['cache-control'], /max-age=\d+/);
  t.ok(first.headers['last-modified']);
  const again = await get(tilePath(LOR, centre), { 'if-none-match': etag });
  t.equal(again.statusCode, 304);
  t.equal(again.rawPayload.length, 0);
  t.not((await get(tilePath(LOR, { ...centre, col: centre.col + 1 }))).headers.etag, etag, 'another tile, another ETag');
  const unit = decodeLayer(first.rawPayload, LOR).features[0]!.properties.id as string;
  await sql`UPDATE lor_unit SET name = 'Umbenannt' WHERE version = '2021' AND level = 'planungsraum' AND id = ${unit}`.execute(database.db);
  const changed = await get(tilePath(LOR, centre), { 'if-none-match': etag });
  t.equal(changed.statusCode, 200, 'a changed collection answers the old ETag with the tile');
  t.not(changed.headers.etag, etag);
  t.equal(decodeLayer(changed.rawPayload, LOR).features.find((f) => f.properties.id === unit)?.properties.name, 'Umbenannt');
});

t.test('low zooms are generalised: the z9 tile of Berlin has far fewer vertices than the polygons', async (t) => {
  const c = tileOf(13.41, 52.52, 9);
  const response = await get(tilePath(LOR, c));
  const layer = decodeLayer(response.rawPayload, LOR);
  const { rows } = await sql<{ n: number; units: number }>`SELECT sum(ST_NPoints(geom))::int AS n, count(*)::int AS units FROM lor_unit
    WHERE version = '2021' AND level = 'planungsraum'
      AND ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(${tileBounds(c).minX}::float8, ${tileBounds(c).minY}::float8,
        ${tileBounds(c).maxX}::float8, ${tileBounds(c).maxY}::float8, 3857), 25833))`.execute(database.db);
  const vertices = layer.features.reduce((n, f) => n + f.vertices, 0);
  t.ok(layer.features.length > 0.9 * rows[0]!.units, `${layer.features.length} of ${rows[0]!.units} Planungsräume drawn`);
  t.ok(vertices < rows[0]!.n * 0.25, `${vertices} vertices in the tile, ${rows[0]!.n} in the stored polygons`);
  t.ok(response.rawPayload.length < 250_000, `${response.rawPayload.length} bytes`);
  t.comment(`z9 Berlin tile: ${response.rawPayload.length} bytes, ${vertices} vertices of ${rows[0]!.n}`);
});

t.test('tileset list, tileset metadata, TileJSON and tile matrix sets', async (t) => {
  const list = await get(`/collections/${LOR}/tiles`);
  t.equal(list.statusCode, 200);
  const tilesets = list.json().tilesets as Array<{ dataType: string; tileMatrixSetURI: string; links: Array<{ rel: string; href: string }> }>;
  t.equal(tilesets.length, 1);
  t.equal(tilesets[0]!.dataType, 'vector');
  t.equal(tilesets[0]!.tileMatrixSetURI, 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad');
  const self = tilesets[0]!.links.find((l) => l.rel === 'self')!.href;
  t.match(self, /^http:\/\/[^/]+\/collections\/lor-2021-planungsraum\/tiles\/WebMercatorQuad$/, 'absolute link to the tileset');

  const tileset = (await get(`/collections/${LOR}/tiles/WebMercatorQuad?datetime=2023-01-01`)).json() as {
    links: Array<{ rel: string; href: string; type: string; templated?: boolean }>;
    tileMatrixSetLimits: Array<{ tileMatrix: string; minTileRow: number; maxTileRow: number; minTileCol: number; maxTileCol: number }>;
    layers: Array<{ id: string; propertiesSchema: { properties: Record<string, unknown> } }>;
    crs: string;
  };
  const item = tileset.links.find((l) => l.rel === 'item')!;
  t.equal(item.type, 'application/vnd.mapbox-vector-tile');
  t.ok(item.templated);
  t.match(item.href, /\/collections\/lor-2021-planungsraum\/tiles\/WebMercatorQuad\/\{tileMatrix\}\/\{tileRow\}\/\{tileCol\}\?datetime=2023-01-01$/, 'the datetime stays in the tile URL');
  t.equal(tileset.crs, 'http://www.opengis.net/def/crs/EPSG/0/3857');
  const z12 = tileset.tileMatrixSetLimits.find((l) => l.tileMatrix === '12')!;
  t.ok(z12.minTileCol <= centre.col && centre.col <= z12.maxTileCol && z12.minTileRow <= centre.row && centre.row <= z12.maxTileRow, 'the limits hold the centre');
  t.ok(z12.maxTileCol - z12.minTileCol < 12 && z12.maxTileRow - z12.minTileRow < 12, 'and Berlin only');
  t.same(Object.keys(tileset.layers[0]!.propertiesSchema.properties).sort(), ['area_m2', 'id', 'level', 'name', 'parent_id', 'version']);

  const tilejson = await get(`/collections/${LOR}/tiles/WebMercatorQuad?f=tilejson`);
  t.equal(tilejson.statusCode, 200);
  t.match(tilejson.headers['content-type'], /application\/vnd\.mapbox\.tile\+json/);
  const tj = tilejson.json() as { tilejson: string; tiles: string[]; vector_layers: Array<{ id: string }>; bounds: number[]; maxzoom: number };
  t.equal(tj.tilejson, '3.0.0');
  t.match(tj.tiles[0], /\/tiles\/WebMercatorQuad\/\{z\}\/\{y\}\/\{x\}$/);
  t.equal(tj.vector_layers[0]!.id, LOR);
  t.ok(tj.bounds[0]! > 13 && tj.bounds[2]! < 14, "Berlin's bounds");
  const fromTemplate = await get(new URL(tj.tiles[0]!.replace('{z}', '12').replace('{y}', String(centre.row)).replace('{x}', String(centre.col))).pathname);
  t.equal(fromTemplate.statusCode, 200, 'the template gives the tile');

  const sets = (await get('/tileMatrixSets')).json() as { tileMatrixSets: Array<{ id: string; links: Array<{ href: string }> }> };
  t.same(sets.tileMatrixSets.map((s) => s.id), ['WebMercatorQuad']);
  const tms = (await get('/tileMatrixSets/WebMercatorQuad')).json() as {
    crs: string;
    tileMatrices: Array<{ id: string; matrixWidth: number; cellSize: number; scaleDenominator: number; pointOfOrigin: number[] }>;
  };
  t.equal(tms.tileMatrices.length, 23, 'matrices 0 to 22');
  const m12 = tms.tileMatrices[12]!;
  t.equal(m12.matrixWidth, 4096);
  // 2D-TMS 2.0 annex D.1: 156543.0339280410 m per cell at 0, scale denominator 559082264.0287178
  t.ok(Math.abs(tms.tileMatrices[0]!.cellSize - 156543.033928041) < 1e-6);
  t.ok(Math.abs(tms.tileMatrices[0]!.scaleDenominator - 559082264.0287178) < 1e-3);
  t.ok(Math.abs(m12.cellSize - 38.21851414258813) < 1e-9);
  t.same(m12.pointOfOrigin, [-20037508.3427892, 20037508.3427892]);
});

t.test('/conformance lists the OGC API Tiles classes', async (t) => {
  const classes = (await get('/conformance')).json().conformsTo as string[];
  for (const uri of tilesConformance) t.ok(classes.includes(uri), uri);
});

t.test('the tile routes are in the OpenAPI document', async (t) => {
  const doc = (await get('/api')).json() as { paths: Record<string, unknown> };
  for (const path of ['/tileMatrixSets', '/collections/{collectionId}/tiles', '/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}']) {
    t.ok(doc.paths[path], path);
  }
});

/**
 * The statements the gateway's pool runs while a request is answered, those of the indicators worker's background
 * polls left out (advisory locks, the queue, the disclosure check, its session labels). Every session the pool lends
 * out reports to `recording`; the requests of this file run one at a time.
 */
let recording: string[] | undefined;
const watched = new WeakSet<object>();
const background = /pg_(try_)?advisory|application_name|disclosure_pending|from "indicator_recompute_queue"/i;
database.pool?.on('acquire', (client) => {
  if (watched.has(client)) return;
  watched.add(client);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : String(first?.text);
    if (!background.test(text)) recording?.push(text);
    return query(...args);
  }) as typeof client.query;
});

async function withStatements(url: string, headers: Record<string, string> = {}) {
  const statements: string[] = [];
  recording = statements;
  try {
    return { response: await get(url, headers), statements };
  } finally {
    recording = undefined;
  }
}

const LAYER = 'indicator-anteil_65_plus';
/** a new data version of the indicator layers, as a finished recompute writes it */
const newVersion = () => sql`UPDATE indicator_recompute_state SET finished_at = finished_at + interval '1 second' WHERE id = 'values'`.execute(database.db);

t.test('an indicator tile is one statement, rendered or kept: the data version read beside ST_AsMVT', async (t) => {
  const path = tilePath(LAYER, centre);
  const first = await get(path);
  t.equal(first.statusCode, 200);
  await newVersion();
  const fresh = await withStatements(path);
  t.equal(fresh.response.statusCode, 200);
  t.equal(fresh.statements.length, 1, 'a fresh tile of a known layer: one statement, no look-up of the layer or its version');
  t.match(fresh.statements[0], /ST_AsMVT/, 'the tile');
  t.match(fresh.statements[0], /indicator_recompute_state/, 'and the data version, in the same statement');
  t.not(fresh.response.headers.etag, first.headers.etag, 'a new version, a new ETag');
  t.ok(fresh.response.headers['last-modified'], 'Last-Modified');
  t.ok(fresh.response.headers['datenpool-computed-at'], 'the freshness headers, as the items carry them');
  t.equal(fresh.response.headers['datenpool-pending'], '0');
  t.ok(fresh.response.rawPayload.equals(first.rawPayload), 'the same values: the same bytes');
  const kept = await withStatements(path);
  t.equal(kept.statements.length, 1, 'a kept tile: one statement (the version, the tile not rendered)');
  t.equal(kept.response.headers.etag, fresh.response.headers.etag);
  t.ok(kept.response.rawPayload.equals(first.rawPayload));
});

t.test('a kept indicator tile follows the data: a new value with a new version is in the next tile', async (t) => {
  const path = tilePath(LAYER, centre);
  const before = decodeLayer((await get(path)).rawPayload, LAYER).features.find((f) => typeof f.properties.value === 'number');
  t.ok(before, 'a feature with a value');
  const [unit, year] = String(before!.properties.id).split('_');
  await sql`UPDATE indicator_value SET value = value + 1000 WHERE indicator_id = 'anteil_65_plus' AND lor_version = '2021'
    AND level = 'planungsraum' AND unit_id = ${unit} AND breakdown = '' AND extract(year FROM ref_date) = ${Number(year)}`.execute(database.db);
  await newVersion();
  const after = await withStatements(path);
  t.equal(after.statements.length, 1);
  const feature = decodeLayer(after.response.rawPayload, LAYER).features.find((f) => f.properties.id === before!.properties.id);
  t.ok(Math.abs((feature?.properties.value as number) - (before!.properties.value as number) - 1000) < 1e-6, 'the new value, not the kept tile');
  t.same(await compareWithItems(t, LAYER, centre).then((f) => f.length > 0), true, 'and still the features of items');
});

t.test('conditional indicator tiles: a current ETag is a 304 from the version alone; a moved version the tile', async (t) => {
  const path = tilePath(LAYER, centre);
  const first = await get(path);
  const etag = first.headers.etag as string;
  const current = await withStatements(path, { 'if-none-match': etag });
  t.equal(current.response.statusCode, 304);
  t.equal(current.statements.length, 1, 'one statement: the version row');
  t.notMatch(current.statements[0], /ST_AsMVT/, 'no tile for a 304');
  await newVersion();
  const moved = await withStatements(path, { 'if-none-match': etag });
  t.equal(moved.response.statusCode, 200);
  t.not(moved.response.headers.etag, etag);
  t.equal(moved.statements.length, 2, 'the version, then the tile with the version beside it');
  t.ok(moved.response.rawPayload.equals(first.rawPayload));
});

t.test('a kept indicator layer that is retired or whose variable is restricted has no tiles at once; back, it has', async (t) => {
  const path = tilePath(LAYER, centre);
  t.equal((await get(path)).statusCode, 200, 'the layer is kept by the tile routes');
  const { status: was } = await database.db.selectFrom('indicator').select('status').where('id', '=', 'anteil_65_plus').executeTakeFirstOrThrow();
  await database.db.updateTable('indicator').set({ status: 'retired' }).where('id', '=', 'anteil_65_plus').execute();
  const retired = await withStatements(path);
  t.equal(retired.response.statusCode, 404, 'retired: its tiles are gone, though no data version moved');
  t.match(retired.response.headers['content-type'], /^application\/problem\+json/);
  await database.db.updateTable('indicator').set({ status: was }).where('id', '=', 'anteil_65_plus').execute();
  t.equal((await get(path)).statusCode, 200, 'back');
  const { definitions } = await loadDefinitions(database.db);
  const variable = [...variablesOf(definitions, 'anteil_65_plus')][0];
  t.ok(variable, 'the indicator reads a variable');
  await database.db.updateTable('variable').set({ access: 'restricted' }).where('id', '=', variable!).execute();
  t.equal((await get(path)).statusCode, 404, 'a restricted input: no tiles for anyone');
  t.equal((await get(path)).statusCode, 404, 'nor on the next request');
  await database.db.updateTable('variable').set({ access: 'public' }).where('id', '=', variable!).execute();
  const back = await withStatements(path);
  t.equal(back.response.statusCode, 200, 'public again: the tiles are back');
  t.ok(back.statements.length > 1, 'found by a look-up of its own');
  t.equal((await withStatements(path)).statements.length, 1, 'and kept again: one statement');
});
