// Every error leaves the service kit as application/problem+json, with the field at fault named.
import t from 'tap';
import { z } from 'zod';
import { testDatabase } from '../../../test/support/database.ts';
import { BadRequest, createApp, serviceConfigFromEnv, Unprocessable } from '../src/index.ts';

const database = await testDatabase(t);
const app = await createApp({
  title: 'kit test',
  config: serviceConfigFromEnv({ LOG_LEVEL: 'silent', BODY_LIMIT: '1024' }),
  database,
});
app.post(
  '/things',
  {
    schema: {
      body: z.object({ name: z.string().min(1), size: z.number().int().positive() }),
      querystring: z.object({ mode: z.enum(['a', 'b']).optional() }),
    },
  },
  async (request) => ({ ok: true, name: request.body.name }),
);
app.get('/boom', async () => {
  throw new Error('relation "secret_table" does not exist at /srv/app/src/queries.ts:12');
});
app.get('/bad', async () => {
  throw new BadRequest('bbox must have four numbers', { name: 'bbox' });
});
app.get('/rows', async () => {
  throw new Unprocessable('2 rows are invalid', {
    errors: [{ row: 3, field: 'value', code: 'not-a-number', message: 'value is not a number' }],
    totalErrors: 2,
  });
});
await app.ready();
t.teardown(() => app.close());

const isProblem = (t: { match: (a: string, b: RegExp) => void }, res: { headers: Record<string, unknown> }) =>
  t.match(String(res.headers['content-type']), /^application\/problem\+json/);

t.test('malformed JSON body is a 400 problem', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name": "x",' });
  t.equal(res.statusCode, 400);
  isProblem(t, res);
  t.equal(res.json().status, 400);
});

t.test('a body over the limit is a 413 problem', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/things',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'x'.repeat(2000), size: 1 }),
  });
  t.equal(res.statusCode, 413);
  isProblem(t, res);
});

t.test('validation errors name each field as a JSON pointer', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/things?mode=c', payload: { name: '', size: -1 } });
  t.equal(res.statusCode, 400);
  isProblem(t, res);
  const pointers = res.json().invalidParams.map((p: { pointer: string }) => p.pointer);
  t.ok(pointers.includes('/body/name') || pointers.includes('/querystring/mode'), `pointers: ${pointers}`);
  const body = await app.inject({ method: 'POST', url: '/things', payload: { name: '', size: -1 } });
  const bodyPointers = body.json().invalidParams.map((p: { pointer: string }) => p.pointer).sort();
  t.same(bodyPointers, ['/body/name', '/body/size']);
});

t.test('a 500 names the request id and leaks no SQL, path or stack', async (t) => {
  const res = await app.inject({ url: '/boom' });
  t.equal(res.statusCode, 500);
  isProblem(t, res);
  t.notMatch(res.body, /secret_table|queries\.ts|at \//);
  t.match(res.json().detail, res.headers['x-request-id'] as string);
});

t.test('typed problems keep their status and extensions', async (t) => {
  const bad = await app.inject({ url: '/bad' });
  t.equal(bad.statusCode, 400);
  t.same(bad.json().invalidParams, [{ pointer: '/query/bbox', name: 'bbox', reason: 'bbox must have four numbers' }]);
  const rows = await app.inject({ url: '/rows' });
  t.equal(rows.statusCode, 422);
  t.equal(rows.json().totalErrors, 2);
  t.equal(rows.json().errors[0].row, 3);
});

t.test('unknown routes are 404 problems for every method', async (t) => {
  const res = await app.inject({ method: 'DELETE', url: '/nothing/here' });
  t.equal(res.statusCode, 404);
  isProblem(t, res);
});
