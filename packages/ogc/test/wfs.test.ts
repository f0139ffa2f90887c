// WFS 2.0 at /wfs over the real gateway and PostGIS: capabilities, schemas and features compared with what OGC API
// Features items gives for the same selection (counts, bbox subsets, paging, resource ids, filters, sorting),
// srsName and axis order, GeoJSON, the stored query, conditional requests and ExceptionReports.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t, { type Test } from 'tap';
import { testGateway } from '../../../test/support/app.ts';

t.setTimeout(600_000);
const { app } = await testGateway(t);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false, isArray: (name) => ['FeatureType', 'member', 'Operation', 'Constraint', 'element', 'complexType', 'Exception', 'OtherCRS', 'Format', 'SpatialOperator', 'ComparisonOperator', 'surfaceMember'].includes(name) });
type Xml = Record<string, any>;

async function wfs(query: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ url: `/wfs?${query}`, headers });
  return response;
}
/** a request answered 200 with well-formed XML, parsed */
async function xml(t: Test, query: string): Promise<Xml> {
  const response = await wfs(query);
  t.equal(response.statusCode, 200, `${query.slice(0, 120)}: 200`);
  t.equal(XMLValidator.validate(response.body), true, 'well-formed XML');
  return parser.parse(response.body);
}
/** an ExceptionReport with its status, code and locator */
async function exception(t: Test, query: string, status: number, code: string, locator: string | undefined) {
  const response = await wfs(query);
  t.equal(response.statusCode, status, `${query}: ${status}`);
  t.match(response.headers['content-type'], /^text\/xml/);
  const report = parser.parse(response.body).ExceptionReport;
  const e = report?.Exception?.[0];
  t.equal(e?.['@exceptionCode'], code, `exceptionCode ${code}`);
  t.equal(e?.['@locator'], locator, `locator ${locator}`);
  t.ok(String(e?.ExceptionText ?? '').length > 0, `says why: ${e?.ExceptionText}`);
}

const GF = 'service=WFS&version=2.0.0&request=GetFeature';
const PR = 'lor-2021-planungsraum';

interface Feature {
  id: string;
  geometry: { type: string; coordinates: number[][][][] };
  properties: Record<string, unknown>;
}
/** items of a collection: every feature (limit=10000) unless `query` sets its own limit */
async function items(id: string, query = ''): Promise<{ numberMatched: number; features: Feature[] }> {
  const parameters = new URLSearchParams(query.replace(/^&/, ''));
  if (!parameters.has('limit')) parameters.set('limit', '10000');
  parameters.set('f', 'json');
  const response = await app.inject({ url: `/collections/${id}/items?${parameters}` });
  if (response.statusCode !== 200) throw new Error(`items ${id}?${parameters}: ${response.statusCode} ${response.body}`);
  return response.json();
}
const members = (doc: Xml, type: string): Xml[] => (doc.FeatureCollection.member ?? []).map((m: Xml) => m[type]);
const memberIds = (doc: Xml, type: string) => members(doc, type).map((f) => String(f['@id']).replace(`${type}.`, ''));
const collections: Array<{ id: string; title: string; extent: { spatial: { bbox: number[][] } } }> = (await app.inject({ url: '/collections?f=json' })).json().collections;
// the facility collection with the most points (the Kitas: some 2 900)
const facilities = collections.filter((c) => !c.id.startsWith('lor-') && !c.id.startsWith('indicator-')).map((c) => c.id);
const facilitySizes = await Promise.all(facilities.map(async (id) => (await items(id, '&limit=1')).numberMatched));
const facility = facilities[facilitySizes.indexOf(Math.max(...facilitySizes))] as string;

