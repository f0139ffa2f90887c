// Governance: the 401/403 matrix over every write route of the OpenAPI document (a new route fails this test until it
// is placed in the matrix), core indicators and thresholds only for admin, indicator versions and as-of definitions,
// read grants per agency and variable, expiring keys, the audit trail through the API, keys refused in URLs.
import { Writable } from 'node:stream';
import { sql } from '@datenpool/db';
import { createApp, generateKey, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { testDatabase } from '../../../test/support/database.ts';
import { metadataService } from '../src/plugin.ts';
import { issueKey } from './fixtures/keys.ts';

const { app, database } = await testGateway(t, { RATE_LIMIT_UNKNOWN_KEY_MAX: '1000000' });
const db = database.db;
const someUuid = '00000000-0000-4000-8000-000000000000';

type Role = 'admin' | 'own' | 'other' | 'unbound' | 'reader';
const keys = {
  admin: await issueKey(db, ['admin']),
  /** metadata:write and ingest:write of afs, the agency that owns einwohner and the matrix's variables and sources */
  own: await issueKey(db, ['metadata:write', 'ingest:write'], 'afs'),
  /** the same scopes for another agency */
  other: await issueKey(db, ['metadata:write', 'ingest:write'], 'senbjf'),
  /** the same scopes bound to no agency */
  unbound: await issueKey(db, ['metadata:write', 'ingest:write']),
  /** a key of afs without any write scope */
  reader: await issueKey(db, ['read:restricted'], 'afs'),
};
const expired = await issueKey(db, ['admin']);
await sql`update api_key set expires_at = now() - interval '1 hour' where id = ${expired.id}`.execute(db);
const roles = Object.keys(keys) as Role[];

// fixtures the routes act on
const plr = (await sql<{ id: string }>`select id from lor_unit where version = '2021' and level = 'planungsraum' order by id limit 1`.execute(db)).rows[0]!.id;
await db
  .insertInto('variable')
  .values({ id: 'm_push', label_de: 'm', label_en: 'm', unit: 'Anzahl', aggregation: 'sum', finest_level: 'planungsraum', breakdowns: '{}', agency_id: 'afs', status: 'active' })
  .execute();
for (const id of ['m-src', 'm-src-del']) {
  await db
    .insertInto('referenced_source')
    .values({ id, agency_id: 'afs', variable_id: 'm_push', lor_version: '2021', kind: 'csv', url: 'http://127.0.0.1:9/refused.csv', mapping: '{}' })
    .execute();
}
const target = await app.inject({ method: 'POST', url: '/v1/indicators/anteil_sgb2/targets', headers: keys.admin.auth, payload: { scope: '01', periodFrom: '2031', periodTo: '2031', targetValue: 5 } });
const targetId = target.json().id as number;

interface Operation {
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET';
  url: string;
  headers?: Record<string, string>;
  body?: (role: Role) => unknown;
  raw?: string;
  allowed: Role[];
  /** too expensive to run for the allowed roles here (a full recompute): only its refusals are checked */
  refusalsOnly?: boolean;
  /** what the allowed roles get when it is not a success (the harvest's source is on a refused address) */
  expect?: { status: number; detail: RegExp };
}
const variableBody = (role: Role) => ({ id: `m_var_${role}`, labelDe: 'm', labelEn: 'm', unit: 'x', aggregation: 'sum', finestLevel: 'planungsraum', agencyId: 'afs' });
const indicatorBody = (role: Role) => ({ id: `m_ind_${role}`, zielbereich: 'Armut', labelDe: 'm', labelEn: 'm', polarity: 'risk', formula: { kind: 'share', numerator: 'kitas', denominator: 'einwohner' } });
const sourceBody = (role: Role) => ({ id: `m-src-${role}`, agencyId: 'afs', variableId: 'm_push', lorVersion: '2021', kind: 'csv', url: 'https://example.org/m.csv' });

/** every write operation (and every admin read) by its OpenAPI method and path template */
const matrix: Record<string, Operation> = {
  'POST /v1/agencies': { method: 'POST', url: '/v1/agencies', body: (r) => ({ id: `m-agency-${r}`, name: 'M', kind: 'other' }), allowed: ['unbound', 'admin'] },
  'POST /v1/variables': { method: 'POST', url: '/v1/variables', body: variableBody, allowed: ['own', 'admin'] },
  'PATCH /v1/variables/{id}': { method: 'PATCH', url: '/v1/variables/einwohner', body: () => ({ description: 'Matrix' }), allowed: ['own', 'admin'] },
  'POST /v1/indicators': { method: 'POST', url: '/v1/indicators', body: indicatorBody, allowed: ['own', 'other', 'unbound', 'admin'] },
  'PATCH /v1/indicators/{id}': { method: 'PATCH', url: '/v1/indicators/anteil_sgb2', body: () => ({ description: 'Matrix' }), allowed: ['admin'] },
  'POST /v1/indicators/{id}/targets': {
    method: 'POST',
    url: '/v1/indicators/anteil_sgb2/targets',
    body: (r) => ({ scope: '02', periodFrom: `${2040 + roles.indexOf(r)}`, periodTo: `${2040 + roles.indexOf(r)}`, targetValue: 3 }),
    allowed: ['own', 'unbound', 'admin'],
  },
  'POST /v1/indicators/{id}/targets/{targetId}/end': { method: 'POST', url: `/v1/indicators/anteil_sgb2/targets/${targetId}/end`, allowed: ['own', 'unbound', 'admin'] },
  'POST /v1/sources': { method: 'POST', url: '/v1/sources', body: sourceBody, allowed: ['own', 'admin'] },
  'PATCH /v1/sources/{id}': { method: 'PATCH', url: '/v1/sources/m-src', body: () => ({ schedule: 'PT24H' }), allowed: ['own', 'admin'] },
  'DELETE /v1/sources/{id}': { method: 'DELETE', url: '/v1/sources/m-src-del', allowed: ['own', 'admin'] },
  'POST /v1/admin/keys': { method: 'POST', url: '/v1/admin/keys', body: () => ({ label: 'm', scopes: ['ingest:write'] }), allowed: ['admin'] },
  'GET /v1/admin/keys': { method: 'GET', url: '/v1/admin/keys', allowed: ['admin'] },
  'DELETE /v1/admin/keys/{id}': { method: 'DELETE', url: `/v1/admin/keys/${someUuid}`, allowed: ['admin'] },
  'GET /v1/admin/audit': { method: 'GET', url: '/v1/admin/audit', allowed: ['admin'] },
  'POST /v1/variables/{variableId}/observations': {
    method: 'POST',
    url: '/v1/variables/m_push/observations?lorVersion=2021&dryRun=true',
    headers: { 'content-type': 'text/csv' },
    raw: `unit,date,value\n${plr},2023-12-31,5\n`,
    allowed: ['own', 'admin'],
  },
  'POST /v1/sources/{id}/harvest': { method: 'POST', url: '/v1/sources/m-src/harvest', allowed: ['own', 'admin'], expect: { status: 502, detail: /127\.0\.0\.1 is loopback/ } },
  'POST /v1/indicators/recompute': { method: 'POST', url: '/v1/indicators/recompute', allowed: ['admin'], refusalsOnly: true },
};

const send = (op: Operation, headers: Record<string, string>, role: Role | null = null) =>
  app.inject({
    method: op.method,
    url: op.url,
    headers: { ...(op.headers ?? {}), ...headers },
    ...(op.raw !== undefined ? { payload: op.raw } : op.body ? { payload: op.body(role ?? 'admin') as object } : {}),
  });
const auditCount = async () => Number((await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db)).rows[0]?.n);

