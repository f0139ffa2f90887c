// The gateway's front door: landing page, API documents, health and the problem+json error forms.
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app } = await testGateway(t);

t.test('landing page answers JSON to API clients and HTML to browsers', async (t) => {
  const json = await app.inject({ url: '/', headers: { accept: 'application/json' } });
  t.equal(json.statusCode, 200);
  const body = json.json();
  t.ok(body.links.some((l: { rel: string }) => l.rel === 'service-desc'), 'links the OpenAPI document');
  const viaF = await app.inject({ url: '/?f=json', headers: { accept: 'text/html' } });
  t.match(viaF.headers['content-type'], /application\/json/, 'f=json wins over Accept');
  const page = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /<h1>Datenpool Berlin<\/h1>/);
});

t.test('/health and /ready answer 200, /ready after asking the database', async (t) => {
  t.equal((await app.inject({ url: '/health' })).statusCode, 200);
  const ready = await app.inject({ url: '/ready' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().database.engine, 'postgres');
  t.match(ready.json().database.postgis, /^3\./);
});

t.test('/api is a valid OpenAPI 3 document; /api.html is the interactive page', async (t) => {
  const api = await app.inject({ url: '/api' });
  t.equal(api.statusCode, 200);
  const doc = api.json();
  t.match(doc.openapi, /^3\./);
  await t.resolves(SwaggerParser.validate(structuredClone(doc)), 'validates with swagger-parser');
  const page = await app.inject({ url: '/api.html' });
  t.match(page.body, /swagger-ui-bundle\.js/);
  const asset = await app.inject({ url: '/api-assets/swagger-ui-bundle.js' });
  t.equal(asset.statusCode, 200, 'the page\'s script is served locally');
});

t.test('unknown route is a 404 problem', async (t) => {
  const res = await app.inject({ url: '/nope' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), { status: 404, title: 'Not found', instance: '/nope' });
});

t.test('request id is echoed, or taken from the client', async (t) => {
  const res = await app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } });
  t.equal(res.headers['x-request-id'], 'abc-123');
});