t.test('GetCapabilities lists every collection as a feature type with title, CRS, bbox and formats', async (t) => {
  const caps = (await xml(t, 'service=WFS&request=GetCapabilities')).WFS_Capabilities;
  t.equal(caps['@version'], '2.0.0');
  const types: Xml[] = caps.FeatureTypeList.FeatureType;
  t.same(
    types.map((f) => f.Name),
    collections.map((c) => `datenpool:${c.id}`),
    'one feature type per collection of /collections, in its order',
  );
  for (const [i, c] of collections.entries()) {
    const f = types[i] as Xml;
    t.equal(f.Title, c.title, `${c.id}: its title`);
    t.equal(f.DefaultCRS, 'urn:ogc:def:crs:EPSG::25833', `${c.id}: DefaultCRS EPSG:25833`);
    t.ok(f.OtherCRS.includes('urn:ogc:def:crs:EPSG::4326'), `${c.id}: OtherCRS EPSG:4326`);
    t.same(f.OutputFormats.Format, ['application/gml+xml; version=3.2', 'application/json']);
    const [w, s, e, n] = c.extent.spatial.bbox[0] as number[];
    t.same(
      [...String(f.WGS84BoundingBox.LowerCorner).split(' ').map(Number), ...String(f.WGS84BoundingBox.UpperCorner).split(' ').map(Number)],
      [w, s, e, n],
      `${c.id}: WGS84BoundingBox is the collection's extent`,
    );
  }
  const operations = caps.OperationsMetadata.Operation.map((o: Xml) => o['@name']);
  t.same(operations, ['GetCapabilities', 'DescribeFeatureType', 'GetFeature', 'ListStoredQueries', 'DescribeStoredQueries']);
  const constraint = (name: string) => caps.OperationsMetadata.Constraint.find((c: Xml) => c['@name'] === name)?.DefaultValue;
  t.equal(constraint('ImplementsResultPaging'), 'TRUE');
  t.equal(constraint('KVPEncoding'), 'TRUE');
  t.equal(constraint('CountDefault'), '10000');
  const filter = caps.Filter_Capabilities;
  t.ok(filter.Spatial_Capabilities.SpatialOperators.SpatialOperator.some((o: Xml) => o['@name'] === 'BBOX'), 'BBOX');
  t.equal(filter.Id_Capabilities.ResourceIdentifier['@name'], 'fes:ResourceId', 'ResourceId');
  t.equal(filter.Conformance.Constraint.find((c: Xml) => c['@name'] === 'ImplementsResourceId')?.DefaultValue, 'TRUE');
  const sections = (await xml(t, 'SERVICE=WFS&REQUEST=GetCapabilities&SECTIONS=ServiceIdentification&ACCEPTVERSIONS=2.0.0,1.1.0')).WFS_Capabilities;
  t.ok(sections.ServiceIdentification, 'SECTIONS selects');
  t.notOk(sections.FeatureTypeList, 'what was not asked for is left out');
});

t.test('DescribeFeatureType: the properties items gives, typed, and the geometry type', async (t) => {
  const doc = (await xml(t, `service=WFS&version=2.0.0&request=DescribeFeatureType&typeNames=datenpool:${PR},${facility}`)).schema;
  t.equal(doc['@targetNamespace'], 'urn:datenpool:features');
  const [lor, points] = doc.complexType as Xml[];
  const page = await items(PR, '&limit=1');
  const elements = (type: Xml) => type.complexContent.extension.sequence.element as Xml[];
  t.same(
    elements(lor as Xml).map((e) => e['@name']),
    [...Object.keys((page.features[0] as Feature).properties), 'geometry'],
    'the properties of an items feature, then the geometry',
  );
  t.equal(elements(lor as Xml).find((e) => e['@name'] === 'area_m2')?.['@type'], 'xsd:double');
  t.equal(elements(lor as Xml).find((e) => e['@name'] === 'name')?.['@type'], 'xsd:string');
  t.equal(elements(lor as Xml).find((e) => e['@name'] === 'geometry')?.['@type'], 'gml:MultiSurfacePropertyType');
  t.equal(elements(points as Xml).find((e) => e['@name'] === 'geometry')?.['@type'], 'gml:PointPropertyType');
  t.equal((lor as Xml).complexContent.extension['@base'], 'gml:AbstractFeatureType');
  const all = (await xml(t, 'service=WFS&version=2.0.0&request=DescribeFeatureType')).schema;
  t.equal(all.complexType.length, collections.length, 'without typeNames: every type');
});

