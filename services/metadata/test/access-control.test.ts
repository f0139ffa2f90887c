// Access control: 401/403 on every write route, agency-bound keys, keys hashed at rest, revocation, bootstrap key.
import { sql } from '@datenpool/db';
import { generateKey } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { bootstrapMetadata } from '../src/bootstrap.ts';
import { issueKey } from './fixtures/keys.ts';

const { app, database } = await testGateway(t, { RATE_LIMIT_UNKNOWN_KEY_MAX: '1000000' });
const db = database.db;
const admin = await issueKey(db, ['admin']);
/** metadata:write of no agency: may register agencies and define non-core indicators, never change an agency's data */
const writer = await issueKey(db, ['metadata:write']);
/** metadata:write of the statistics office's agency, which owns einwohner */
const afsWriter = await issueKey(db, ['metadata:write'], 'afs');
const reader = await issueKey(db, ['read:restricted', 'ingest:write'], 'afs');

const auditCount = async () => Number((await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db)).rows[0]?.n);
const someUuid = '00000000-0000-4000-8000-000000000000';

const writeRoutes: Array<{ method: 'POST' | 'PATCH' | 'DELETE' | 'GET'; url: string; body?: unknown; scope: 'metadata:write' | 'admin' }> = [
  { method: 'POST', url: '/v1/agencies', body: { id: 'x-agency', name: 'X', kind: 'other' }, scope: 'metadata:write' },
  { method: 'POST', url: '/v1/variables', body: { id: 'x_var', labelDe: 'x', labelEn: 'x', unit: 'x', aggregation: 'sum', finestLevel: 'planungsraum', agencyId: 'afs' }, scope: 'metadata:write' },
  { method: 'PATCH', url: '/v1/variables/einwohner', body: { description: 'x' }, scope: 'metadata:write' },
  { method: 'POST', url: '/v1/indicators', body: { id: 'x_ind', zielbereich: 'Armut', labelDe: 'x', labelEn: 'x', polarity: 'risk', formula: { kind: 'share', numerator: 'kitas', denominator: 'einwohner' } }, scope: 'metadata:write' },
  { method: 'PATCH', url: '/v1/indicators/anteil_sgb2', body: { description: 'x' }, scope: 'metadata:write' },
  { method: 'POST', url: '/v1/sources', body: { id: 'x-src', agencyId: 'afs', variableId: 'einwohner', lorVersion: '2021', kind: 'csv', url: 'https://example.org/x.csv' }, scope: 'metadata:write' },
  { method: 'PATCH', url: '/v1/sources/x-src', body: { enabled: false }, scope: 'metadata:write' },
  { method: 'DELETE', url: '/v1/sources/x-src', scope: 'metadata:write' },
  { method: 'POST', url: '/v1/admin/keys', body: { label: 'x', scopes: ['admin'] }, scope: 'admin' },
  { method: 'GET', url: '/v1/admin/keys', scope: 'admin' },
  { method: 'DELETE', url: `/v1/admin/keys/${someUuid}`, scope: 'admin' },
];

