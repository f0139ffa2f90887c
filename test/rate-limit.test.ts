// The gateway's rate limit: probes exempt, X-Forwarded-For only from trusted proxies, unknown keys limited by address
// before any scrypt, and a map client's burst inside the default.
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import t from 'tap';

// about 2 000 requests through the whole gateway on a shared machine
t.setTimeout(180_000);

// every scrypt call of the process is counted: auth.ts binds node:crypto's scrypt when it is first imported, which
// happens below, after the wrapper is in place (so every workspace package is imported dynamically)
let scryptCalls = 0;
const originalScrypt = crypto.scrypt;
crypto.scrypt = ((...args: Parameters<typeof originalScrypt>) => {
  scryptCalls++;
  return (originalScrypt as (...a: unknown[]) => void)(...args);
}) as typeof crypto.scrypt;
syncBuiltinESMExports();

const { testGateway } = await import('./support/app.ts');
const { ensureKey, generateKey } = await import('@datenpool/service-kit');
const { DEFAULT_LIMIT } = await import('@datenpool/ogc');

/** a well-formed key no one issued: each a new one, as a client rotating bogus keys sends them */
const bogusKey = () => generateKey().key;

t.test('probes are never rate limited; other routes are', async (t) => {
  const { app } = await testGateway(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  const probes: number[] = [];
  for (let i = 0; i < 10; i++) {
    probes.push((await app.inject({ url: '/health', remoteAddress: '10.1.0.1' })).statusCode);
    probes.push((await app.inject({ url: '/ready', remoteAddress: '10.1.0.1' })).statusCode);
  }
  t.same(new Set(probes), new Set([200]), '20 probes from one address: all 200');
  const others: number[] = [];
  for (let i = 0; i < 4; i++) others.push((await app.inject({ url: '/conformance?f=json', remoteAddress: '10.1.0.1' })).statusCode);
  t.same(others, [200, 200, 200, 429], 'the same address is limited on other routes');
  t.equal((await app.inject({ url: '/health', remoteAddress: '10.1.0.1' })).statusCode, 200, 'a limited client still reaches /health');
});

t.test('X-Forwarded-For from a peer that is not a trusted proxy does not change the bucket', async (t) => {
  const { app } = await testGateway(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const forwarded = `203.0.113.${i + 1}`;
    statuses.push((await app.inject({ url: '/conformance?f=json', remoteAddress: '10.2.0.1', headers: { 'x-forwarded-for': forwarded } })).statusCode);
  }
  t.same(statuses, [200, 200, 200, 429, 429], 'a new X-Forwarded-For on every request: still one bucket, the peer address');
  const links = await app.inject({
    url: '/collections?f=json',
    remoteAddress: '10.2.0.2',
    headers: { host: 'datenpool.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
  });
  t.match(links.json().links[0].href, /^http:\/\/datenpool\.example\//, 'X-Forwarded-Host/-Proto of an untrusted peer are ignored in links');
});

t.test('X-Forwarded-For from a configured proxy is the client address', async (t) => {
  const { app } = await testGateway(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000', TRUST_PROXY: '10.3.0.0/24' });
  const viaProxy = (client: string) =>
    app.inject({ url: '/conformance?f=json', remoteAddress: '10.3.0.7', headers: { 'x-forwarded-for': client } });
  const a: number[] = [];
  for (let i = 0; i < 4; i++) a.push((await viaProxy('198.51.100.1')).statusCode);
  t.same(a, [200, 200, 200, 429], 'one client behind the proxy is limited');
  t.equal((await viaProxy('198.51.100.2')).statusCode, 200, 'another client behind the same proxy has its own bucket');
  // a client that prepends a forged address: the proxy appends the real one, which is what counts
  t.equal((await viaProxy('198.51.100.2, 198.51.100.1')).statusCode, 429, 'the address the proxy saw counts, not one the client forged');
  const links = await app.inject({
    url: '/collections?f=json',
    remoteAddress: '10.3.0.7',
    headers: { host: 'internal:3000', 'x-forwarded-host': 'datenpool.berlin.de', 'x-forwarded-proto': 'https' },
  });
  t.match(links.json().links[0].href, /^https:\/\/datenpool\.berlin\.de\//, 'the trusted proxy\'s X-Forwarded-Host/-Proto build the links');
});

t.test('bogus keys beyond the limit answer 429 without scrypt; a verified key keeps its own bucket', async (t) => {
  const { app, database } = await testGateway(t, {
    RATE_LIMIT_MAX: '1000',
    RATE_LIMIT_UNKNOWN_KEY_MAX: '5',
    RATE_LIMIT_WINDOW_MS: '60000',
  });
  const { key } = generateKey();
  await ensureKey(database.db, key, { scopes: ['metadata:write'], label: 'rate-limit test' });
  // the key is verified once (one scrypt), from another address
  const first = await app.inject({ url: '/v1/agencies', remoteAddress: '10.4.0.9', headers: { authorization: `Bearer ${key}` } });
  t.equal(first.statusCode, 200, `the issued key reads (${first.body.slice(0, 200)})`);

  const before = scryptCalls;
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ url: '/v1/agencies', remoteAddress: '10.4.0.1', headers: { authorization: `Bearer ${bogusKey()}` } });
    statuses.push(res.statusCode);
  }
  t.same(statuses.slice(0, 5), [401, 401, 401, 401, 401], 'the first five bogus keys are checked (401)');
  t.same(new Set(statuses.slice(5)), new Set([429]), 'the next fifteen are refused before authentication');
  t.equal(scryptCalls - before, 5, 'scrypt ran five times for twenty bogus keys');

  const verified = await app.inject({ url: '/v1/agencies', remoteAddress: '10.4.0.1', headers: { authorization: `Bearer ${key}` } });
  t.equal(verified.statusCode, 200, 'a verified key from the same address is not limited as unknown');
  t.equal(scryptCalls - before, 5, 'and needs no scrypt');
  const other = await app.inject({ url: '/v1/agencies', remoteAddress: '10.4.0.2', headers: { authorization: `Bearer ${bogusKey()}` } });
  t.equal(other.statusCode, 401, 'another address has its own budget of unknown keys');
});

t.test('rotating bogus keys share their address\'s bucket', async (t) => {
  const { app } = await testGateway(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_UNKNOWN_KEY_MAX: '100', RATE_LIMIT_WINDOW_MS: '60000' });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await app.inject({ url: '/conformance?f=json', remoteAddress: '10.5.0.1', headers: { authorization: `Bearer ${bogusKey()}` } })).statusCode);
  }
  t.same(statuses, [200, 200, 200, 429], 'four keys, one bucket (the conformance page does not authenticate)');
});

t.test('the default limit passes a map client\'s burst', async (t) => {
  // defaults: RATE_LIMIT_MAX and RATE_LIMIT_WINDOW_MS unset
  const { app } = await testGateway(t, { RATE_LIMIT_MAX: '' });
  // a client opening the service (landing page, conformance, collections, API) and drawing the bench's 100 000-polygon
  // collection at full extent page by page at the default limit, twice (a zoom out and back): within one window
  const pages = Math.ceil(100_000 / DEFAULT_LIMIT);
  const burst = 4 + 2 * pages;
  let refused = 0;
  // cheap routes stand in for the pages: the limit counts requests, not what they cost
  const urls = ['/?f=json', '/conformance?f=json'];
  for (let i = 0; i < burst; i++) {
    const res = await app.inject({ url: urls[i % urls.length] ?? '/conformance?f=json', remoteAddress: '10.6.0.1' });
    if (res.statusCode === 429) refused++;
  }
  t.equal(refused, 0, `${burst} requests from one address in a burst: none refused`);
});
