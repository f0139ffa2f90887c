// OpenAPI-driven fuzzing of every operation of the gateway (issue 15): one parameter or body field of a valid request
// at a time gets a malformed, huge, negative, non-UTF-8, injection or wrong-typed value, with an admin key and without.
// No answer may be a 5xx; every 4xx is application/problem+json and a 400/422 names the field; nothing is stored
// (a mutated body the contract itself accepts, answered 2xx, is counted and accounted for, never ignored).
// Shared by the PostgreSQL and the embedded (PGlite) runs: fuzzApi(t, app, db, options).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Database, Kysely } from '@datenpool/db';
import { type App, ensureKey, generateKey } from '@datenpool/service-kit';
import { Ajv } from 'ajv';
import type { Test } from 'tap';
import { pathValues } from './path-values.ts';
import { reportSummary } from './report.ts';

interface Parameter {
  in: 'query' | 'path' | 'header';
  name: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
}
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
export interface FuzzOptions {
  /** named in the summary line */
  engine: 'postgresql' | 'pglite';
  /** the share of the value list each query parameter gets (path parameters and body fields get every value) */
  queryShare: number;
  /** the share of the other body values each body field gets (1: all) */
  bodyShare?: number;
  /** the database has no bundled data: a valid request may find nothing (404) */
  withoutData?: boolean;
}