t.test('every write route: 401 without a key or with a wrong one, 403 without the scope, nothing written', async (t) => {
  const before = await auditCount();
  const unknownKey = generateKey().key;
  const wrongSecret = `${admin.key.slice(0, 14)}${'A'.repeat(43)}`;
  for (const route of writeRoutes) {
    const send = (headers: Record<string, string>) =>
      app.inject({ method: route.method, url: route.url, headers, ...(route.body ? { payload: route.body as object } : {}) });
    const name = `${route.method} ${route.url}`;
    for (const [why, headers] of [
      ['no key', {}],
      ['unknown key', { authorization: `Bearer ${unknownKey}` }],
      ['right prefix, wrong secret', { authorization: `Bearer ${wrongSecret}` }],
      ['malformed key', { authorization: 'Bearer hello' }],
      ['not a bearer token', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ] as const) {
      const res = await send(headers);
      t.equal(res.statusCode, 401, `${name}: ${why}`);
      t.match(res.headers['content-type'], /application\/problem\+json/);
      t.equal(res.json().detail.includes('prefix'), false, 'no hint which part was wrong');
    }
    const lacking = await send(route.scope === 'admin' ? writer.auth : reader.auth);
    t.equal(lacking.statusCode, 403, `${name}: key without ${route.scope}`);
    t.match(lacking.headers['content-type'], /application\/problem\+json/);
  }
  const invalid = await app.inject({ method: 'POST', url: '/v1/variables', payload: { id: 'Ungültig!' } });
  t.equal(invalid.statusCode, 401, 'the key is checked before the body: no schema hints for strangers');
  const badId = await app.inject({ method: 'DELETE', url: '/v1/admin/keys/not-a-uuid' });
  t.equal(badId.statusCode, 401);
  t.equal(await auditCount(), before, 'no write was recorded');
  const variable = await sql<{ description: string }>`select description from variable where id = 'einwohner'`.execute(db);
  t.not(variable.rows[0]?.description, 'x');
});

t.test('an active variable cannot be redefined: 409 naming the fields, a new version instead', async (t) => {
  const before = (await app.inject({ url: '/v1/variables/einwohner' })).json();
  const res = await app.inject({
    method: 'PATCH',
    url: '/v1/variables/einwohner',
    headers: afsWriter.auth,
    payload: { unit: 'Tausend Personen', labelEn: 'Inhabitants', breakdowns: { age: ['alle'] }, description: 'new text' },
  });
  t.equal(res.statusCode, 409);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.same([...res.json().fields].sort(), ['breakdowns', 'labelEn', 'unit']);
  t.match(res.json().detail, /supersedes/);
  const after = (await app.inject({ url: '/v1/variables/einwohner' })).json();
  t.same(after, before, 'nothing changed, not even the description');

  const same = await app.inject({ method: 'PATCH', url: '/v1/variables/einwohner', headers: afsWriter.auth, payload: { unit: before.unit, breakdowns: before.breakdowns, description: 'Melderegister' } });
  t.equal(same.statusCode, 200, 'sending the unchanged meaning with a new description is fine');
  t.equal(same.json().description, 'Melderegister');

  const back = await app.inject({ method: 'PATCH', url: '/v1/variables/einwohner', headers: afsWriter.auth, payload: { status: 'draft' } });
  t.equal(back.statusCode, 409, 'an active variable cannot go back to draft');

  const version = await app.inject({
    method: 'POST',
    url: '/v1/variables',
    headers: afsWriter.auth,
    payload: { ...before, id: 'einwohner_v2', supersedes: 'einwohner', version: 7 },
  });
  t.equal(version.statusCode, 400, 'server-set fields (version, createdAt) are refused');
  const { version: _v, createdAt: _c, updatedAt: _u, supersedes: _s, ...fields } = before;
  const created = await app.inject({
    method: 'POST',
    url: '/v1/variables',
    headers: afsWriter.auth,
    payload: { ...fields, id: 'einwohner_v2', supersedes: 'einwohner', unit: 'Tausend Personen' },
  });
  t.equal(created.statusCode, 201);
  t.match(created.json(), { id: 'einwohner_v2', version: before.version + 1, supersedes: 'einwohner', unit: 'Tausend Personen' });
  const again = await app.inject({ method: 'POST', url: '/v1/variables', headers: afsWriter.auth, payload: { ...fields, id: 'einwohner_v2' } });
  t.equal(again.statusCode, 409, 'an existing id is a conflict');
});

t.test('a draft variable may still change its meaning', async (t) => {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/variables',
    headers: afsWriter.auth,
    payload: { id: 'entwurf', labelDe: 'Entwurf', labelEn: 'Draft', unit: 'Personen', aggregation: 'sum', finestLevel: 'planungsraum', agencyId: 'afs' },
  });
  t.equal(created.statusCode, 201);
  t.equal(created.json().status, 'draft');
  const patched = await app.inject({ method: 'PATCH', url: '/v1/variables/entwurf', headers: afsWriter.auth, payload: { unit: 'Haushalte', status: 'active' } });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { unit: 'Haushalte', status: 'active' });
});

