// numberMatched policies: exact by default, the planner's estimate or nothing where the operator sets it, and the
// paging links right under each (an estimate never ends the paging).
import { estimateRows, sql } from '@datenpool/db';
import { parseNumberMatchedPolicies } from '@datenpool/ogc';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

// read once when the first collection is built: set before the gateway starts
process.env.OGC_NUMBER_MATCHED = 'lor-est-planungsraum=estimate, lor-2006-bezirks*=omit';
const { app, database } = await testGateway(t);

interface Page {
  features: Array<{ id: string }>;
  numberMatched?: number;
  numberReturned: number;
  links: Array<{ rel: string; href: string }>;
}
const get = async (url: string): Promise<Page> => {
  const res = await app.inject({ url });
  t.equal(res.statusCode, 200, url);
  return res.json() as Page;
};
const next = (page: Page) => page.links.find((l) => l.rel === 'next')?.href;

t.test('the setting: exact ids, prefixes, exact by default, and a malformed one refused', async (t) => {
  const policy = parseNumberMatchedPolicies('indicator-*=omit,lor-bench-planungsraum=estimate');
  t.equal(policy('indicator-anteil_sgb2'), 'omit');
  t.equal(policy('lor-bench-planungsraum'), 'estimate');
  t.equal(policy('lor-bench-bezirk'), 'exact');
  t.equal(parseNumberMatchedPolicies(undefined)('anything'), 'exact');
  t.throws(() => parseNumberMatchedPolicies('lor-2006-bezirk=sometimes'), /OGC_NUMBER_MATCHED/);
  t.throws(() => parseNumberMatchedPolicies('=exact'), /OGC_NUMBER_MATCHED/);
});

t.test('estimate: the planner statistics answer a full page, the last page is exact', async (t) => {
  // a version the statistics have not seen yet: the planner's guess is far from the 448 units it holds
  await sql`ANALYZE lor_unit`.execute(database.db);
  await sql`INSERT INTO lor_version (version, label, valid_from) VALUES ('est', 'copy of 2006', '2000-01-01')`.execute(database.db);
  await sql`INSERT INTO lor_unit (version, level, id, name, parent_id, area_m2, geom)
    SELECT 'est', level, id, name, NULL, area_m2, geom FROM lor_unit WHERE version = '2006' AND level = 'planungsraum'`.execute(
    database.db,
  );
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit
    WHERE version = 'est' AND level = 'planungsraum'`.execute(database.db);
  const exact = rows[0]!.n;
  const planner = await estimateRows(database.db, sql`SELECT 1 FROM lor_unit u WHERE u.version = 'est' AND u.level = 'planungsraum'`);
  t.not(planner, exact, 'the statistics do not know the new version');
  const first = await get('/collections/lor-est-planungsraum/items?limit=10');
  t.equal(first.numberReturned, 10);
  t.type(first.numberMatched, 'number');
  t.not(first.numberMatched, exact, 'not a COUNT(*)');
  t.ok((first.numberMatched ?? 0) >= 10, 'never below what the page shows');
  t.ok(next(first), 'a next link on a full page');
  const last = await get(`/collections/lor-est-planungsraum/items?limit=10&offset=${exact - 3}`);
  t.equal(last.numberReturned, 3);
  t.equal(last.numberMatched, exact, 'exact for free on the last page');
  t.notOk(next(last));
});

t.test('omit: no numberMatched, and the next links still reach every feature once', async (t) => {
  const seen: string[] = [];
  let url: string | undefined = '/collections/lor-2006-bezirksregion/items?limit=50';
  let pages = 0;
  while (url) {
    const page = await get(url.replace(/^https?:\/\/[^/]+/, ''));
    if (page.numberReturned === 50) t.notOk('numberMatched' in page, 'no numberMatched on a full page');
    seen.push(...page.features.map((f) => f.id));
    url = next(page);
    pages++;
  }
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2006' AND level = 'bezirksregion'
    ORDER BY id`.execute(database.db);
  t.equal(pages, Math.ceil(rows.length / 50) + (rows.length % 50 === 0 ? 1 : 0));
  t.same([...seen].sort(), rows.map((r) => r.id), 'every Bezirksregion, none twice');
});

t.test('collections the setting does not name count exactly', async (t) => {
  const page = await get('/collections/lor-2006-prognoseraum/items?limit=10');
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit
    WHERE version = '2006' AND level = 'prognoseraum'`.execute(database.db);
  t.equal(page.numberMatched, rows[0]!.n);
});