t.test('the matrix names every write operation of the OpenAPI document, and only those', async (t) => {
  const doc = app.swagger() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  const writes: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) {
      if (['post', 'put', 'patch', 'delete'].includes(method) || (method === 'get' && path.startsWith('/v1/admin/'))) writes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  t.ok(writes.length >= 17, `${writes.length} write operations found`);
  t.same([...writes].sort(), Object.keys(matrix).sort(), 'a new write route must be added to the matrix');
  for (const op of writes) t.ok(doc.paths[op.split(' ')[1]!]![op.split(' ')[0]!.toLowerCase()]!.security, `${op} declares its security`);
});

t.test('no key, an invalid key, an expired key: 401 problems on every write route; nothing written', async (t) => {
  const before = await auditCount();
  const unknown = generateKey().key;
  const wrongSecret = `${keys.admin.key.slice(0, 14)}${'A'.repeat(43)}`;
  for (const [name, op] of Object.entries(matrix)) {
    for (const [why, headers] of [
      ['no key', {}],
      ['unknown key', { authorization: `Bearer ${unknown}` }],
      ['right prefix, wrong secret', { authorization: `Bearer ${wrongSecret}` }],
      ['malformed key', { authorization: 'Bearer nope' }],
      ['expired key', expired.auth],
    ] as const) {
      const res = await send(op, headers);
      t.equal(res.statusCode, 401, `${name}: ${why}`);
      t.match(res.headers['content-type'], /application\/problem\+json/);
      t.equal(res.headers['www-authenticate'], 'Bearer realm="datenpool"');
      if (why === 'expired key') t.match(res.json(), { detail: /expired at \d{4}-\d{2}-\d{2}T/, expiredAt: /^\d{4}-/ }, `${name}: the problem names the expiry`);
      else t.notMatch(res.json().detail, /expired/, `${name}: ${why} is not called expired`);
    }
  }
  t.equal(await auditCount(), before, 'no write recorded');
});