t.test('agency A’s key cannot write agency B’s variables or sources', async (t) => {
  const senbjf = await issueKey(db, ['metadata:write'], 'senbjf');
  const foreign = await app.inject({ method: 'PATCH', url: '/v1/variables/einwohner', headers: senbjf.auth, payload: { description: 'von senbjf' } });
  t.equal(foreign.statusCode, 403);
  t.match(foreign.json().detail, /senbjf.*afs/);
  const create = await app.inject({
    method: 'POST',
    url: '/v1/variables',
    headers: senbjf.auth,
    payload: { id: 'fremd', labelDe: 'x', labelEn: 'x', unit: 'x', aggregation: 'sum', finestLevel: 'planungsraum', agencyId: 'afs' },
  });
  t.equal(create.statusCode, 403);
  const move = await app.inject({ method: 'PATCH', url: '/v1/variables/kitas', headers: senbjf.auth, payload: { agencyId: 'afs' } });
  t.equal(move.statusCode, 403, 'cannot hand its variable to another agency');
  const own = await app.inject({ method: 'PATCH', url: '/v1/variables/kitas', headers: senbjf.auth, payload: { description: 'Kitas nach Standort' } });
  t.equal(own.statusCode, 200, 'its own variable is fine');
  const source = await app.inject({
    method: 'POST',
    url: '/v1/sources',
    headers: senbjf.auth,
    payload: { id: 'afs-csv', agencyId: 'afs', variableId: 'einwohner', lorVersion: '2021', kind: 'csv', url: 'https://example.org/ew.csv' },
  });
  t.equal(source.statusCode, 403);
  const agency = await app.inject({ method: 'POST', url: '/v1/agencies', headers: senbjf.auth, payload: { id: 'neu', name: 'Neu', kind: 'other' } });
  t.equal(agency.statusCode, 403, 'an agency-bound key cannot register other agencies');
  t.equal(Number((await sql<{ n: number }>`select count(*)::int as n from variable where id = 'fremd'`.execute(db)).rows[0]?.n), 0);
});

t.test('referenced sources: create, change, delete, each audited; the variable must be the agency’s', async (t) => {
  const senbjf = await issueKey(db, ['metadata:write'], 'senbjf');
  const wrong = await app.inject({
    method: 'POST',
    url: '/v1/sources',
    headers: senbjf.auth,
    payload: { id: 'kita-csv', agencyId: 'senbjf', variableId: 'einwohner', lorVersion: '2021', kind: 'csv', url: 'https://example.org/k.csv' },
  });
  t.equal(wrong.statusCode, 422);
  t.equal(wrong.json().invalidParams[0].pointer, '/body/variableId');
  const created = await app.inject({
    method: 'POST',
    url: '/v1/sources',
    headers: senbjf.auth,
    payload: { id: 'kita-csv', agencyId: 'senbjf', variableId: 'kitas', lorVersion: '2021', kind: 'csv', url: 'https://example.org/k.csv', mapping: { unit: 'PLR_ID' } },
  });
  t.equal(created.statusCode, 201);
  t.match(created.json(), { id: 'kita-csv', enabled: true, mapping: { unit: 'PLR_ID' } });
  t.equal((await app.inject({ url: '/v1/sources/kita-csv' })).statusCode, 200);
  const withSecret = await app.inject({ method: 'PATCH', url: '/v1/sources/kita-csv', headers: senbjf.auth, payload: { url: 'https://user:pw@example.org/k.csv?jahr=2024' } });
  t.equal(withSecret.statusCode, 400, 'credentials in the URL are refused');
  t.equal(withSecret.json().invalidParams[0].pointer, '/body/url', 'naming the field');
  // a row stored before that rule: readers still never see its credentials
  await sql`update referenced_source set url = 'https://user:pw@example.org/k.csv?token=abc&jahr=2024' where id = 'kita-csv'`.execute(db);
  const anonymous = (await app.inject({ url: '/v1/sources/kita-csv' })).json().url;
  t.notOk(/pw|abc/.test(anonymous), 'readers never see credentials in it');
  t.match(anonymous, /jahr=2024/);
  const patched = await app.inject({ method: 'PATCH', url: '/v1/sources/kita-csv', headers: senbjf.auth, payload: { schedule: '0 3 * * *' } });
  t.equal(patched.json().schedule, '0 3 * * *');
  const other = await issueKey(db, ['metadata:write'], 'afs');
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/sources/kita-csv', headers: other.auth })).statusCode, 403);
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/sources/kita-csv', headers: senbjf.auth })).statusCode, 204);
  t.equal((await app.inject({ url: '/v1/sources/kita-csv' })).statusCode, 404);
  const trail = await sql<{ action: string; actor: string }>`select action, actor from audit_log where target = 'source:kita-csv' order by id`.execute(db);
  t.same(trail.rows.map((r) => r.action), ['source.create', 'source.update', 'source.delete'], 'the refused change is not in it');
  t.ok(trail.rows.every((r) => r.actor === `key:${senbjf.id}`), 'who did it');
});

