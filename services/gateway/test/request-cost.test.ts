// The fixed cost of a request (issue 16 item 6): what was hoisted out of the per-request path answers as before.
// Security headers worked out once equal @fastify/helmet's per-request ones; the ETag is the same SHA-1 of the data
// version, URL and format; the URL checks that now skip clean URLs still refuse what they refused.
import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import { sql } from '@datenpool/db';
import { securityOptions } from '@datenpool/gateway';
import Fastify from 'fastify';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);

/** the headers @fastify/helmet sets for the gateway's options, on an app of its own (per request, as it does) */
async function helmetReference(): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, securityOptions);
  probe.get('/', async () => 'x');
  const bare = Fastify();
  bare.get('/', async () => 'x');
  try {
    const [withHelmet, without] = await Promise.all([probe.inject({ url: '/' }), bare.inject({ url: '/' })]);
    const added: Record<string, string> = {};
    for (const [name, value] of Object.entries(withHelmet.headers)) {
      if (without.headers[name] === undefined) added[name] = String(value);
    }
    return added;
  } finally {
    await Promise.all([probe.close(), bare.close()]);
  }
}

t.test('the security headers worked out once are the ones @fastify/helmet sets on every answer', async (t) => {
  const expected = await helmetReference();
  t.ok(Object.keys(expected).length >= 10, `helmet sets its headers (${Object.keys(expected).join(', ')})`);
  t.match(expected['content-security-policy'], /default-src 'self'/, 'with the configured CSP');
  const answers = await Promise.all(
    ['/health', '/collections/lor-2006-planungsraum/items?limit=2', '/collections/nope/items', '/collections?f=html', '/v1/does-not-exist'].map(
      async (url) => ({ url, res: await app.inject({ url }) }),
    ),
  );
  for (const { url, res } of answers) {
    for (const [name, value] of Object.entries(expected)) t.equal(res.headers[name], value, `${url}: ${name}`);
  }
  t.same(
    answers.map(({ res }) => res.statusCode),
    [200, 200, 404, 200, 404],
    'answers, errors and the HTML alike',
  );
});

t.test('the ETag of a page is the SHA-1 of its data version, URL and format', async (t) => {
  const url = '/collections/lor-2006-planungsraum/items?limit=3&offset=2';
  const res = await app.inject({ url, headers: { host: 'example.org' } });
  t.equal(res.statusCode, 200);
  const { rows } = await sql<{ version: string; updated_at: Date }>`SELECT version, updated_at FROM lor_version WHERE version = '2006'`.execute(
    database.db,
  );
  const row = rows[0]!;
  const tag = `${row.version}@${row.updated_at.toISOString()}`;
  const expected = `"${createHash('sha1').update(`${tag}\nhttp://example.org${url}\njson`).digest('base64url')}"`;
  t.equal(res.headers.etag, expected);
  const again = await app.inject({ url, headers: { host: 'example.org', 'if-none-match': expected } });
  t.equal(again.statusCode, 304, 'and it validates');
  const html = await app.inject({ url: `${url}&f=html`, headers: { host: 'example.org' } });
  const htmlTag = `"${createHash('sha1').update(`${tag}\nhttp://example.org${url}&f=html\nhtml`).digest('base64url')}"`;
  t.equal(html.headers.etag, htmlTag, 'the HTML page has its own');
});

t.test('URL checks: clean URLs pass, percent-encoded faults and keys in the URL are still refused', async (t) => {
  const cases: Array<[string, number, string | undefined]> = [
    ['/collections/lor-2006-planungsraum/items?limit=2&bbox=13.3,52.5,13.31,52.51', 200, undefined],
    ['/collections/lor-2006-planungsraum/items?limit=2&filter=name%20LIKE%20%27S%25%27', 200, undefined],
    ['/collections/lor-2006-planungsraum/items?limit=2&filter=name%00', 400, 'filter'],
    ['/collections/lor-2006-planungsraum/items?limit=%E0%A4%A', 400, 'limit'],
    ['/collections/lor-2006-planungsraum/items?limit=2&filter=%ED%A0%80', 400, 'filter'],
    ['/collections/lor-2006-planungsraum/items?limit=2&api_key=abc', 400, 'api_key'],
    ['/collections/lor-2006-planungsraum/items?limit=2&k=dp_abcdefghij_ABCDEFGHIJ', 400, 'k'],
  ];
  for (const [url, status, name] of cases) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, status, url);
    if (name !== undefined) {
      const problem = res.json() as { invalidParams?: Array<{ name?: string }> };
      t.equal(problem.invalidParams?.[0]?.name, name, `${url}: names ${name}`);
    }
  }
});

t.test('CORS options made once answer as the per-request ones did', async (t) => {
  const { app: gateway } = await testGateway(t, { CORS_ORIGINS: 'https://planung.berlin.de' });
  const get = (origin?: string) => gateway.inject({ url: '/health', ...(origin ? { headers: { origin } } : {}) });
  const preflight = (origin: string, method: string) =>
    gateway.inject({ method: 'OPTIONS', url: '/v1/variables', headers: { origin, 'access-control-request-method': method } });
  const anyone = await get('https://example.org');
  t.equal(anyone.headers['access-control-allow-origin'], '*', 'a read from anywhere: *');
  t.match(String(anyone.headers.vary), /Origin/, 'Vary: Origin');
  t.equal(anyone.headers['access-control-expose-headers'], 'ETag, Content-Crs, Link, Retry-After, X-Request-Id, Last-Modified');
  t.equal((await get()).headers['access-control-allow-origin'], '*', 'a read without Origin: *');
  t.equal((await get('https://planung.berlin.de')).headers['access-control-allow-origin'], 'https://planung.berlin.de', 'a configured reader is echoed');
  const known = await preflight('https://planung.berlin.de', 'POST');
  t.equal(known.statusCode, 204);
  t.equal(known.headers['access-control-allow-origin'], 'https://planung.berlin.de');
  t.equal(known.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  t.equal(known.headers['access-control-allow-headers'], 'Authorization, Content-Type, Idempotency-Key, If-None-Match, Accept');
  t.equal(known.headers['access-control-max-age'], '600');
  const other = await preflight('https://example.org', 'DELETE');
  t.notOk(other.headers['access-control-allow-origin'], 'an unknown origin may not write');
  const readPreflight = await preflight('https://example.org', 'GET');
  t.equal(readPreflight.headers['access-control-allow-origin'], '*', 'but may preflight a read');
});