t.test('keys without the right: 403 problems on every write route; nothing written', async (t) => {
  const before = await auditCount();
  const einwohner = await sql<{ description: string }>`select description from variable where id = 'einwohner'`.execute(db);
  for (const [name, op] of Object.entries(matrix)) {
    for (const role of roles.filter((r) => !op.allowed.includes(r))) {
      const res = await send(op, keys[role].auth, role);
      t.equal(res.statusCode, 403, `${name}: ${role} key`);
      t.match(res.headers['content-type'], /application\/problem\+json/);
    }
  }
  t.equal(await auditCount(), before, 'no write recorded');
  t.same((await sql<{ description: string }>`select description from variable where id = 'einwohner'`.execute(db)).rows, einwohner.rows);
});

t.test('keys with the right pass the access check on every write route', async (t) => {
  for (const [name, op] of Object.entries(matrix)) {
    if (op.refusalsOnly) continue;
    for (const role of op.allowed) {
      const res = await send(op, keys[role].auth, role);
      t.notOk([401, 403].includes(res.statusCode), `${name}: ${role} key answers ${res.statusCode}`);
      if (op.expect) {
        t.equal(res.statusCode, op.expect.status, `${name}: ${role} key`);
        t.match(res.json().detail, op.expect.detail);
      } else t.ok(res.statusCode < 500, `${name}: ${role} key, no server error (${res.statusCode})`);
    }
  }
});

t.test('core indicators and thresholds: only admin; another agency’s key changed nothing', async (t) => {
  const before = (await app.inject({ url: '/v1/indicators/anteil_sgb2' })).json();
  const tries: Array<[Role, object, string]> = [
    ['other', { minBase: 1 }, 'minBase of a core indicator by another agency'],
    ['own', { minBase: 1 }, 'minBase of a core indicator by an agency key'],
    ['unbound', { minBase: 1 }, 'minBase by a key of no agency'],
    ['other', { formula: { kind: 'share', numerator: 'kitas', denominator: 'einwohner' } }, 'formula of a core indicator by another agency'],
    ['unbound', { formula: { kind: 'share', numerator: 'kitas', denominator: 'einwohner' } }, 'formula by a key of no agency'],
    ['other', { core: false }, 'demoting a core indicator'],
  ];
  for (const [role, payload, what] of tries) {
    const res = await app.inject({ method: 'PATCH', url: '/v1/indicators/anteil_sgb2', headers: keys[role].auth, payload });
    t.equal(res.statusCode, 403, what);
    t.match(res.json().detail, /core indicator|admin/);
  }
  const after = (await app.inject({ url: '/v1/indicators/anteil_sgb2' })).json();
  t.same({ minBase: after.minBase, formula: after.formula, version: after.version }, { minBase: before.minBase, formula: before.formula, version: before.version });
  const coreCreate = await app.inject({ method: 'POST', url: '/v1/indicators', headers: keys.own.auth, payload: { ...indicatorBody('own'), id: 'm_core', core: true } });
  t.equal(coreCreate.statusCode, 403, 'defining a core indicator needs admin');
  const threshold = await app.inject({ method: 'PATCH', url: '/v1/variables/einwohner', headers: keys.own.auth, payload: { disclosureThreshold: 0 } });
  t.equal(threshold.statusCode, 403, 'the disclosure threshold of its own variable: admin only');
  t.match(threshold.json().detail, /disclosureThreshold/);
  const ownIndicator = await app.inject({ method: 'PATCH', url: '/v1/indicators/m_ind_other', headers: keys.own.auth, payload: { description: 'x' } });
  t.equal(ownIndicator.statusCode, 403, 'an indicator belongs to the agency that defined it');
  t.match(ownIndicator.json().detail, /belongs to agency senbjf/);
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/indicators/m_ind_other', headers: keys.other.auth, payload: { description: 'x' } })).statusCode, 200, 'its agency may');
  const adminMin = await app.inject({ method: 'PATCH', url: '/v1/indicators/anteil_sgb2', headers: keys.admin.auth, payload: { minBase: before.minBase + 1 } });
  t.equal(adminMin.statusCode, 200, 'admin may change the threshold');
  t.equal(adminMin.json().version, before.version + 1, 'and a threshold change of an active indicator is a new version');
});