t.test('GetFeature: the features items gives, in its order, with the same property values', async (t) => {
  const expected = await items(PR);
  const doc = await xml(t, `${GF}&typeNames=datenpool:${PR}&count=10`);
  t.equal(doc.FeatureCollection['@numberMatched'], String(expected.numberMatched), `numberMatched ${expected.numberMatched}`);
  t.equal(doc.FeatureCollection['@numberReturned'], '10');
  t.same(memberIds(doc, PR), expected.features.slice(0, 10).map((f) => f.id), 'the first ten of items, in order');
  for (const [i, member] of members(doc, PR).entries()) {
    const properties = (expected.features[i] as Feature).properties;
    for (const [name, value] of Object.entries(properties)) {
      if (value === null) t.notOk(name in member, `${name}: null is left out`);
      else t.equal(String(member[name]), String(value), `${(expected.features[i] as Feature).id} ${name}`);
    }
  }
  const hits = await xml(t, `${GF}&typeNames=${PR}&resultType=hits`);
  t.equal(hits.FeatureCollection['@numberMatched'], String(expected.numberMatched), 'hits: numberMatched');
  t.equal(hits.FeatureCollection['@numberReturned'], '0', 'hits: nothing returned');
  t.notOk(hits.FeatureCollection.member, 'hits: no members');
});

t.test('COUNT/STARTINDEX paging: next links walk every feature once, previous links back', async (t) => {
  const expected = await items(PR);
  const seen: string[] = [];
  let url: string | undefined = `${GF}&typeNames=${PR}&count=200`;
  let pages = 0;
  while (url) {
    const doc = await xml(t, url);
    seen.push(...memberIds(doc, PR));
    t.equal(doc.FeatureCollection['@numberMatched'], String(expected.numberMatched));
    if (pages > 0) t.match(doc.FeatureCollection['@previous'], /STARTINDEX=\d+/, 'a previous link');
    const next = doc.FeatureCollection['@next'] as string | undefined;
    url = next === undefined ? undefined : next.slice(next.indexOf('?') + 1);
    pages++;
    if (pages > 10) break;
  }
  t.equal(pages, Math.ceil(expected.numberMatched / 200), `${pages} pages of 200`);
  t.same(seen, expected.features.map((f) => f.id), 'every feature once, in order');
  const offset = await xml(t, `${GF}&typeNames=${PR}&count=5&startIndex=537`);
  t.same(memberIds(offset, PR), expected.features.slice(537).map((f) => f.id), 'the last five');
  t.notOk(offset.FeatureCollection['@next'], 'no next link on the last page');
  const beyond = await xml(t, `${GF}&typeNames=${PR}&count=5&startIndex=9000`);
  t.equal(beyond.FeatureCollection['@numberReturned'], '0', 'past the end: none');
  const clamped = await xml(t, `${GF}&typeNames=lor-2006-planungsraum&count=999999`);
  t.equal(clamped.FeatureCollection['@numberReturned'], '448', 'a COUNT above 10000 is clamped, not refused');
});

