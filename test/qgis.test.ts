// QGIS (Debian's 3.22, headless) as an OGC API Features client of the gateway: it opens the landing page (which
// needs absolute links), counts a collection, pans with an extent (bbox requests in the server's request log), reads
// the indicator layer with its values, and filters; each answer compared with PostGIS.
import { sql } from '@datenpool/db';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireQgis, runQgis } from './support/qgis.ts';

// QGIS starts once per script (about 2 s) and downloads whole collections page by page
t.setTimeout(900_000);
const qgisVersion = requireQgis(t);

const { app, database } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
/** every URL the server was asked for, in order: what QGIS really sent */
const requestLog: string[] = [];
app.server.on('request', (req: { url?: string }) => requestLog.push(req.url ?? ''));

const since = (mark: number) => requestLog.slice(mark).map((u) => new URL(u, base));
const [major, minor] = qgisVersion.split('.').map(Number) as [number, number];
const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b);

/** opens a collection as QGIS does when a user adds it from "OGC API - Features" (provider OAPIF) */
const OPEN_LAYER = `
from qgis.core import QgsVectorLayer
def open_layer(collection, restrict_to_extent=False):
    # restrictToRequestBBOX: the dialog's "only request features overlapping the view extent"
    extent = " restrictToRequestBBOX='1'" if restrict_to_extent else ""
    layer = QgsVectorLayer(f"url={args['base']} typename={collection}{extent}", collection, "OAPIF")
    if not layer.isValid():
        raise RuntimeError(f"QGIS cannot open {collection}: {layer.error().summary()} {layer.dataProvider().error().summary() if layer.dataProvider() else ''}")
    return layer
`;

interface LayerSummary {
  count: number;
  fields: string[];
  crs: string;
  read: number;
  ids: string[];
  emptyGeometries: number;
}

t.test(`QGIS ${qgisVersion} opens the landing page as an OAPIF source and counts each LOR collection as numberMatched`, async (t) => {
  const mark = requestLog.length;
  const collections = ['lor-2021-planungsraum', 'lor-2021-bezirksregion', 'lor-2006-bezirk'];
  const { value } = await runQgis<Record<string, LayerSummary>>(
    `${OPEN_LAYER}
out = {}
for collection in args["collections"]:
    layer = open_layer(collection)
    ids, empty, read = [], 0, 0
    for f in layer.getFeatures():
        read += 1
        ids.append(str(f["id"]))
        if f.geometry().isEmpty():
            empty += 1
    out[collection] = {"count": layer.featureCount(), "fields": [x.name() for x in layer.fields()], "crs": layer.crs().authid(),
                       "read": read, "ids": ids, "emptyGeometries": empty}
result(out)`,
    { base, collections },
  );
  for (const id of collections) {
    const [, version, level] = /^lor-(\d{4})-(\w+)$/.exec(id) as RegExpExecArray;
    const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = ${version} AND level = ${level} ORDER BY id`.execute(database.db);
    const page = (await app.inject({ url: `/collections/${id}/items?f=json&limit=1` })).json();
    const layer = value[id] as LayerSummary;
    t.equal(layer.count, page.numberMatched, `${id}: QGIS's feature count is numberMatched (${page.numberMatched})`);
    t.equal(layer.count, rows.length, `${id}: ${rows.length} units in PostGIS`);
    t.same([...layer.ids].sort(), rows.map((r) => r.id), `${id}: QGIS read every unit once`);
    t.equal(layer.emptyGeometries, 0, `${id}: each with its polygon`);
    t.ok(layer.fields.includes('name'), `${id}: the properties are fields (${layer.fields.join(', ')})`);
  }
  const paths = since(mark).map((u) => u.pathname);
  t.ok(paths.includes('/'), 'QGIS started at the landing page');
  // it follows the landing page's links: service-desc (3.22 reads the API definition for limit), and from 3.32 on
  // the conformance link (QgsOapifConformanceRequest) as well
  t.ok(paths.includes('/api'), 'it followed the service-desc link to the OpenAPI document');
  if (atLeast(3, 32)) t.ok(paths.includes('/conformance'), 'it followed the conformance link');
  t.ok(paths.includes('/collections/lor-2021-planungsraum'), 'it read the collection');
  t.ok(paths.includes('/collections/lor-2021-planungsraum/items'), 'and its items');
});