t.test('indicator formulas are checked: unknown names and codes are a 422 naming the pointer', async (t) => {
  const base = { id: 'neuer_indikator', zielbereich: 'Armut', labelDe: 'Neu', labelEn: 'New', polarity: 'risk' };
  const post = (formula: unknown) => app.inject({ method: 'POST', url: '/v1/indicators', headers: writer.auth, payload: { ...base, formula } });
  const unknown = await post({ kind: 'share', numerator: 'gibt_es_nicht', denominator: 'einwohner' });
  t.equal(unknown.statusCode, 422);
  t.same(unknown.json().invalidParams.map((p: { pointer: string }) => p.pointer), ['/body/formula/numerator']);
  const code = await post({ kind: 'share', numerator: { variable: 'einwohner', breakdown: { age: ['unter6', 'unter3'] } }, denominator: 'einwohner' });
  t.equal(code.statusCode, 422);
  t.same(code.json().invalidParams.map((p: { pointer: string }) => p.pointer), ['/body/formula/numerator/breakdown/age']);
  const shape = await post({ kind: 'share', numerator: 'einwohner' });
  t.equal(shape.statusCode, 422);
  t.same(shape.json().invalidParams.map((p: { pointer: string }) => p.pointer), ['/body/formula/denominator']);
  const member = await post({ kind: 'index', members: [{ indicator: 'anteil_sgb2' }, { indicator: 'fehlt' }], thresholds: [0] });
  t.same(member.json().invalidParams.map((p: { pointer: string }) => p.pointer), ['/body/formula/members/1/indicator']);
  const self = await post({ kind: 'change', indicator: 'neuer_indikator', years: 1 });
  t.equal(self.statusCode, 422, 'an indicator cannot be built from itself');

  const ok = await post({ kind: 'share', numerator: { variable: 'einwohner', breakdown: { sex: 'weiblich' } }, denominator: 'einwohner' });
  t.equal(ok.statusCode, 201);
  t.same(ok.json().variables.map((v: { id: string }) => v.id), ['einwohner']);
  t.equal(ok.json().formula.factor, 100, 'defaults of the formula schema are stored');
  const patched = await app.inject({ method: 'PATCH', url: '/v1/indicators/neuer_indikator', headers: writer.auth, payload: { formula: { kind: 'ratio', numerator: 'kitas', denominator: 'nichts' } } });
  t.equal(patched.statusCode, 422);
  const row = await sql<{ formula: { kind: string } }>`select formula from indicator where id = 'neuer_indikator'`.execute(db);
  t.equal(row.rows[0]?.formula.kind, 'share', 'a refused change leaves the definition');
});