t.test('a page above 1000 features comes through a cursor with the same features and counts', async (t) => {
  const expected = await items(facility);
  t.ok(expected.numberMatched > 1200, `${facility}: ${expected.numberMatched} features`);
  const response = await wfs(`${GF}&typeNames=${facility}&count=1200`);
  t.equal(response.headers['content-length'], undefined, 'streamed (chunked)');
  const doc = parser.parse(response.body);
  t.equal(doc.FeatureCollection['@numberReturned'], '1200');
  t.equal(doc.FeatureCollection['@numberMatched'], String(expected.numberMatched));
  t.same(memberIds(doc, facility), expected.features.slice(0, 1200).map((f) => f.id));
  const json = await wfs(`${GF}&typeNames=${facility}&count=1200&startIndex=100&outputFormat=application/json`);
  const body = json.json();
  t.equal(body.features.length, 1200);
  t.same(body.features.map((f: { id: string }) => f.id), expected.features.slice(100, 1300).map((f) => `${facility}.${f.id}`));
});

t.test('BBOX: in the DefaultCRS, with a CRS suffix, and EPSG:4326 latitude first', async (t) => {
  const box = [388000, 5817000, 394000, 5823000];
  const expected = (await items(PR, `&bbox=${box.join(',')}&bbox-crs=EPSG:25833`)).features.map((f) => f.id);
  t.ok(expected.length > 10 && expected.length < 542, `${expected.length} of 542 in the box`);
  const plain = await xml(t, `${GF}&typeNames=${PR}&bbox=${box.join(',')}`);
  t.same(memberIds(plain, PR), expected, 'no suffix: EPSG:25833, the same features as items');
  const suffixed = await xml(t, `${GF}&typeNames=${PR}&bbox=${box.join(',')},urn:ogc:def:crs:EPSG::25833`);
  t.same(memberIds(suffixed, PR), expected, 'with the URN suffix');
  const [w, s, e, n] = [13.35, 52.49, 13.45, 52.53];
  const lonLat = (await items(PR, `&bbox=${w},${s},${e},${n}`)).features.map((f) => f.id);
  const latLon = await xml(t, `${GF}&typeNames=${PR}&bbox=${s},${w},${n},${e},urn:ogc:def:crs:EPSG::4326`);
  t.same(memberIds(latLon, PR), lonLat, 'EPSG:4326 as lat,lon: the features of the lon/lat box');
  const crs84 = await xml(t, `${GF}&typeNames=${PR}&bbox=${w},${s},${e},${n},urn:ogc:def:crs:OGC:1.3:CRS84`);
  t.same(memberIds(crs84, PR), lonLat, 'CRS84 as lon,lat');
  const swapped = await xml(t, `${GF}&typeNames=${PR}&bbox=${w},${s},${e},${n},urn:ogc:def:crs:EPSG::4326`);
  t.equal(swapped.FeatureCollection['@numberReturned'], '0', 'lon,lat read as EPSG:4326 is latitude 13, far from Berlin: none');
});

t.test('srsName: EPSG:25833 by default, EPSG:4326 latitude first, each as items writes the coordinates', async (t) => {
  const posList = (doc: Xml) => {
    const geometry = members(doc, PR)[0]?.geometry.MultiSurface;
    return String(geometry.surfaceMember[0].Polygon.exterior.LinearRing.posList['#text']).split(' ').map(Number);
  };
  const native = await xml(t, `${GF}&typeNames=${PR}&count=1`);
  const expected25833 = ((await items(PR, '&limit=1&crs=EPSG:25833')).features[0] as Feature).geometry.coordinates[0]?.[0] as number[][];
  t.equal(members(native, PR)[0]?.geometry.MultiSurface['@srsName'], 'urn:ogc:def:crs:EPSG::25833');
  t.same(posList(native).slice(0, 6), expected25833.slice(0, 3).flat(), 'EPSG:25833: easting, northing as items gives them');
  const geographic = await xml(t, `${GF}&typeNames=${PR}&count=1&srsName=urn:ogc:def:crs:EPSG::4326`);
  const expected4326 = ((await items(PR, '&limit=1&crs=EPSG:4326')).features[0] as Feature).geometry.coordinates[0]?.[0] as number[][];
  t.equal(members(geographic, PR)[0]?.geometry.MultiSurface['@srsName'], 'urn:ogc:def:crs:EPSG::4326');
  const coordinates = posList(geographic);
  t.ok((coordinates[0] as number) > 52 && (coordinates[0] as number) < 53 && (coordinates[1] as number) > 13 && (coordinates[1] as number) < 14, `latitude first: ${coordinates[0]} ${coordinates[1]}`);
  t.same(coordinates.slice(0, 6), expected4326.slice(0, 3).flat(), 'as items writes EPSG:4326');
  await exception(t, `${GF}&typeNames=${PR}&srsName=EPSG:31468`, 400, 'InvalidParameterValue', 'srsName');
});