t.test('a new formula of an active indicator is a new version; as-of values use the version valid then', async (t) => {
  const id = 'anteil_unter_6';
  const current = (await app.inject({ url: `/v1/indicators/${id}` })).json();
  t.equal(current.status, 'active');
  t.equal(current.version, 1);
  const valuesBefore = (await app.inject({ url: `/v1/indicators/${id}/values?version=2021&level=bezirk` })).json();
  t.ok(valuesBefore.values.length >= 12, 'values exist before the change');
  const beforeChange = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  const newFormula = { ...current.formula, numerator: { variable: 'einwohner', breakdown: { age: '65undmehr' } } };
  const patched = await app.inject({ method: 'PATCH', url: `/v1/indicators/${id}`, headers: keys.admin.auth, payload: { formula: newFormula } });
  t.equal(patched.statusCode, 200, patched.body);
  t.equal(patched.json().version, 2, 'version 2');
  t.ok(patched.json().validFrom > beforeChange, 'valid from the change');
  const history = (await app.inject({ url: `/v1/indicators/${id}/versions` })).json();
  t.equal(history.version, 2);
  t.same(history.versions.map((v: { version: number }) => v.version), [1, 2], 'version 1 is still listed');
  const [v1, v2] = history.versions;
  t.same(v1.formula, current.formula, 'with its formula');
  t.equal(v1.validTo, v2.validFrom, 'version 1 ends where version 2 begins');
  t.equal(v2.validTo, null);
  const audit = await sql<{ detail: { version: { from: number; to: number; fields: string[] } } }>`
    select detail from audit_log where target = ${`indicator:${id}`} order by id desc limit 1`.execute(db);
  t.same(audit.rows[0]?.detail.version, { from: 1, to: 2, fields: ['formula'] }, 'the audit trail names the new version');

  const key = (v: { unit: string; value: number | null; status?: string }) => `${v.unit}:${v.value}:${v.status ?? ''}`;
  const asOfBefore = await app.inject({ url: `/v1/indicators/${id}/values?version=2021&level=bezirk&asOf=${encodeURIComponent(beforeChange)}` });
  t.equal(asOfBefore.statusCode, 200, asOfBefore.body);
  t.same(asOfBefore.json().values.map(key), valuesBefore.values.map(key), 'as of before the change: the values of version 1');
  const asOfNow = await app.inject({ url: `/v1/indicators/${id}/values?version=2021&level=bezirk&asOf=${encodeURIComponent(new Date().toISOString())}` });
  t.equal(asOfNow.statusCode, 200);
  const mean = (values: { value: number | null }[]) => {
    const known = values.map((v) => v.value).filter((v): v is number => v !== null);
    return known.reduce((a, b) => a + b, 0) / known.length;
  };
  const [under6, over65] = [mean(asOfBefore.json().values), mean(asOfNow.json().values)];
  // Berlin's districts: about 5–7 % of residents are under 6, 15–25 % are 65 or older
  t.ok(under6 > 2 && under6 < 10, `as of before: the share under 6 (${under6.toFixed(1)} %)`);
  t.ok(over65 > 12 && over65 < 30, `as of now: version 2, the share 65 and older (${over65.toFixed(1)} %)`);

  const unchanged = await app.inject({ method: 'PATCH', url: `/v1/indicators/${id}`, headers: keys.admin.auth, payload: { formula: newFormula, description: 'gleich' } });
  t.equal(unchanged.json().version, 2, 'the same formula again, or a new description, is no new version');
});

