// Absolute links in every document: from PUBLIC_URL (with its path) where set, else from the request, where
// Forwarded / X-Forwarded-Proto, -Host, -Prefix count only from a peer TRUST_PROXY trusts (service-kit publicBaseUrl).
import t from 'tap';
import { testGateway } from './support/app.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** every `href` (and JSON-LD `@id`/URL value that is a link) in a JSON document */
function hrefs(doc: Json, out: string[] = []): string[] {
  if (Array.isArray(doc)) for (const d of doc) hrefs(d, out);
  else if (doc && typeof doc === 'object') {
    for (const [key, value] of Object.entries(doc)) {
      if (key === 'href' && typeof value === 'string') out.push(value);
      else hrefs(value, out);
    }
  }
  return out;
}

const forwarded = {
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'daten.berlin.example',
  'x-forwarded-prefix': '/datenpool',
};

// the JSON documents a client follows links from; each must have links, all of them absolute
const documents = [
  '/?f=json',
  '/collections?f=json',
  '/collections/lor-2021-planungsraum?f=json',
  '/collections/lor-2021-planungsraum/items?f=json&limit=2',
  '/collections/lor-2021-planungsraum/items/01100101?f=json',
  '/collections/indicator-anteil_65_plus?f=json',
  '/collections/indicator-anteil_65_plus/items?f=json&limit=2',
  '/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum',
  '/v1/lor/2021/units?q=Tiergarten&limit=3',
  '/v1/lor/2021/units/01100101',
  '/v1/lor/2021/locate?lat=52.5163&lon=13.3777',
  '/sdmx/2.1/data/DF_VAR_KITAS/kitas.01100101._T?format=json',
  '/collections/lor-2021-planungsraum/tiles',
  '/collections/lor-2021-planungsraum/tiles/WebMercatorQuad',
  '/tileMatrixSets',
  '/v1/releases',
];