t.test('outputFormat=application/json: the GeoJSON of items, with the resource ids', async (t) => {
  const expected = await items(PR, '&limit=3&crs=EPSG:25833');
  const response = await wfs(`${GF}&typeNames=${PR}&count=3&outputFormat=application/json`);
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^application\/json/);
  const body = response.json();
  t.equal(body.numberMatched, 542);
  t.equal(body.numberReturned, 3);
  t.equal(body.crs.properties.name, 'urn:ogc:def:crs:EPSG::25833');
  t.same(
    body.features.map((f: Feature) => ({ ...f, id: f.id.replace(`${PR}.`, '') })),
    expected.features.map((f) => ({ type: 'Feature', id: f.id, geometry: f.geometry, properties: f.properties })),
    'the features items gives in EPSG:25833',
  );
  t.match(body.links[0].href, /STARTINDEX=3/, 'a next link');
});

t.test('RESOURCEID, FILTER (FES 2.0), SORTBY and PROPERTYNAME select what items selects', async (t) => {
  const all = await items(PR);
  const [a, b] = [all.features[3] as Feature, all.features[40] as Feature];
  const byId = await xml(t, `${GF}&resourceId=${PR}.${b.id},${PR}.${a.id}`);
  t.same(memberIds(byId, PR).sort(), [a.id, b.id].sort(), 'RESOURCEID without typeNames: the two features');
  const none = await xml(t, `${GF}&typeNames=${PR}&resourceId=${PR}.99999999`);
  t.equal(none.FeatureCollection['@numberReturned'], '0', 'an unknown id: none');
  await exception(t, `${GF}&typeNames=${PR}&resourceId=lor-2006-bezirk.01`, 400, 'InvalidParameterValue', 'resourceId');

  const fes = (body: string) => encodeURIComponent(`<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2">${body}</fes:Filter>`);
  const envelope = `<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>52.49 13.35</gml:lowerCorner><gml:upperCorner>52.53 13.45</gml:upperCorner></gml:Envelope></fes:BBOX>`;
  const boxed = (await items(PR, '&bbox=13.35,52.49,13.45,52.53')).features.map((f) => f.id);
  t.same(memberIds(await xml(t, `${GF}&typeNames=${PR}&filter=${fes(envelope)}`), PR), boxed, 'fes:BBOX in EPSG:4326 (lat lon): the features of the lon/lat box');
  const parent = a.properties.parent_id as string;
  const cql = encodeURIComponent(`parent_id='${parent}' AND area_m2 > 100000 AND S_INTERSECTS(geometry,BBOX(13.0,52.3,13.8,52.7))`);
  const expected = (await items(PR, `&filter=${cql}`)).features.map((f) => f.id);
  t.ok(expected.length > 0, `items' CQL2 filter: ${expected.length}`);
  const filtered = await xml(
    t,
    `${GF}&typeNames=${PR}&filter=${fes(`<fes:And><fes:PropertyIsEqualTo><fes:ValueReference>datenpool:parent_id</fes:ValueReference><fes:Literal>${parent}</fes:Literal></fes:PropertyIsEqualTo><fes:PropertyIsGreaterThan><fes:ValueReference>area_m2</fes:ValueReference><fes:Literal>100000</fes:Literal></fes:PropertyIsGreaterThan><fes:Intersects><fes:ValueReference>geometry</fes:ValueReference><gml:Envelope srsName="urn:ogc:def:crs:OGC:1.3:CRS84"><gml:lowerCorner>13.0 52.3</gml:lowerCorner><gml:upperCorner>13.8 52.7</gml:upperCorner></gml:Envelope></fes:Intersects></fes:And>`)}`,
  );
  t.same(memberIds(filtered, PR), expected, 'And of comparisons and Intersects: what the CQL2 filter gives');
  const like = (await items(PR, `&filter=${encodeURIComponent("name LIKE 'S%'")}`)).features.map((f) => f.id);
  const liked = await xml(t, `${GF}&typeNames=${PR}&filter=${fes('<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><fes:ValueReference>name</fes:ValueReference><fes:Literal>S*</fes:Literal></fes:PropertyIsLike>')}`);
  t.same(memberIds(liked, PR), like, 'PropertyIsLike with its own wildcard');
  const between = (await items(PR, `&filter=${encodeURIComponent('area_m2 BETWEEN 200000 AND 300000')}`)).features.map((f) => f.id);
  const betweenFes = await xml(
    t,
    `${GF}&typeNames=${PR}&filter=${fes('<fes:PropertyIsBetween><fes:ValueReference>area_m2</fes:ValueReference><fes:LowerBoundary><fes:Literal>200000</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>300000</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween>')}`,
  );
  t.same(memberIds(betweenFes, PR), between, 'PropertyIsBetween: what BETWEEN gives');
  const notNil = await xml(t, `${GF}&typeNames=${PR}&count=5&filter=${fes('<fes:Not><fes:PropertyIsNil><fes:ValueReference>name</fes:ValueReference></fes:PropertyIsNil></fes:Not>')}`);
  t.equal(notNil.FeatureCollection['@numberMatched'], '542', 'no property is ever nil (a null one is left out)');
  const ids = await xml(t, `${GF}&typeNames=${PR}&filter=${fes(`<fes:ResourceId rid="${PR}.${a.id}"/>`)}`);
  t.same(memberIds(ids, PR), [a.id], 'fes:ResourceId');
  await exception(t, `${GF}&typeNames=${PR}&filter=${fes('<fes:PropertyIsEqualTo><fes:ValueReference>nope</fes:ValueReference><fes:Literal>1</fes:Literal></fes:PropertyIsEqualTo>')}`, 400, 'InvalidParameterValue', 'filter');
  await exception(t, `${GF}&typeNames=${PR}&filter=${encodeURIComponent('<fes:Filter><unclosed>')}`, 400, 'InvalidParameterValue', 'filter');
  await exception(t, `${GF}&typeNames=${PR}&filter=${fes(envelope)}&bbox=1,2,3,4`, 400, 'InvalidParameterValue', 'filter');

  const sorted = (await items(PR, '&sortby=-area_m2&limit=20')).features.map((f) => f.id);
  t.same(memberIds(await xml(t, `${GF}&typeNames=${PR}&count=20&sortBy=area_m2 DESC`), PR), sorted, 'SORTBY area_m2 DESC: the order of sortby=-area_m2');
  await exception(t, `${GF}&typeNames=${PR}&sortBy=level DESC`, 400, 'InvalidParameterValue', 'sortBy');
  const selected = members(await xml(t, `${GF}&typeNames=${PR}&count=2&propertyName=name`), PR);
  t.same(Object.keys(selected[0] as Xml).filter((k) => !k.startsWith('@')), ['name'], 'PROPERTYNAME=name: the name only');
  const withGeometry = members(await xml(t, `${GF}&typeNames=${PR}&count=2&propertyName=area_m2,geometry`), PR);
  t.same(Object.keys(withGeometry[0] as Xml).filter((k) => !k.startsWith('@')), ['area_m2', 'geometry'], 'PROPERTYNAME=area_m2,geometry');
});