t.test('a draft indicator changes in place', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/indicators', headers: keys.own.auth, payload: { ...indicatorBody('own'), id: 'm_draft', minBase: 5 } });
  t.equal(created.statusCode, 201, created.body);
  t.match(created.json(), { status: 'draft', version: 1, agencyId: 'afs', minBase: 5 });
  const patched = await app.inject({ method: 'PATCH', url: '/v1/indicators/m_draft', headers: keys.own.auth, payload: { minBase: 7, formula: { kind: 'share', numerator: 'kitas', denominator: 'einwohner', factor: 1000 } } });
  t.equal(patched.statusCode, 200, 'its agency may set the minimum base of its draft');
  t.equal(patched.json().version, 1, 'no new version');
  const history = (await app.inject({ url: '/v1/indicators/m_draft/versions' })).json();
  t.equal(history.versions.length, 1);
  t.match(history.versions[0], { minBase: 7, formula: { factor: 1000 } }, 'the one version holds the new definition');
  const activate = await app.inject({ method: 'PATCH', url: '/v1/indicators/m_draft', headers: keys.own.auth, payload: { status: 'active' } });
  t.equal(activate.statusCode, 200);
  const threshold = await app.inject({ method: 'PATCH', url: '/v1/indicators/m_draft', headers: keys.own.auth, payload: { minBase: 1 } });
  t.equal(threshold.statusCode, 403, 'once active, the minimum base is a threshold for admin');
  const formula = await app.inject({ method: 'PATCH', url: '/v1/indicators/m_draft', headers: keys.own.auth, payload: { formula: { kind: 'share', numerator: 'kitas', denominator: 'einwohner' } } });
  t.equal(formula.statusCode, 200, 'its agency may change its formula');
  t.equal(formula.json().version, 2, 'as a new version');
});

t.test('restricted access per agency or per variable', async (t) => {
  const restricted = (await sql<{ id: string; agency_id: string }>`select id, agency_id from variable where access = 'restricted' order by id`.execute(db)).rows;
  const senwgp = restricted.filter((v) => v.agency_id === 'senwgp').map((v) => v.id);
  const polizei = restricted.filter((v) => v.agency_id === 'polizei').map((v) => v.id);
  t.ok(senwgp.length > 0 && polizei.length > 0, 'the seed has restricted variables of two agencies');
  const create = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: keys.admin.auth, payload: { label: 'grant', ...payload } });
    t.equal(res.statusCode, 201, res.body);
    return { authorization: `Bearer ${res.json().key}` };
  };
  const byAgency = await create({ scopes: ['ingest:write'], readRestricted: ['agency:senwgp'] });
  const byVariable = await create({ scopes: ['ingest:write'], readRestricted: [`variable:${polizei[0]}`] });
  const ownAgency = await create({ scopes: ['read:restricted'], agencyId: 'senwgp' });
  const all = await create({ scopes: ['read:restricted'] });
  const visible = async (headers: Record<string, string>) =>
    new Set(((await app.inject({ url: '/v1/variables?access=restricted', headers })).json().variables as { id: string }[]).map((v) => v.id));
  t.same([...(await visible(byAgency))].sort(), senwgp, 'an agency grant: that agency’s restricted variables');
  t.same([...(await visible(byVariable))], [polizei[0]], 'a variable grant: that variable');
  t.same([...(await visible(ownAgency))].sort(), senwgp, 'read:restricted of an agency: its own');
  t.same([...(await visible(all))].sort(), restricted.map((v) => v.id), 'read:restricted of no agency: all');
  t.same([...(await visible(keys.admin.auth))].sort(), restricted.map((v) => v.id), 'admin: all');
  t.same([...(await visible({}))], [], 'anonymous: none');

  const one = (headers: Record<string, string>, id: string) => app.inject({ url: `/v1/variables/${id}`, headers });
  t.equal((await one(byAgency, senwgp[0]!)).statusCode, 200);
  t.equal((await one(byAgency, polizei[0]!)).statusCode, 403, 'another agency’s restricted variable: 403');
  t.equal((await one({}, polizei[0]!)).statusCode, 401, 'without a key: 401');
  const observations = (headers: Record<string, string>, id: string) => app.inject({ url: `/v1/variables/${id}/observations?lorVersion=2021&level=bezirk`, headers });
  t.not((await observations(byVariable, polizei[0]!)).statusCode, 403, 'the observations follow the same rule');
  t.equal((await observations(byAgency, polizei[0]!)).statusCode, 403);
  t.equal((await observations({}, polizei[0]!)).statusCode, 401);
  const esu = 'esu_uebergewicht';
  const indicatorValues = (headers: Record<string, string>) => app.inject({ url: `/v1/indicators/${esu}/values?version=2021&level=bezirk`, headers });
  t.equal((await indicatorValues({})).statusCode, 401, 'an indicator over restricted inputs: 401 without a key');
  t.equal((await indicatorValues(byVariable)).statusCode, 403, 'a grant for other variables: 403');
  t.equal((await indicatorValues(byAgency)).statusCode, 200, 'the inputs’ agency grant: readable');
  t.equal((await app.inject({ url: `/v1/indicators/${esu}`, headers: byAgency })).statusCode, 200, 'and its definition too');
  const unknownGrant = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: keys.admin.auth, payload: { label: 'x', scopes: ['ingest:write'], readRestricted: ['agency:senwgp', 'variable:gibt_es_nicht'] } });
  t.equal(unknownGrant.statusCode, 422);
  t.same(unknownGrant.json().invalidParams.map((p: { pointer: string }) => p.pointer), ['/body/readRestricted/1']);
  const badGrant = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: keys.admin.auth, payload: { label: 'x', scopes: ['ingest:write'], readRestricted: ['everything'] } });
  t.equal(badGrant.statusCode, 400);
});

