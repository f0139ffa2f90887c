// Front-door concerns of the gateway: rate limits, CORS, security headers, compression, OpenAPI drift.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { renderOpenApi } from '@datenpool/gateway';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { testGateway } from './support/app.ts';

t.test('exceeding the rate limit is a 429 problem with Retry-After', async (t) => {
  const { app } = await testGateway(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  const statuses: number[] = [];
  let last: Awaited<ReturnType<typeof app.inject>> | undefined;
  for (let i = 0; i < 4; i++) {
    last = await app.inject({ url: '/?f=json', remoteAddress: '10.9.8.7' });
    statuses.push(last.statusCode);
  }
  t.same(statuses, [200, 200, 200, 429]);
  t.match(last!.headers['content-type'], /application\/problem\+json/);
  t.ok(Number(last!.headers['retry-after']) > 0, 'Retry-After in seconds');
  const otherClient = await app.inject({ url: '/?f=json', remoteAddress: '10.9.8.6' });
  t.equal(otherClient.statusCode, 200, 'limits are per client');
});

t.test('reads are open to every origin, writes only to configured ones', async (t) => {
  const { app } = await testGateway(t, { CORS_ORIGINS: 'https://planung.berlin.de' });
  const read = await app.inject({ url: '/health', headers: { origin: 'https://example.org' } });
  t.equal(read.headers['access-control-allow-origin'], '*');
  const preflightOther = await app.inject({
    method: 'OPTIONS',
    url: '/v1/variables',
    headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
  });
  t.notOk(preflightOther.headers['access-control-allow-origin'], 'unknown origin may not write');
  const preflightKnown = await app.inject({
    method: 'OPTIONS',
    url: '/v1/variables',
    headers: { origin: 'https://planung.berlin.de', 'access-control-request-method': 'POST' },
  });
  t.equal(preflightKnown.headers['access-control-allow-origin'], 'https://planung.berlin.de');
});

t.test('security headers and compression', async (t) => {
  const { app } = await testGateway(t);
  const res = await app.inject({ url: '/api', headers: { 'accept-encoding': 'gzip' } });
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.ok(res.headers['content-security-policy'], 'CSP set');
  t.equal(res.headers['content-encoding'], 'gzip');
  const text = gunzipSync(res.rawPayload).toString('utf8');
  t.match(JSON.parse(text).openapi, /^3\./, 'gunzips to the OpenAPI document');
  t.ok(res.rawPayload.length < text.length / 3, 'the body is compressed');
});

t.test('the committed OpenAPI document is what the code produces, and it validates', async (t) => {
  const committed = readFileSync(new URL('../openapi/datenpool.json', import.meta.url), 'utf8');
  const { database } = await testGateway(t);
  const produced = await renderOpenApi(database);
  t.equal(committed, produced, 'run `pnpm openapi` to update openapi/datenpool.json');
  await t.resolves(SwaggerParser.validate(JSON.parse(produced)));
});
