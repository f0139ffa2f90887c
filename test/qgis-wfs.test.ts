// QGIS (Debian's 3.22, headless) as a WFS 2.0 client of the gateway's /wfs (provider WFS): it opens layers, counts
// their features, reads every one, and reads an extent with a BBOX request (in the server's request log); each answer
// compared with what OGC API Features items gives.
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireQgis, runQgis } from './support/qgis.ts';

t.setTimeout(900_000);
const qgisVersion = requireQgis(t);

const { app } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
/** every URL the server was asked for, in order: what QGIS really sent */
const requestLog: string[] = [];
app.server.on('request', (req: { url?: string }) => requestLog.push(req.url ?? ''));
const since = (mark: number) => requestLog.slice(mark).map((u) => new URL(u, base));
/** a request's parameters by upper-case name (KVP names are case-insensitive) */
const kvp = (u: URL) => new Map([...u.searchParams].map(([k, v]) => [k.toUpperCase(), v]));

/** opens a feature type as QGIS does when a user adds it from a WFS connection (version 2.0.0) */
const OPEN_LAYER = `
from qgis.core import QgsVectorLayer, QgsRectangle, QgsFeatureRequest
def open_layer(type_name, restrict_to_extent=False):
    # restrictToRequestBBOX: the dialog's "only request features overlapping the view extent"
    extent = " restrictToRequestBBOX='1'" if restrict_to_extent else ""
    uri = f"url='{args['base']}/wfs' typename='{type_name}' version='2.0.0' srsname='EPSG:25833'{extent}"
    layer = QgsVectorLayer(uri, type_name, "WFS")
    if not layer.isValid():
        raise RuntimeError(f"QGIS cannot open {type_name}: {layer.error().summary()} {layer.dataProvider().error().summary() if layer.dataProvider() else ''}")
    return layer
`;

interface Items {
  numberMatched: number;
  features: Array<{ id: string; properties: Record<string, unknown> }>;
}
const items = async (id: string, query = ''): Promise<Items> => (await app.inject({ url: `/collections/${id}/items?f=json&limit=10000${query}` })).json();
/** a unit by what QGIS shows of it: its name and area (unique among the units) */
const unitKey = (name: unknown, area: unknown) => `${name}|${Number(area).toFixed(2)}`;

interface LayerSummary {
  valid: boolean;
  count: number;
  crs: string;
  fields: string[];
  keys: string[];
  emptyGeometries: number;
}

t.test(`QGIS ${qgisVersion} opens WFS layers, counts them as numberMatched and reads every feature with its geometry`, async (t) => {
  const mark = requestLog.length;
  const types = ['lor-2021-planungsraum', 'lor-2006-bezirksregion', 'kitas'];
  const { value } = await runQgis<Record<string, LayerSummary>>(
    `${OPEN_LAYER}
out = {}
for type_name in args["types"]:
    layer = open_layer("datenpool:" + type_name)
    keys, empty = [], 0
    names = [x.name() for x in layer.fields()]
    for f in layer.getFeatures():
        keys.append(f"{f['name']}|{float(f['area_m2']):.2f}" if "area_m2" in names else str(f["name"]))
        if f.geometry().isEmpty():
            empty += 1
    out[type_name] = {"valid": layer.isValid(), "count": layer.featureCount(), "crs": layer.crs().authid(), "fields": names,
                      "keys": keys, "emptyGeometries": empty}
result(out)`,
    { base, types },
  );
  for (const id of types) {
    const expected = await items(id);
    const layer = value[id] as LayerSummary;
    t.equal(layer.count, expected.numberMatched, `${id}: QGIS's feature count is numberMatched (${expected.numberMatched})`);
    t.equal(layer.keys.length, expected.numberMatched, `${id}: QGIS read ${expected.numberMatched} features`);
    const keys = expected.features.map((f) => (id === 'kitas' ? String(f.properties.name) : unitKey(f.properties.name, f.properties.area_m2)));
    t.same([...layer.keys].sort(), keys.sort(), `${id}: the features items gives`);
    t.equal(layer.emptyGeometries, 0, `${id}: each with its geometry`);
    t.equal(layer.crs, 'EPSG:25833', `${id}: in the DefaultCRS`);
    t.ok(layer.fields.includes('name'), `${id}: the schema's properties are fields (${layer.fields.join(', ')})`);
  }
  const requests = since(mark).filter((u) => u.pathname === '/wfs').map(kvp);
  t.ok(requests.some((p) => p.get('REQUEST') === 'GetCapabilities'), 'QGIS read the capabilities');
  t.ok(requests.some((p) => p.get('REQUEST') === 'DescribeFeatureType'), 'and the schema');
  for (const id of types) {
    t.ok(
      requests.some((p) => p.get('REQUEST') === 'GetFeature' && p.get('TYPENAMES') === `datenpool:${id}`),
      `and read ${id} with GetFeature (${requests.filter((p) => p.get('REQUEST') === 'GetFeature').length} GetFeature requests, ${requests.filter((p) => p.get('RESULTTYPE') === 'hits').length} of them hits)`,
    );
  }
});

t.test('QGIS reads an extent with a BBOX request and finds the features items finds for that bbox', async (t) => {
  const mark = requestLog.length;
  const box = [388000, 5817000, 394000, 5823000];
  const { value } = await runQgis<{ keys: string[] }>(
    `${OPEN_LAYER}
layer = open_layer("datenpool:lor-2021-planungsraum", restrict_to_extent=True)
request = QgsFeatureRequest().setFilterRect(QgsRectangle(*args["box"]))
keys = [f"{f['name']}|{float(f['area_m2']):.2f}" for f in layer.getFeatures(request)]
result({"keys": keys})`,
    { base, box },
  );
  const expected = await items('lor-2021-planungsraum', `&bbox=${box.join(',')}&bbox-crs=EPSG:25833`);
  t.ok(expected.numberMatched > 10 && expected.numberMatched < 542, `items: ${expected.numberMatched} of 542 in the box`);
  t.same([...value.keys].sort(), expected.features.map((f) => unitKey(f.properties.name, f.properties.area_m2)).sort(), 'QGIS found the features of the box');
  const bboxes = since(mark)
    .filter((u) => u.pathname === '/wfs')
    .map(kvp)
    .filter((p) => p.get('REQUEST') === 'GetFeature' && p.get('BBOX') !== undefined)
    .map((p) => p.get('BBOX') as string);
  t.ok(bboxes.length > 0, `QGIS sent GetFeature with BBOX (${bboxes.join('; ')})`);
  const [minX, minY, maxX, maxY] = (bboxes[0] as string).split(',').map(Number) as [number, number, number, number];
  t.ok(minX <= (box[0] as number) && minY <= (box[1] as number) && maxX >= (box[2] as number) && maxY >= (box[3] as number), 'the BBOX covers the extent read');
  t.match(bboxes[0], /,urn:ogc:def:crs:EPSG::25833$/, 'with the CRS as suffix');
});