t.test('keys expire: accepted at creation, listed, refused afterwards naming the expiry', async (t) => {
  const soon = new Date(Date.now() + 60 * 60_000).toISOString();
  const res = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: keys.admin.auth, payload: { label: 'befristet', scopes: ['metadata:write'], agencyId: 'afs', expiresAt: soon } });
  t.equal(res.statusCode, 201);
  t.equal(res.json().expiresAt, soon);
  const auth = { authorization: `Bearer ${res.json().key}` };
  const use = () => app.inject({ method: 'PATCH', url: '/v1/variables/m_push', headers: auth, payload: { description: 'befristet' } });
  t.equal((await use()).statusCode, 200, 'works before its expiry');
  const listed = (await app.inject({ url: '/v1/admin/keys', headers: keys.admin.auth })).json().keys.find((k: { id: string }) => k.id === res.json().id);
  t.equal(listed.expiresAt, soon, 'the list shows the expiry');
  await sql`update api_key set expires_at = now() - interval '1 second' where id = ${res.json().id}`.execute(db);
  const late = await use();
  t.equal(late.statusCode, 401, 'refused once expired, also from the verification cache');
  t.match(late.json().detail, /expired at/);
  t.equal((await app.inject({ url: '/v1/agencies', headers: auth })).statusCode, 401, 'also on reads');
  const past = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: keys.admin.auth, payload: { label: 'x', scopes: ['ingest:write'], expiresAt: '2020-01-01T00:00:00Z' } });
  t.equal(past.statusCode, 422);
  t.equal(past.json().invalidParams[0].pointer, '/body/expiresAt');
  const bad = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: keys.admin.auth, payload: { label: 'x', scopes: ['ingest:write'], expiresAt: 'morgen' } });
  t.equal(bad.statusCode, 400);
});

