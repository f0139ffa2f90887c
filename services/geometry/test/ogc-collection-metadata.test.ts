// The fixed cost of OGC requests: numberMatched of a filtered page by the page's own statement, extents and counts
// kept per data version (read again only after the units changed), /collections without extent scans.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);

// every statement the pool's clients send, recorded while `recording` is set
const statements: string[] = [];
let recording = false;
type Query = (...args: unknown[]) => unknown;
const client = (database.pool as unknown as { Client: { prototype: { query: Query } } }).Client.prototype;
const originalQuery = client.query;
client.query = function (this: unknown, ...args: unknown[]) {
  if (recording) {
    const first = args[0];
    statements.push(typeof first === 'string' ? first : String((first as { text?: string })?.text ?? ''));
  }
  return originalQuery.apply(this, args);
};
t.teardown(() => {
  client.query = originalQuery;
});
const db = database.db;

async function statementsOf(url: string): Promise<{ body: Record<string, unknown>; sent: string[] }> {
  statements.length = 0;
  recording = true;
  const res = await app.inject({ url });
  recording = false;
  t.equal(res.statusCode, 200, url);
  return { body: res.json(), sent: [...statements] };
}

interface CollectionDoc {
  id: string;
  extent: { spatial?: { bbox: number[][] } };
}

async function extentOf(version: string, level: string): Promise<number[]> {
  const { rows } = await sql<{ w: number; s: number; e: number; n: number }>`SELECT ST_XMin(b) AS w, ST_YMin(b) AS s,
      ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 25833), 4326) AS b FROM lor_unit
      WHERE version = ${version} AND level = ${level}) x`.execute(db);
  const r = rows[0]!;
  return [r.w, r.s, r.e, r.n];
}

const close = (a: number[] | undefined, b: number[]) => !!a && a.length === 4 && a.every((v, i) => Math.abs(v - (b[i] ?? Number.NaN)) < 1e-9);

t.test('a full filtered page: numberMatched is the count of the filter, from the one statement of the page', async (t) => {
  // a bbox over the middle of Berlin: many more Planungsräume than a page of 5
  const bbox = '13.30,52.48,13.45,52.55';
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit u WHERE u.version = '2006'
    AND u.level = 'planungsraum' AND ST_Intersects(u.geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope(13.30, 52.48, 13.45, 52.55, 4326), 0.01), 25833))`.execute(db);
  const expected = rows[0]!.n;
  t.ok(expected > 5, `the box meets ${expected} units`);
  const { body, sent } = await statementsOf(`/collections/lor-2006-planungsraum/items?limit=5&bbox=${bbox}`);
  t.equal(body.numberReturned, 5);
  t.equal(body.numberMatched, expected, 'numberMatched is the filtered count');
  const lor = (sent: string[]) => sent.filter((s) => /lor_unit/.test(s));
  t.equal(lor(sent).length, 1, `one statement for the page and its count (sent: ${lor(sent).map((s) => s.slice(0, 60)).join(' | ')})`);
  const filtered = await statementsOf(`/collections/lor-2006-planungsraum/items?limit=5&filter=${encodeURIComponent("name LIKE 'S%'")}`);
  const like = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit WHERE version = '2006' AND level = 'planungsraum'
    AND name LIKE 'S%'`.execute(db);
  t.equal(filtered.body.numberMatched, like.rows[0]!.n, 'a CQL2 filter too');
  t.equal(lor(filtered.sent).length, 1, 'in one statement');
  // a page beyond the matches has no row to carry the count: it is counted on its own, still exactly
  const beyond = await statementsOf(`/collections/lor-2006-planungsraum/items?limit=5&offset=${expected + 10}&bbox=${bbox}`);
  t.equal(beyond.body.numberReturned, 0);
  t.equal(beyond.body.numberMatched, expected, 'an offset beyond the matches still tells how many match');
});