t.test('GetFeatureById (stored query), ListStoredQueries, DescribeStoredQueries', async (t) => {
  const first = (await items('lor-2021-bezirk', '&limit=1')).features[0] as Feature;
  const one = await xml(t, `${GF}&storedQuery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById&id=lor-2021-bezirk.${first.id}`);
  t.equal(one['lor-2021-bezirk']['@id'], `lor-2021-bezirk.${first.id}`, 'the feature alone, as the document element');
  t.equal(one['lor-2021-bezirk'].name, first.properties.name);
  await exception(t, `${GF}&storedQuery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById&id=lor-2021-bezirk.99`, 404, 'NotFound', 'id');
  const list = await xml(t, 'service=WFS&version=2.0.0&request=ListStoredQueries');
  t.equal(list.ListStoredQueriesResponse.StoredQuery['@id'], 'urn:ogc:def:query:OGC-WFS::GetFeatureById');
  await xml(t, 'service=WFS&version=2.0.0&request=DescribeStoredQueries&storedQuery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById');
});

t.test('GetFeature answers If-None-Match with 304', async (t) => {
  const first = await wfs(`${GF}&typeNames=${PR}&count=2`);
  t.ok(first.headers.etag, 'an ETag');
  const again = await wfs(`${GF}&typeNames=${PR}&count=2`, { 'if-none-match': String(first.headers.etag) });
  t.equal(again.statusCode, 304);
});