t.test('the audit trail through the API: filtered by actor, action and time, paged', async (t) => {
  const from = (await sql<{ at: Date }>`select now() as at`.execute(db)).rows[0]!.at.toISOString();
  for (const n of [1, 2, 3]) {
    const res = await app.inject({ method: 'PATCH', url: '/v1/variables/m_push', headers: keys.own.auth, payload: { description: `Eintrag ${n}` } });
    t.equal(res.statusCode, 200);
  }
  await app.inject({ method: 'PATCH', url: '/v1/indicators/m_ind_own', headers: keys.own.auth, payload: { description: 'x' } });
  const get = (query: string, headers = keys.admin.auth) => app.inject({ url: `/v1/admin/audit?${query}`, headers });
  const byActor = await get(`actor=key:${keys.own.id}&from=${encodeURIComponent(from)}`);
  t.equal(byActor.statusCode, 200, byActor.body);
  const entries = byActor.json().entries as { id: number; actor: string; action: string; target: string; detail: { description?: string } }[];
  t.same(entries.map((e) => e.action), ['indicator.update', 'variable.update', 'variable.update', 'variable.update'], 'newest first');
  t.ok(entries.every((e) => e.actor === `key:${keys.own.id}`));
  t.same(entries.slice(1).map((e) => e.detail.description), ['Eintrag 3', 'Eintrag 2', 'Eintrag 1']);
  const byAction = (await get(`action=variable.update&from=${encodeURIComponent(from)}`)).json().entries;
  t.equal(byAction.length, 3);
  const family = (await get(`action=indicator.*&actor=key:${keys.own.id}&from=${encodeURIComponent(from)}`)).json().entries;
  t.same(family.map((e: { action: string }) => e.action), ['indicator.update'], 'an action family');
  const page1 = (await get(`actor=key:${keys.own.id}&from=${encodeURIComponent(from)}&limit=2`)).json();
  t.equal(page1.entries.length, 2);
  t.match(page1.next, /before=\d+/);
  const page2 = (await app.inject({ url: page1.next, headers: keys.admin.auth })).json();
  t.same([...page1.entries, ...page2.entries].map((e: { id: number }) => e.id), entries.map((e) => e.id), 'the pages join up');
  t.equal(page2.next, null);
  const future = (await get(`to=${encodeURIComponent(from)}&actor=key:${keys.own.id}&action=variable.update`)).json().entries;
  t.notOk(future.some((e: { detail: { description?: string } }) => /^Eintrag/.test(e.detail.description ?? '')), 'to excludes later entries');
  t.equal((await get('', keys.own.auth)).statusCode, 403, 'admin only');
  t.equal((await get('')).statusCode, 200);
  t.equal((await app.inject({ url: '/v1/admin/audit' })).statusCode, 401);
  const badTime = await get('from=2020-13-45T00:00:00Z');
  t.equal(badTime.statusCode, 400);
  t.match(JSON.stringify(badTime.json().invalidParams), /from/);
  t.equal((await get(`from=${encodeURIComponent('2030-01-01T00:00:00Z')}&to=${encodeURIComponent('2020-01-01T00:00:00Z')}`)).statusCode, 422);
  t.notOk(JSON.stringify((await get('limit=1000')).json()).includes(keys.own.key.slice(14)), 'no key in the trail');
});

t.test('a key in the URL is refused naming the parameter and never logged', async (t) => {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const logged = await createApp({ title: 'log', config: serviceConfigFromEnv({ LOG_LEVEL: 'info' }), database: await testDatabase(t), logStream });
  await logged.register(async (scoped) => metadataService.routes(scoped as never));
  await logged.ready();
  t.teardown(() => logged.close());
  const secret = keys.admin.key;
  for (const [query, name] of [
    [`api_key=${secret}`, 'api_key'],
    [`apikey=${secret}`, 'apikey'],
    [`access_token=abc`, 'access_token'],
    [`key=${secret}`, 'key'],
    [`status=active&x=${encodeURIComponent(secret)}`, 'x'],
  ] as const) {
    const res = await logged.inject({ url: `/v1/variables?${query}` });
    t.equal(res.statusCode, 400, query.slice(0, 20));
    t.match(res.headers['content-type'], /problem\+json/);
    t.equal(res.json().invalidParams[0].name, name, `names ${name}`);
    t.notOk(res.body.includes(secret.slice(14)), 'the answer does not repeat the key');
  }
  await logged.inject({ url: '/v1/agencies?token=geheimes-token' });
  const log = lines.join('');
  t.ok(log.includes('/v1/variables?'), 'the requests are logged');
  t.notOk(log.includes(secret.slice(14)), 'but never the key');
  t.notOk(log.includes('geheimes-token'), 'nor a token-like parameter');
  t.match(log, /api_key=\[redacted\]/);
});