t.test('without a trusted proxy, links are built from the Host the client sent and forwarded headers are ignored', async (t) => {
  const { app } = await testGateway(t, { TRUST_PROXY: 'false' });
  const res = await app.inject({ url: '/?f=json', remoteAddress: '10.0.0.5', headers: { host: 'pool.internal:3000', ...forwarded } });
  t.equal(res.statusCode, 200);
  const links = hrefs(res.json());
  t.ok(links.length >= 6, 'the landing page has its links');
  for (const href of links) t.match(href, /^http:\/\/pool\.internal:3000\//, `${href} is absolute on the request's host`);
});

t.test('X-Forwarded-Proto/-Host/-Prefix count from a trusted proxy and not from any other peer', async (t) => {
  const { app } = await testGateway(t, { TRUST_PROXY: '10.0.0.0/8' });
  const trusted = await app.inject({ url: '/?f=json', remoteAddress: '10.0.0.5', headers: { host: 'pool.internal:3000', ...forwarded } });
  const links = hrefs(trusted.json());
  for (const href of links) t.match(href, /^https:\/\/daten\.berlin\.example\/datenpool\//, `${href} from the trusted proxy's headers`);
  t.ok(links.includes('https://daten.berlin.example/datenpool/collections'), 'the collections link under the prefix');
  const untrusted = await app.inject({ url: '/?f=json', remoteAddress: '192.168.7.7', headers: { host: 'pool.internal:3000', ...forwarded } });
  for (const href of hrefs(untrusted.json())) t.match(href, /^http:\/\/pool\.internal:3000\//, `${href}: an untrusted peer's headers are ignored`);
  // IPv4-mapped IPv6 peer address of a trusted proxy (a dual-stack socket reports it so)
  const mapped = await app.inject({ url: '/?f=json', remoteAddress: '::ffff:10.1.2.3', headers: { host: 'pool.internal:3000', ...forwarded } });
  t.match(hrefs(mapped.json())[0], /^https:\/\/daten\.berlin\.example\/datenpool\//, 'the IPv4-mapped address of a trusted proxy is trusted');
});

t.test('the client address for rate limits follows the same trust rule as the links', async (t) => {
  const { app } = await testGateway(t, { TRUST_PROXY: '10.0.0.0/8', RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' });
  const via = (peer: string, client: string) =>
    app.inject({ url: '/conformance?f=json', remoteAddress: peer, headers: { 'x-forwarded-for': client } }).then((r) => r.statusCode);
  // through the trusted proxy two clients are two budgets; from an untrusted peer the header is ignored
  t.same([await via('10.0.0.5', '203.0.113.1'), await via('10.0.0.5', '203.0.113.1'), await via('10.0.0.5', '203.0.113.1')], [200, 200, 429]);
  t.equal(await via('10.0.0.5', '203.0.113.2'), 200, 'another client behind the trusted proxy has its own budget');
  t.same([await via('192.168.7.7', '203.0.113.3'), await via('192.168.7.7', '203.0.113.4'), await via('192.168.7.7', '203.0.113.5')], [200, 200, 429], 'an untrusted peer is one client whatever it forwards');
});

t.test('RFC 7239 Forwarded from a trusted proxy wins over X-Forwarded-*; values that are no host or scheme are ignored', async (t) => {
  const { app } = await testGateway(t, { TRUST_PROXY: 'loopback' });
  const res = await app.inject({
    url: '/?f=json',
    remoteAddress: '127.0.0.1',
    headers: { host: 'pool.internal', forwarded: 'for=198.51.100.7;proto=https;host="geo.berlin.example"', 'x-forwarded-host': 'other.example' },
  });
  t.match(hrefs(res.json())[0], /^https:\/\/geo\.berlin\.example\//, 'Forwarded proto and host');
  const bad = await app.inject({
    url: '/?f=json',
    remoteAddress: '127.0.0.1',
    headers: { host: 'pool.internal', 'x-forwarded-host': 'evil.example/phish?', 'x-forwarded-proto': 'javascript', 'x-forwarded-prefix': '/a b' },
  });
  for (const href of hrefs(bad.json())) t.match(href, /^http:\/\/pool\.internal\//, `${href}: malformed forwarded values fall back to the request`);
  const chain = await app.inject({
    url: '/?f=json',
    remoteAddress: '127.0.0.1',
    headers: { host: 'pool.internal', 'x-forwarded-host': 'client-chose.example, proxy-set.example' },
  });
  t.match(hrefs(chain.json())[0], /^http:\/\/proxy-set\.example\//, 'the entry the trusted peer appended, as Fastify reads request.host');
});

t.test('PUBLIC_URL with a path prefix starts every link of every JSON document, whatever the request says', async (t) => {
  const { app } = await testGateway(t, { PUBLIC_URL: 'https://geoportal.berlin.example/sozialraum/datenpool/', TRUST_PROXY: 'true' });
  for (const url of documents) {
    const res = await app.inject({ url, headers: { host: 'pool.internal', ...forwarded } });
    t.equal(res.statusCode, 200, url);
    const links = hrefs(res.json());
    t.ok(links.length > 0, `${url} has links`);
    const stray = links.filter((h) => !h.startsWith('https://geoportal.berlin.example/sozialraum/datenpool/'));
    t.same(stray, [], `${url}: every link under PUBLIC_URL`);
  }
  const landing = await app.inject({ url: '/?f=json' });
  const byRel = Object.fromEntries(hrefs(landing.json()).map((h) => [h, true]));
  t.ok(byRel['https://geoportal.berlin.example/sozialraum/datenpool/conformance'], 'conformance under the prefix, no doubled slash');
  t.ok(byRel['https://geoportal.berlin.example/sozialraum/datenpool/api'], 'service-desc under the prefix');
});

t.test('the DCAT catalogue and the landing page HTML use the public base URL', async (t) => {
  const { app } = await testGateway(t, { PUBLIC_URL: 'https://geoportal.berlin.example/datenpool' });
  const catalog = await app.inject({ url: '/v1/catalog.jsonld' });
  t.equal(catalog.statusCode, 200);
  const text = catalog.body;
  t.match(text, /https:\/\/geoportal\.berlin\.example\/datenpool\//, 'catalogue URLs under PUBLIC_URL');
  t.notMatch(text, /"(?:accessURL|downloadURL|@id)"\s*:\s*"\//, 'no path-only URL in the catalogue');
  const page = await app.inject({ url: '/?f=html', headers: { accept: 'text/html' } });
  t.match(page.body, /data-base="https:\/\/geoportal\.berlin\.example\/datenpool"/, 'the search form requests under the prefix');
  t.match(page.body, /href="https:\/\/geoportal\.berlin\.example\/datenpool\/viewer\/"/, 'the viewer link under the prefix');
  t.match(page.body, /href="https:\/\/geoportal\.berlin\.example\/datenpool\/collections"/, 'the API links under the prefix');
});