t.test('a full unfiltered page: the level\'s count is read once per data version', async (t) => {
  const count = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit WHERE version = '2006' AND level = 'bezirksregion'`.execute(db)).rows[0]!.n;
  const first = await statementsOf('/collections/lor-2006-bezirksregion/items?limit=3');
  t.equal(first.body.numberMatched, await count());
  const second = await statementsOf('/collections/lor-2006-bezirksregion/items?limit=3');
  t.equal(second.body.numberMatched, await count());
  t.equal(second.sent.filter((s) => /lor_unit/.test(s)).length, 1, 'the second page costs one statement: the count is remembered');
  // a new unit moves the version's updated_at (trigger): the count is read again
  await sql`INSERT INTO lor_unit (version, level, id, name, parent_id, area_m2, geom)
    SELECT version, level, '99999999', 'copy', parent_id, area_m2, geom FROM lor_unit
    WHERE version = '2006' AND level = 'bezirksregion' ORDER BY id LIMIT 1`.execute(db);
  const after = await statementsOf('/collections/lor-2006-bezirksregion/items?limit=3');
  t.equal(after.body.numberMatched, await count(), 'the new unit is counted');
  await sql`DELETE FROM lor_unit WHERE version = '2006' AND id = '99999999'`.execute(db);
  const removed = await statementsOf('/collections/lor-2006-bezirksregion/items?limit=3');
  t.equal(removed.body.numberMatched, await count(), 'and no longer once it is gone');
});

t.test('/collections: extents as the data has them, scanned once per data version', async (t) => {
  const first = await statementsOf('/collections?f=json');
  const collections = first.body.collections as CollectionDoc[];
  const bezirk = collections.find((c) => c.id === 'lor-2006-bezirk');
  t.ok(close(bezirk?.extent.spatial?.bbox[0], await extentOf('2006', 'bezirk')), 'the extent of lor-2006-bezirk');
  const again = await statementsOf('/collections?f=json');
  t.same(again.body.collections, collections, 'the same documents');
  const scans = again.sent.filter((s) => /ST_Extent/i.test(s) && /lor_unit/.test(s) && !/indicator/.test(s));
  t.same(scans, [], 'the second listing scans no LOR extents');
  const lorStatements = again.sent.filter((s) => /lor_unit/.test(s));
  t.same(lorStatements, [], 'and reads no lor_unit at all (the indicator layers\' descriptions are kept too)');

  // one Bezirk (Reinickendorf, in the north-west) moves 60 km east: the version's extent grows, /collections shows it
  await sql`UPDATE lor_unit SET geom = ST_Translate(geom, 60000, 0) WHERE version = '2006' AND level = 'bezirk'
    AND id = (SELECT max(id) FROM lor_unit WHERE version = '2006' AND level = 'bezirk')`.execute(db);
  const moved = await statementsOf('/collections?f=json');
  const now = (moved.body.collections as CollectionDoc[]).find((c) => c.id === 'lor-2006-bezirk');
  const expected = await extentOf('2006', 'bezirk');
  t.not(expected[2], bezirk?.extent.spatial?.bbox[0]?.[2], 'the east edge moved');
  t.ok(close(now?.extent.spatial?.bbox[0], expected), 'the new extent after the change');
  const single = await statementsOf('/collections/lor-2006-bezirk?f=json');
  t.ok(close((single.body as unknown as CollectionDoc).extent.spatial?.bbox[0], expected), 'the collection document too');
});

t.test('facility collections: extent and count of a delivery, read with its shape', async (t) => {
  const { rows } = await sql<{ id: string; n: number; w: number; s: number; e: number; nn: number }>`SELECT d.id, count(f.id)::int AS n,
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS nn
    FROM facility_dataset d JOIN facility f ON f.dataset = d.id
      CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(ST_Extent(x.geom)::geometry, 25833), 4326) AS b FROM facility x
        WHERE x.dataset = d.id) e
    GROUP BY d.id, b ORDER BY d.id LIMIT 1`.execute(db);
  const dataset = rows[0];
  if (!dataset) {
    t.fail('the bundled data has facility datasets');
    return;
  }
  const doc = (await statementsOf(`/collections/${dataset.id}?f=json`)).body as unknown as CollectionDoc;
  t.ok(close(doc.extent.spatial?.bbox[0], [dataset.w, dataset.s, dataset.e, dataset.nn]), `the extent of ${dataset.id}`);
  const page = await statementsOf(`/collections/${dataset.id}/items?limit=2`);
  t.equal(page.body.numberMatched, dataset.n, 'numberMatched of an unfiltered page: the delivery\'s count');
  const points = page.sent.filter((s) => /FROM facility f\b/.test(s));
  t.equal(points.length, 1, 'one statement reads the points: the page (no COUNT, no shape)');
});