t.test('keys: created once in clear, hashed at rest, listed without secrets, revoked at once', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: admin.auth, payload: { label: 'Kita-Aufsicht', agencyId: 'senbjf', scopes: ['ingest:write', 'metadata:write'] } });
  t.equal(res.statusCode, 201);
  t.equal(res.headers['cache-control'], 'no-store');
  const created = res.json();
  t.match(created.key, /^dp_[A-Za-z0-9]{10}_[A-Za-z0-9_-]{32,}$/);
  const secret = created.key.split('_').slice(2).join('_');

  const rows = await sql<Record<string, unknown>>`select * from api_key`.execute(db);
  const stored = JSON.stringify(rows.rows);
  t.notOk(stored.includes(created.key), 'the key text is nowhere in api_key');
  t.notOk(stored.includes(secret), 'nor its secret part');
  const row = rows.rows.find((r) => r.id === created.id) as { hash: string; prefix: string };
  t.match(row.hash, /^scrypt\$/);
  t.equal(row.prefix, created.key.split('_')[1]);

  const list = await app.inject({ url: '/v1/admin/keys', headers: admin.auth });
  t.equal(list.statusCode, 200);
  const text = list.body;
  t.notOk(text.includes(secret), 'the list never shows a key');
  t.notOk(text.includes(row.hash), 'nor a hash');
  t.ok(list.json().keys.every((k: Record<string, unknown>) => !('key' in k) && !('hash' in k)));
  t.match(list.json().keys.find((k: { id: string }) => k.id === created.id), { label: 'Kita-Aufsicht', agencyId: 'senbjf', revokedAt: null });

  const auth = { authorization: `Bearer ${created.key}` };
  const use = () => app.inject({ method: 'PATCH', url: '/v1/variables/kitas', headers: auth, payload: { description: 'Kitas' } });
  t.equal((await use()).statusCode, 200, 'the new key works');
  t.equal((await use()).statusCode, 200, 'and again (from the verification cache)');
  const revoke = await app.inject({ method: 'DELETE', url: `/v1/admin/keys/${created.id}`, headers: admin.auth });
  t.equal(revoke.statusCode, 204);
  t.equal((await use()).statusCode, 401, 'revoked: the very next request is refused');
  t.equal((await app.inject({ url: '/v1/agencies', headers: auth })).statusCode, 401, 'also on reads');
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/admin/keys/${someUuid}`, headers: admin.auth })).statusCode, 404);
  const unknownAgency = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: admin.auth, payload: { label: 'x', agencyId: 'nirgendwo', scopes: ['ingest:write'] } });
  t.equal(unknownAgency.statusCode, 422);
  const trail = await sql<{ action: string; detail: unknown }>`select action, detail from audit_log where target = ${`api_key:${created.id}`} order by id`.execute(db);
  t.same(trail.rows.map((r) => r.action), ['key.create', 'key.revoke']);
  t.notOk(JSON.stringify(trail.rows).includes(secret), 'the audit trail holds no key');
});

t.test('every successful write is in the audit trail with who and what', async (t) => {
  const before = await auditCount();
  const res = await app.inject({ method: 'PATCH', url: '/v1/indicators/anteil_sgb2', headers: admin.auth, payload: { availability: 'geprüft' } });
  t.equal(res.statusCode, 200);
  const last = await sql<{ actor: string; action: string; target: string; detail: { availability: string }; at: Date }>`
    select actor, action, target, detail, at from audit_log order by id desc limit 1`.execute(db);
  t.equal(await auditCount(), before + 1);
  t.match(last.rows[0], { actor: `key:${admin.id}`, action: 'indicator.update', target: 'indicator:anteil_sgb2', detail: { availability: 'geprüft' } });
});

t.test('bootstrap: DATENPOOL_ADMIN_KEY becomes an admin key, logged without the key, idempotent', async (t) => {
  const { key } = generateKey();
  const lines: string[] = [];
  const capture = (obj: unknown, msg?: string) => lines.push(JSON.stringify({ obj, msg }));
  const log = { info: capture, warn: capture, error: capture, debug: capture } as unknown as FastifyBaseLogger;
  await bootstrapMetadata({ config: app.config, database }, log, { DATENPOOL_ADMIN_KEY: key });
  await bootstrapMetadata({ config: app.config, database }, log, { DATENPOOL_ADMIN_KEY: key });
  t.ok(lines.some((l) => l.includes('is active')), 'says the admin key is active');
  // the secret is everything after `dp_<prefix>_`; it may itself hold `_` (base64url), so it is not split on it
  t.notOk(lines.join('\n').includes(key.slice(14)), 'never logs the key');
  const rows = await sql<{ n: number }>`select count(*)::int as n from api_key where prefix = ${key.split('_')[1]}`.execute(db);
  t.equal(rows.rows[0]?.n, 1, 'one row however often it starts');
  const list = await app.inject({ url: '/v1/admin/keys', headers: { authorization: `Bearer ${key}` } });
  t.equal(list.statusCode, 200, 'the bootstrap key is an admin key');
  await t.rejects(bootstrapMetadata({ config: app.config, database }, log, { DATENPOOL_ADMIN_KEY: 'geheim' }), /DATENPOOL_ADMIN_KEY/);

  const rotated = `${key.slice(0, 14)}${generateKey().key.slice(14)}`;
  await bootstrapMetadata({ config: app.config, database }, log, { DATENPOOL_ADMIN_KEY: rotated });
  t.equal((await app.inject({ url: '/v1/admin/keys', headers: { authorization: `Bearer ${key}` } })).statusCode, 401, 'a new secret under the same prefix ends the old one at once');
  t.equal((await app.inject({ url: '/v1/admin/keys', headers: { authorization: `Bearer ${rotated}` } })).statusCode, 200);
});