export async function fuzzApi(t: Test, app: App, db: Kysely<Database>, options: FuzzOptions): Promise<void> {
  // the document the app serves (openapi/datenpool.json is its copy, checked to be current by another test)
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    methods.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] as Operation, key: `${method.toUpperCase()} ${path}` })),
  );

  const admin = generateKey().key;
  await ensureKey(db, admin, { scopes: ['admin'], label: 'fuzz admin' });
  const json = { 'content-type': 'application/json' };
  const asAdmin = { authorization: `Bearer ${admin}` };

  // what the valid requests refer to: records of the fuzz's own, so that a PATCH the contract accepts changes nothing of the pool's
  const setup = async (method: 'POST' | 'PATCH', url: string, payload: unknown) => {
    const res = await app.inject({ method, url, headers: { ...asAdmin, ...json }, payload: JSON.stringify(payload) });
    if (res.statusCode >= 300) throw new Error(`fuzz setup ${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  await setup('POST', '/v1/agencies', { id: 'fuzzamt', name: 'Fuzz-Amt', kind: 'other' });
  const variable = (id: string) => ({ id, labelDe: 'Fuzz', labelEn: 'Fuzz', unit: 'Personen', aggregation: 'sum', finestLevel: 'planungsraum', agencyId: 'fuzzamt' });
  await setup('POST', '/v1/variables', variable('fuzz_var'));
  // PATCH mutations the contract accepts change these, never what the other valid requests refer to
  await setup('POST', '/v1/variables', variable('fuzz_var_patch'));
  const formula = (await app.inject({ url: '/v1/indicators/anteil_unter_6' })).json().formula;
  const indicator = (id: string) => ({ id, zielbereich: 'Kinder', labelDe: 'Fuzz', labelEn: 'Fuzz', formula, polarity: 'neutral' });
  await setup('POST', '/v1/indicators', indicator('fuzz_ind'));
  await setup('POST', '/v1/indicators', indicator('fuzz_ind_patch'));
  const target = { scope: '0', periodFrom: '2024', periodTo: '2025', targetValue: 5 };
  const targetId = String((await setup('POST', '/v1/indicators/fuzz_ind/targets', target)).id);
  const source = (id: string) => ({ id, agencyId: 'fuzzamt', variableId: 'fuzz_var', lorVersion: '2021', kind: 'csv', url: 'https://fuzz.invalid/x.csv', enabled: false });
  await setup('POST', '/v1/sources', source('fuzz-src'));
  await setup('POST', '/v1/sources', source('fuzz-src-patch'));
  const keyId = String((await setup('POST', '/v1/admin/keys', { label: 'fuzz victim', scopes: ['ingest:write'] })).id);
  // a batch of the bundle where there is one (an embedded database without the bundle has none)
  const batchId = String((await db.selectFrom('ingest_batch').select('id').limit(1).executeTakeFirst())?.id ?? randomUUID());

  /** valid path parameters: the fuzz's own records, a z12 tile over central Berlin */
  const validPathValue = pathValues({
    agency: 'fuzzamt',
    variable: 'fuzz_var',
    indicator: 'fuzz_ind',
    target: targetId,
    source: 'fuzz-src',
    key: keyId,
    batch: batchId,
    // the current release whatever the fuzz's writes did to the data state
    release: 'latest',
    tile: { matrix: '12', row: '1343', col: '2200' },
    // without the bundle there are no LOR units: a unit code in the key is an unknown code (a 400)
    sdmxKey: options.withoutData ? 'kitas..' : 'kitas.01100101._T',
  });
  const pathValue = (path: string, name: string, method: string) => {
    if (method === 'patch' && name === 'id') return { '/v1/variables/{id}': 'fuzz_var_patch', '/v1/indicators/{id}': 'fuzz_ind_patch', '/v1/sources/{id}': 'fuzz-src-patch' }[path] ?? 'none';
    return validPathValue(path, name);
  };

  let serial = 0;
  /** a valid body per operation; ids fresh per request, so an accepted creation never collides with the next */
  function validBody(key: string): Record<string, unknown> | undefined {
    const n = ++serial;
    switch (key) {
      case 'POST /v1/agencies':
        return { id: `fuzz-a${n}`, name: 'Amt', kind: 'other' };
      case 'POST /v1/variables':
        return variable(`fuzz_v${n}`);
      case 'PATCH /v1/variables/{id}':
        return { labelEn: 'Fuzz' };
      case 'POST /v1/indicators':
        return indicator(`fuzz_i${n}`);
      case 'PATCH /v1/indicators/{id}':
        return { labelEn: 'Fuzz' };
      case 'POST /v1/indicators/{id}/targets':
        return { ...target };
      case 'POST /v1/sources':
        return source(`fuzz-s${n}`);
      case 'PATCH /v1/sources/{id}':
        return { enabled: false };
      case 'POST /v1/admin/keys':
        return { label: `fuzz ${n}`, scopes: ['read:restricted'] };
      default:
        return undefined;
    }
  }

  /** valid query parameters that the request needs (the rest are left out until one is mutated) */
  const requiredQuery: Record<string, Record<string, string>> = {
    'GET /v1/lor/{version}/units': { q: 'Mitte' },
    'GET /v1/lor/{version}/locate': { lon: '13.4', lat: '52.52' },
    'GET /v1/lor/crosswalk': { from: '2006', to: '2021', level: 'bezirksregion' },
    'GET /v1/variables/{variableId}/observations/history': { unit: '01100101', date: '2023-12-31' },
    'POST /v1/variables/{variableId}/observations': { dryRun: 'true' },
    'POST /v1/sources/{id}/harvest': { dryRun: 'true' },
    // without the bundle there are no LOR units, so no feature type to read: the capabilities then
    'GET /wfs': options.withoutData
      ? { service: 'WFS', request: 'GetCapabilities' }
      : { service: 'WFS', version: '2.0.0', request: 'GetFeature', typeNames: 'lor-2021-bezirk', count: '2' },
  };
  /** bodies of the routes whose body the document does not describe (streamed) */
  const rawBodies: Record<string, { type: string; body: string }> = {
    'POST /v1/variables/{variableId}/observations': { type: 'text/csv', body: 'unit,date,value\n01100101,2023-12-31,5\n' },
  };

  /** a value for a URL: `raw` is put into the URL as it is (already percent-encoded, or deliberately not) */
  interface UrlValue {
    label: string;
    raw: string;
  }
  const enc = (label: string, value: string): UrlValue => ({ label, raw: encodeURIComponent(value) });
  const urlValues: UrlValue[] = [
    enc('empty', ''),
    enc('huge', 'x'.repeat(5000)),
    enc('negative', '-1'),
    enc('negative huge', '-99999999999999999999999'),
    enc('huge number', '1e309'),
    enc('fraction', '0.5'),
    enc('NaN', 'NaN'),
    enc('wrong type: object', '{"a":1}'),
    enc('wrong type: array', '[1,2]'),
    enc('boolean', 'maybe'),
    enc('sql injection', "' OR '1'='1"),
    enc('sql injection: stacked', "1; DROP TABLE observation;--"),
    enc('sql injection: union', "x' UNION SELECT key_hash FROM api_key--"),
    enc('cql injection', "name='a') OR (1=1"),
    enc('cql function', "S_INTERSECTS(geometry,POINT(1 1))"),
    enc('path traversal', '../../../../etc/passwd'),
    { label: 'path traversal: encoded', raw: '..%2F..%2F..%2Fetc%2Fpasswd' },
    { label: 'non-UTF-8', raw: '%C3%28%FF%FE' },
    { label: 'lone surrogate', raw: '%ED%A0%80' },
    { label: 'NUL', raw: 'a%00b' },
    { label: 'malformed percent', raw: '%E0%A4%A' },
    enc('impossible date', '2020-13-45'),
    enc('year zero', '0000-01-01T00:00:00Z'),
    enc('control characters', '\u0001\u001b[31m\r\n'),
    enc('bidi and emoji', '\u202e😀'),
    enc('html', '<script>alert(1)</script>'),
    enc('format string', '%s%n%x'),
    enc('long list', Array.from({ length: 2000 }, (_, i) => String(i)).join(',')),
  ];

  /** a value for a JSON body field: `value` serialised, or `text` put into the body as it is (bytes for non-UTF-8) */
  interface BodyValue {
    label: string;
    value?: unknown;
    text?: string | Buffer;
    /** the field is removed */
    remove?: true;
  }
  const bodyValues: BodyValue[] = [
    { label: 'missing', remove: true },
    { label: 'null', value: null },
    { label: 'wrong type: number', value: 12345 },
    { label: 'wrong type: boolean', value: true },
    { label: 'wrong type: array', value: ['a'] },
    { label: 'wrong type: object', value: { a: 1 } },
    { label: 'wrong type: string', value: 'seven' },
    { label: 'empty string', value: '' },
    { label: 'negative', value: -1 },
    { label: 'huge negative', value: -1e308 },
    { label: 'huge', value: 1e308 },
    { label: 'fraction', value: 0.5 },
    { label: 'beyond 2^53', value: 2 ** 60 },
    { label: 'huge string', value: 'y'.repeat(100_000) },
    { label: 'NUL', value: 'a\u0000b' },
    { label: 'lone surrogate', text: '"a\\ud800b"' },
    { label: 'non-UTF-8', text: Buffer.from([0x22, 0x61, 0xc3, 0x28, 0xff, 0xfe, 0x22]) },
    { label: 'sql injection', value: "x'); DELETE FROM api_key;--" },
    { label: 'cql injection', value: "a' OR 1=1 OR name LIKE '%" },
    { label: 'path traversal', value: '../../../etc/passwd' },
    { label: 'deep', text: `${'['.repeat(100)}${']'.repeat(100)}` },
    { label: 'url: file', value: 'file:///etc/passwd' },
    { label: 'impossible date', value: '2020-13-45' },
  ];

  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
  /** OpenAPI 3.0's `nullable` as JSON Schema (ajv takes it only beside a `type`) */
  function jsonSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(jsonSchema);
    if (!node || typeof node !== 'object') return node;
    const { nullable, ...rest } = node as Record<string, unknown>;
    const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, jsonSchema(v)]));
    if (nullable !== true) return converted;
    if (typeof converted.type === 'string') return { ...converted, type: [converted.type, 'null'], ...(Array.isArray(converted.enum) ? { enum: [...converted.enum, null] } : {}) };
    const { default: _, description: __, ...schema } = converted;
    return { anyOf: [schema, { type: 'null' }] };
  }
  const schemaValid = new Map<string, (v: unknown) => boolean>();
  function contractAccepts(key: string, schema: Record<string, unknown>, body: unknown): boolean {
    let validate = schemaValid.get(key);
    if (!validate) {
      const compiled = ajv.compile(jsonSchema(schema) as Record<string, unknown>);
      validate = (v) => compiled(v) as boolean;
      schemaValid.set(key, validate);
    }
    return validate(body);
  }

  const tables = ['observation', 'api_key', 'agency', 'variable', 'referenced_source', 'indicator', 'indicator_target'] as const;
  type Table = (typeof tables)[number];
  async function counts(): Promise<Record<Table | 'landed_batch', number>> {
    const out = {} as Record<Table | 'landed_batch', number>;
    for (const table of tables) {
      const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      out[table] = Number(row.n);
    }
    const landed = await db.selectFrom('ingest_batch').select((eb) => eb.fn.countAll<string>().as('n')).where('status', 'in', ['accepted', 'partial']).where('dry_run', '=', false).executeTakeFirstOrThrow();
    out.landed_batch = Number(landed.n);
    return out;
  }
  /** the table an accepted deletion (of what an accepted creation made) removes one row from */
  const deletedFrom: Record<string, Table> = { 'DELETE /v1/sources/{id}': 'referenced_source' };
  /** the table an accepted creation adds one row to */
  const createdIn: Record<string, Table> = {
    'POST /v1/agencies': 'agency',
    'POST /v1/variables': 'variable',
    'POST /v1/indicators': 'indicator',
    'POST /v1/indicators/{id}/targets': 'indicator_target',
    'POST /v1/sources': 'referenced_source',
    'POST /v1/admin/keys': 'api_key',
  };

  interface Case {
    key: string;
    field: string;
    where: 'path' | 'query' | 'body';
    label: string;
    admin: boolean;
    method: string;
    url: string;
    headers: Record<string, string>;
    payload?: string | Buffer;
    /** the contract (the OpenAPI schema of the body) accepts the mutated body */
    contractValid?: boolean;
  }

  function buildUrl(path: string, method: string, key: string, mutate?: { where: 'path' | 'query'; name: string; raw: string }): string {
    let url = path.replace(/\{(\w+)\}/g, (_, name: string) => (mutate?.where === 'path' && mutate.name === name ? mutate.raw : encodeURIComponent(pathValue(path, name, method))));
    const query = Object.entries(requiredQuery[key] ?? {}).filter(([name]) => !(mutate?.where === 'query' && mutate.name === name));
    const parts = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    if (mutate?.where === 'query') parts.push(`${mutate.name}=${mutate.raw}`);
    if (parts.length) url += `?${parts.join('&')}`;
    return url;
  }

  // deterministic sampling: a per-field subset of the values keeps the run bounded; every field gets the structural ones
  let seed = 0x5eed;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const QUERY_SHARE = Number(process.env.FUZZ_QUERY_SHARE ?? options.queryShare);

  const cases: Case[] = [];
  for (const { method, path, op, key } of operations) {
    const writes = method !== 'get';
    // writes with the admin key and without; reads with it (a fifth also without)
    const auths = writes || random() < 0.2 ? [true, false] : [true];
    const body = op.requestBody?.content['application/json'];
    const raw = rawBodies[key];
    const base = (adminKey: boolean): Pick<Case, 'headers' | 'method'> => ({
      method: method.toUpperCase(),
      headers: { ...(adminKey ? asAdmin : {}), ...(body ? json : raw ? { 'content-type': raw.type } : {}) },
    });
    const payloadOf = () => (body ? JSON.stringify(validBody(key)) : raw?.body);
    for (const p of op.parameters ?? []) {
      if (p.in === 'header') continue;
      const where = p.in;
      const values = where === 'path' ? urlValues.filter((v) => v.label !== 'empty') : urlValues.filter((_, i) => i < 8 || random() < QUERY_SHARE);
      for (const v of values) {
        for (const adminKey of auths) {
          cases.push({ key, field: p.name, where, label: v.label, admin: adminKey, ...base(adminKey), url: buildUrl(path, method, key, { where, name: p.name, raw: v.raw }), payload: payloadOf() });
        }
      }
    }
    if (body) {
      const fields = Object.keys((body.schema.properties ?? {}) as Record<string, unknown>);
      for (const field of fields) {
        // the structural values (missing, null, wrong types) always; the rest by share
        for (const v of bodyValues.filter((_, i) => i < 7 || random() < (options.bodyShare ?? 1))) {
          for (const adminKey of auths) {
            const valid = validBody(key) as Record<string, unknown>;
            let payload: string | Buffer;
            let parsed: unknown;
            if (v.remove) {
              delete valid[field];
              payload = JSON.stringify(valid);
              parsed = valid;
            } else if (v.text !== undefined) {
              const { [field]: _, ...rest } = valid;
              const head = JSON.stringify({ ...rest, [field]: 0 }).replace(/0\}$/, '');
              payload = typeof v.text === 'string' ? `${head}${v.text}}` : Buffer.concat([Buffer.from(head), v.text, Buffer.from('}')]);
              parsed = undefined; // never valid: the hygiene or the parser refuses it
            } else {
              valid[field] = v.value;
              payload = JSON.stringify(valid);
              parsed = valid;
            }
            const contractValid = parsed !== undefined && v.label !== 'NUL' && contractAccepts(key, body.schema, parsed);
            cases.push({ key, field, where: 'body', label: v.label, admin: adminKey, ...base(adminKey), url: buildUrl(path, method, key), payload, contractValid });
          }
        }
      }
      // the body as a whole: not JSON, the wrong media type, not an object
      for (const [label, payload, type] of [
        ['malformed JSON', '{"id":', 'application/json'],
        ['array body', '[]', 'application/json'],
        ['wrong media type', 'id=x', 'application/x-www-form-urlencoded'],
      ] as const) {
        cases.push({ key, field: 'body', where: 'body', label, admin: true, ...base(true), headers: { ...asAdmin, 'content-type': type }, url: buildUrl(path, method, key), payload });
      }
    }
    // a parameter no operation declares, with NUL and with injection text: ignored or refused, never a 5xx
    // (writes without a key: with one, the request would be valid and write)
    for (const v of urlValues.filter((x) => ['NUL', 'sql injection', 'path traversal: encoded'].includes(x.label))) {
      const url = buildUrl(path, method, key);
      cases.push({ key, field: 'undeclared', where: 'query', label: v.label, admin: !writes, ...base(!writes), url: `${url}${url.includes('?') ? '&' : '?'}undeclared=${v.raw}`, payload: payloadOf() });
    }
    if (!body && !raw && writes && !(op.parameters ?? []).some((p) => p.in !== 'header')) {
      // an operation without parameters or body (recompute): a body it does not take
      cases.push({ key, field: 'body', where: 'body', label: 'malformed JSON', admin: true, ...base(true), headers: { ...asAdmin, ...json }, url: buildUrl(path, method, key), payload: '{"x":' });
      cases.push({ key, field: 'body', where: 'body', label: 'without key', admin: false, ...base(false), url: buildUrl(path, method, key) });
    }
  }

  // the valid requests the mutations start from: a GET that does not answer 2xx would make every mutation of it moot
  const invalidBaselines: string[] = [];
  for (const { method, path, key } of operations.filter((o) => o.method === 'get')) {
    const res = await app.inject({ url: buildUrl(path, method, key), headers: asAdmin });
    if (res.statusCode >= 300) invalidBaselines.push(`${key}: ${res.statusCode} ${res.body.slice(0, 160)}`);
  }

  const before = await counts();
  const accepted: Case[] = [];
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const covered = new Set<string>();
  const started = Date.now();

  /** URL values the router cannot decode: refused before a route (and its parameter names) is known, so `url` is named */
  const undecodable = new Set(['non-UTF-8', 'lone surrogate', 'malformed percent', 'huge', 'long list']);

  /** true where a problem names the field: an invalid-params or row-error entry, or the detail */
  function namesField(problem: Record<string, unknown>, c: Case): boolean {
    if (c.field === 'body') return true;
    const text = JSON.stringify(problem);
    // bytes that are not UTF-8 are refused as the body streams in, before any field is parsed
    if (c.label === 'non-UTF-8' && c.where === 'body' && text.includes('"pointer":"/body"')) return true;
    const names = c.where === 'path' && undecodable.has(c.label) ? [c.field, 'url'] : [c.field];
    return names.some(
      (field) =>
        text.includes(`"name":"${field}"`) ||
        text.includes(`/${field}"`) ||
        text.includes(`/${field}/`) ||
        text.includes(`"field":"${field}"`) ||
        (typeof problem.detail === 'string' && problem.detail.includes(field)),
    );
  }

  const ANSWER_TIMEOUT_MS = 60_000;
  const timeByOperation = new Map<string, number>();
  const createdIds = new Set<string>();
  const safeDecode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  for (const c of cases) {
    covered.add(c.key);
    const sent = Date.now();
    if (process.env.FUZZ_TRACE) writeFileSync(process.env.FUZZ_TRACE, `${c.method} ${c.url.slice(0, 300)} ${c.field}=${c.label}\n`, { flag: 'a' });
    // a request that never answers (a second connection awaited inside a transaction, on PGlite's only one) fails by name
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      app.inject({ method: c.method as 'GET', url: c.url, headers: c.headers, ...(c.payload === undefined ? {} : { payload: c.payload }) }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${c.key} ${c.where} ${c.field} = ${c.label}: no answer in ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    timeByOperation.set(c.key, (timeByOperation.get(c.key) ?? 0) + Date.now() - sent);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const what = `${c.key} ${c.where} ${c.field} = ${c.label}${c.admin ? '' : ' (no key)'}: ${res.statusCode}`;
    if (res.statusCode >= 500) {
      failures.push(`${what} ${res.body.slice(0, 200)}`);
      continue;
    }
    if (res.statusCode < 400) {
      if (c.method === 'GET') continue;
      if (c.contractValid) {
        accepted.push(c);
        const id = (JSON.parse(String(c.payload)) as { id?: unknown }).id;
        if (typeof id === 'string') createdIds.add(id);
        continue;
      }
      // a path naming what an accepted creation made (an indicator with the id 2020-13-45) is a valid request
      if (c.where === 'path' && (c.url.split('?')[0] ?? '').split('/').some((part) => createdIds.has(safeDecode(part)))) {
        accepted.push(c);
        continue;
      }
      failures.push(`${what}: a write the contract refuses was accepted`);
      continue;
    }
    const type = String(res.headers['content-type'] ?? '');
    // an operation whose document gives its errors another media type (the WFS: OWS ExceptionReport XML) answers in
    // that one, naming the field in its text (the locator)
    const documented = Object.keys(operations.find((o) => o.key === c.key)?.op.responses?.[String(res.statusCode)]?.content ?? {});
    if (documented.length > 0 && !documented.some((d) => d.startsWith('application/problem+json')) && documented.some((d) => type.startsWith(d.split(';')[0] as string))) {
      if ((res.statusCode === 400 || res.statusCode === 422) && !res.body.includes(c.field) && !(c.where === 'path' && undecodable.has(c.label) && res.body.includes('url'))) {
        failures.push(`${what}: the answer does not name ${c.field}: ${res.body.slice(0, 200)}`);
      }
      continue;
    }
    if (!/^application\/problem\+json/.test(type)) {
      failures.push(`${what}: ${type} instead of application/problem+json: ${res.body.slice(0, 120)}`);
      continue;
    }
    const problem = res.json() as Record<string, unknown>;
    if ((res.statusCode === 400 || res.statusCode === 422) && !namesField(problem, c)) {
      failures.push(`${what}: the problem does not name ${c.field}: ${res.body.slice(0, 200)}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  // FUZZ_DUMP=<file>: every failure and the time spent per operation, for finding what to fix
  if (process.env.FUZZ_DUMP) {
    const slow = [...timeByOperation.entries()].sort(([, a], [, b]) => b - a).map(([k, ms]) => `${ms} ms ${k}`);
    writeFileSync(process.env.FUZZ_DUMP, `${failures.join('\n')}\n\n${slow.join('\n')}\n`);
  }
  const after = await counts();

  t.test('every operation of the OpenAPI document was fuzzed', async (t) => {
    t.same(
      operations.map((o) => o.key).filter((k) => !covered.has(k)),
      [],
      'every operation was requested with mutations',
    );
    t.ok(cases.length >= 5000, `${cases.length} requests (at least 5 000)`);
  });

  t.test('the valid requests the mutations start from answer 2xx', async (t) => {
    // without the bundled data (LOR units, observations) a valid request can be a 404: its mutations still run
    const moot = options.withoutData ? invalidBaselines.filter((b) => !/: 404 /.test(b)) : invalidBaselines;
    t.same(moot, []);
    if (options.withoutData) t.comment(`${invalidBaselines.length} valid requests find no data here (404)`);
  });

  t.test('no mutated request answers 5xx, every 4xx is a problem naming the field', async (t) => {
    t.same(failures.slice(0, 40), [], `${failures.length} failures`);
  });

  t.test('nothing is stored but what the contract accepts, one row per accepted creation', async (t) => {
    const expected = { ...before };
    for (const c of accepted) {
      const table = createdIn[c.key];
      if (table) expected[table]++;
      const gone = deletedFrom[c.key];
      if (gone) expected[gone]--;
    }
    t.same(after, expected, 'table counts: before + accepted creations');
    t.equal(after.observation, before.observation, 'no observation was stored');
    t.equal(after.landed_batch, before.landed_batch, 'no batch landed (a refused push or harvest is kept as a rejected or failed batch, with its reason)');
  });

  const byStatus = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
  const fields = new Set(cases.map((c) => `${c.key} ${c.where} ${c.field}`)).size;
  reportSummary(
    t,
    `fuzz-api (${options.engine}): ${cases.length} requests over ${covered.size} operations and ${fields} fields in ${seconds.toFixed(1)} s; statuses ${byStatus}; ` +
      `${accepted.length} accepted by the contract and answered 2xx (${accepted.map((c) => `${c.key} ${c.field}=${c.label}`).slice(0, 12).join('; ')}); ${failures.length} failures`,
  );

}