t.test('QGIS pans: a request with an extent becomes bbox requests, and finds what PostGIS finds there', async (t) => {
  const rect = [13.36, 52.5, 13.41, 52.53] as const;
  const mark = requestLog.length;
  const { value } = await runQgis<{ ids: string[]; crs: string }>(
    `${OPEN_LAYER}
from qgis.core import QgsFeatureRequest, QgsRectangle
layer = open_layer("lor-2021-planungsraum", restrict_to_extent=True)
request = QgsFeatureRequest().setFilterRect(QgsRectangle(*args["rect"])).setFlags(QgsFeatureRequest.ExactIntersect)
result({"ids": sorted(str(f["id"]) for f in layer.getFeatures(request)), "crs": layer.crs().authid()})`,
    { base, rect },
  );
  const [w, s, e, n] = rect;
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2021' AND level = 'planungsraum'
      AND ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)) ORDER BY id`.execute(database.db);
  t.ok(rows.length > 5 && rows.length < 542, `${rows.length} Planungsräume in the extent`);
  // CRS84 (the default of OGC API Features), which QGIS 3.22 names EPSG:4326 with lon/lat order
  t.ok(['OGC:CRS84', 'EPSG:4326'].includes(value.crs), `the layer is in CRS84 (${value.crs})`);
  t.same(value.ids, rows.map((r) => r.id), 'QGIS found exactly the Planungsräume PostGIS finds');
  const bboxRequests = since(mark).filter((u) => u.pathname === '/collections/lor-2021-planungsraum/items' && u.searchParams.has('bbox'));
  t.ok(bboxRequests.length >= 1, `QGIS sent ${bboxRequests.length} bbox request(s)`);
  for (const u of bboxRequests) {
    const box = (u.searchParams.get('bbox') ?? '').split(',').map(Number);
    t.equal(box.length, 4, `bbox=${u.searchParams.get('bbox')}`);
    // the request covers the extent QGIS was asked for (it may round outwards)
    t.ok((box[0] as number) <= w + 1e-9 && (box[1] as number) <= s + 1e-9 && (box[2] as number) >= e - 1e-9 && (box[3] as number) >= n - 1e-9, 'covers the extent');
  }
  const unbounded = since(mark).filter((u) => u.pathname === '/collections/lor-2021-planungsraum/items' && !u.searchParams.has('bbox'));
  t.ok(unbounded.every((u) => Number(u.searchParams.get('limit')) <= 10), 'apart from its first small probe, QGIS did not download the whole collection');
});

t.test('QGIS reads the indicator layer with its values, status and polygons', async (t) => {
  const id = 'indicator-anteil_65_plus';
  const { value } = await runQgis<{ count: number; fields: string[]; features: Array<{ unit: string; value: number | null; status: string | null; empty: boolean }> }>(
    `${OPEN_LAYER}
layer = open_layer(args["collection"])
names = [x.name() for x in layer.fields()]
def plain(v):
    return None if v is None or (hasattr(v, "isNull") and v.isNull()) else v
features = [{"unit": str(f["id"]), "value": plain(f["value"]), "status": plain(f["status"]) if "status" in names else None,
             "empty": f.geometry().isEmpty()} for f in layer.getFeatures()]
result({"count": layer.featureCount(), "fields": names, "features": features})`,
    { base, collection: id },
  );
  const page = (await app.inject({ url: `/collections/${id}/items?f=json&limit=10000` })).json();
  t.equal(value.count, page.numberMatched, `QGIS counts numberMatched (${page.numberMatched})`);
  t.equal(value.features.length, page.numberMatched, 'and reads every feature');
  t.ok(value.fields.includes('value'), `the value is a field (${value.fields.join(', ')})`);
  t.equal(value.features.filter((f) => f.empty).length, 0, 'each with a polygon');
  // the values QGIS read are the service's own, feature by feature
  type Served = { id: string; properties: Record<string, unknown> };
  // QGIS makes the feature id (unit and date) its id field
  const served = new Map<string, Served>((page.features as Served[]).map((f) => [String(f.id), f]));
  let same = 0;
  for (const f of value.features) {
    const s = served.get(f.unit);
    if (s && (s.properties.value === null ? f.value === null : Math.abs(Number(s.properties.value) - Number(f.value)) < 1e-9)) same++;
  }
  t.equal(same, value.features.length, 'every value as the service gives it');
  const withValue = value.features.filter((f) => f.value !== null).length;
  t.ok(withValue > 500, `${withValue} Planungsräume with a value`);
});

t.test('a filter on the layer: what QGIS sends to the server and what it finds', async (t) => {
  const mark = requestLog.length;
  const { value } = await runQgis<{ ids: string[]; subsetAccepted: boolean }>(
    `${OPEN_LAYER}
from qgis.core import QgsFeatureRequest
layer = open_layer("lor-2021-planungsraum")
accepted = layer.setSubsetString("\\"area_m2\\" > 5000000")
ids = sorted(str(f["id"]) for f in layer.getFeatures())
result({"ids": ids, "subsetAccepted": accepted})`,
    { base },
  );
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2021' AND level = 'planungsraum' AND area_m2 > 5000000 ORDER BY id`.execute(database.db);
  t.ok(rows.length > 5 && rows.length < 542, `${rows.length} Planungsräume over 5 km²`);
  t.ok(value.subsetAccepted, 'QGIS accepted the layer filter (subset string)');
  t.same(value.ids, rows.map((r) => r.id), 'QGIS finds exactly those');
  const items = since(mark).filter((u) => u.pathname === '/collections/lor-2021-planungsraum/items');
  const filtered = items.filter((u) => u.searchParams.has('filter'));
  // QGIS sends CQL2 only from 3.32 on (QgsOapifCql2TextExpressionCompiler, April 2023) and only when /conformance lists
  // basic-cql2, Part 3 filter and features-filter, and cql2-text; Debian's 3.22 filters on the client
  if (atLeast(3, 32)) {
    t.ok(filtered.length >= 1, `QGIS ${qgisVersion} sent the filter to the server: ${filtered[0]?.searchParams.get('filter')}`);
    for (const u of filtered) t.equal(u.searchParams.get('filter-lang') ?? 'cql2-text', 'cql2-text');
  } else {
    t.equal(filtered.length, 0, `QGIS ${qgisVersion} sends no filter parameter (it has no CQL2 compiler); it filtered ${items.length} page(s) itself`);
  }
});