t.test('exceptions: OWS ExceptionReports with the code, the parameter as locator and the HTTP status', async (t) => {
  await exception(t, 'request=GetCapabilities', 400, 'MissingParameterValue', 'service');
  await exception(t, 'service=WMS&request=GetCapabilities', 400, 'InvalidParameterValue', 'service');
  await exception(t, 'service=WFS&request=Transaction&version=2.0.0', 400, 'OperationNotSupported', 'request');
  await exception(t, 'service=WFS&request=GetFeature&typeNames=x', 400, 'MissingParameterValue', 'version');
  await exception(t, 'service=WFS&version=1.1.0&request=GetFeature&typeNames=x', 400, 'InvalidParameterValue', 'version');
  await exception(t, 'service=WFS&request=GetCapabilities&acceptVersions=1.0.0,1.1.0', 400, 'VersionNegotiationFailed', 'acceptVersions');
  await exception(t, `${GF}&typeNames=datenpool:nope`, 400, 'InvalidParameterValue', 'typeNames');
  await exception(t, `${GF}&typeName=nope`, 400, 'InvalidParameterValue', 'typeName');
  await exception(t, `${GF}&typeNames=other:${PR}`, 400, 'InvalidParameterValue', 'typeNames');
  await exception(t, `${GF}&typeNames=${PR},lor-2021-bezirk`, 400, 'OptionNotSupported', 'typeNames');
  await exception(t, GF, 400, 'MissingParameterValue', 'typeNames');
  await exception(t, `${GF}&typeNames=${PR}&count=0`, 400, 'InvalidParameterValue', 'count');
  await exception(t, `${GF}&typeNames=${PR}&startIndex=-1`, 400, 'InvalidParameterValue', 'startIndex');
  await exception(t, `${GF}&typeNames=${PR}&resultType=all`, 400, 'InvalidParameterValue', 'resultType');
  await exception(t, `${GF}&typeNames=${PR}&outputFormat=shape-zip`, 400, 'InvalidParameterValue', 'outputFormat');
  await exception(t, `${GF}&typeNames=${PR}&bbox=1,2,x,4`, 400, 'InvalidParameterValue', 'bbox');
  await exception(t, `${GF}&typeNames=${PR}&bbox=5,2,3,4`, 400, 'InvalidParameterValue', 'bbox');
  await exception(t, `${GF}&typeNames=${PR}&limit=5`, 400, 'InvalidParameterValue', 'limit');
  await exception(t, `${GF}&typeNames=${PR}&count=1&COUNT=2`, 400, 'InvalidParameterValue', 'count');
  await exception(t, 'service=WFS&request=GetCapabilities&typeNames=x', 400, 'InvalidParameterValue', 'typeNames');
  await exception(t, `${GF}&typeNames=${PR}&propertyName=nope`, 400, 'InvalidParameterValue', 'propertyName');
  // parameter names are case-insensitive, values of SERVICE and REQUEST too
  const mixed = await wfs(`SeRvIcE=wfs&ReQuEsT=getfeature&VERSION=2.0.0&TYPENAMES=${PR}&COUNT=1`);
  t.equal(mixed.statusCode, 200, 'names in any case');
});

t.test('no malformed parameter value answers 5xx: each is a 200 or an ExceptionReport naming the parameter', async (t) => {
  const doc = app.swagger() as unknown as { paths: Record<string, { get: { parameters: Array<{ name: string; in: string }> } }> };
  const names = doc.paths['/wfs']?.get.parameters.filter((p) => p.in === 'query').map((p) => p.name) ?? [];
  t.ok(names.length >= 15, `the document lists ${names.length} parameters`);
  const enc = encodeURIComponent;
  const values = [
    enc(''),
    enc('x'.repeat(5000)),
    enc('-1'),
    enc('1e309'),
    enc('NaN'),
    enc('{"a":1}'),
    enc("' OR '1'='1"),
    enc('1; DROP TABLE lor_unit;--'),
    enc('<script>alert(1)</script>'),
    enc('\u0001\u001b[31m\r\n'),
    enc('\u202e😀'),
    'a%00b',
    '%C3%28%FF%FE',
    '%E0%A4%A',
    enc(Array.from({ length: 2000 }, (_, i) => String(i)).join(',')),
    enc(`<Filter>${'<Not>'.repeat(200)}<PropertyIsNull><ValueReference>name</ValueReference></PropertyIsNull>${'</Not>'.repeat(200)}</Filter>`),
    enc('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Filter>&a;</Filter>'),
    enc('<Filter><PropertyIsLessThan><ValueReference>area_m2</ValueReference><Literal>1e400</Literal></PropertyIsLessThan></Filter>'),
    enc('<Filter><BBOX><Envelope srsName="urn:ogc:def:crs:EPSG::3857"><lowerCorner>-1e300 -1e300</lowerCorner><upperCorner>1e300 1e300</upperCorner></Envelope></BBOX></Filter>'),
    enc('-1e300,-1e300,1e300,1e300,urn:ogc:def:crs:EPSG::3857'),
    enc('0,0,1,1,urn:ogc:def:crs:EPSG::25833'),
  ];
  const valid: Record<string, string> = { service: 'WFS', version: '2.0.0', request: 'GetFeature', typeNames: 'lor-2021-bezirk', count: '2' };
  let failures = 0;
  let cases = 0;
  for (const name of names) {
    for (const value of values) {
      const query = Object.entries(valid)
        .filter(([k]) => k !== name)
        .map(([k, v]) => `${k}=${enc(v)}`)
        .concat(`${name}=${value}`)
        .join('&');
      const response = await app.inject({ url: `/wfs?${query}` });
      cases++;
      const fine =
        response.statusCode < 400 ||
        (response.statusCode < 500 &&
          (/^text\/xml/.test(String(response.headers['content-type']))
            ? response.body.includes('ExceptionReport') && (response.statusCode !== 400 || response.body.includes(`locator="${name}"`) || response.body.includes('locator="url"') || response.body.includes(name))
            : /^application\/problem\+json/.test(String(response.headers['content-type']))));
      if (!fine) {
        failures++;
        if (failures <= 10) t.fail(`${name}=${value.slice(0, 60)}: ${response.statusCode} ${response.body.slice(0, 300)}`);
      }
    }
  }
  t.equal(failures, 0, `${cases} requests: no 5xx, every 4xx an ExceptionReport naming its parameter`);
});
