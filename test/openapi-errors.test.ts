// Every operation documents the errors it answers: the OpenAPI document is walked, and each operation gets requests
// with one bad query parameter (a bad `f` among them), one bad path parameter, a bad body and no API key; the status
// of every answer must be one the operation's responses list (a client generated from the document knows them all).
import { type App, ensureKey, generateKey } from '@datenpool/service-kit';
import t from 'tap';
import { testGateway } from './support/app.ts';
import { pathValues } from './support/path-values.ts';

interface Schema {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}
interface Parameter {
  in: 'query' | 'path' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, unknown> };
  security?: unknown[];
  responses: Record<string, unknown>;
}
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

// every request carries the admin key, also where nothing verifies it (it would count as an unknown key)
const { app, database } = await testGateway(t, { RATE_LIMIT_UNKNOWN_KEY_MAX: '1000000' });
const admin = generateKey().key;
await ensureKey(database.db, admin, { scopes: ['admin'], label: 'openapi errors admin' });
const asAdmin = { authorization: `Bearer ${admin}` };

/** path parameters that exist in the bundled data, so that the bad value of another parameter is what is answered */
const pathValue = pathValues({
  agency: 'afs',
  variable: 'einwohner',
  indicator: 'anteil_unter_6',
  target: '1',
  source: 'no-source',
  key: '00000000-0000-4000-8000-000000000000',
  batch: '00000000-0000-4000-8000-000000000000',
  // an earlier release (a 404 naming the current one): the current one would build its whole zip
  release: '2020-01-01-0000000000',
  tile: { matrix: '10', row: '335', col: '550' },
  sdmxKey: 'kitas.01100101._T',
});

/** a value the parameter's schema refuses, where it refuses any; else one no handler can make sense of */
function badValue(schema: Schema = {}): string {
  if (schema.enum) return 'no-such-value';
  if (schema.type === 'integer' || schema.type === 'number') return 'not-a-number';
  if (schema.type === 'boolean') return 'maybe';
  if (schema.format === 'uuid') return 'not-a-uuid';
  if (schema.format === 'date' || schema.format === 'date-time') return '2020-13-45';
  if (schema.maxLength !== undefined) return 'x'.repeat(schema.maxLength + 1);
  if (schema.pattern) return '~';
  return 'no such thing ~ [';
}

function url(path: string, override: { name: string; in: 'path' | 'query'; value: string } | null): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(override?.in === 'path' && override.name === name ? override.value : pathValue(path, name)),
  );
  const query = override?.in === 'query' ? `?${encodeURIComponent(override.name)}=${encodeURIComponent(override.value)}` : '';
  return filled + query;
}

const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  methods.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] as Operation })),
);

interface Probe {
  label: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

function probesOf(path: string, method: string, op: Operation): Probe[] {
  const params = op.parameters ?? [];
  const probes: Probe[] = [];
  for (const p of params.filter((x) => x.in === 'query')) {
    const value = badValue(p.schema);
    probes.push({ label: `${p.name}=${value.slice(0, 20)}`, url: url(path, { name: p.name, in: 'query', value }), headers: asAdmin });
  }
  for (const p of params.filter((x) => x.in === 'path')) {
    const value = badValue(p.schema);
    probes.push({ label: `path ${p.name}=${value.slice(0, 20)}`, url: url(path, { name: p.name, in: 'path', value }), headers: asAdmin });
  }
  if (op.requestBody) {
    probes.push({ label: 'malformed JSON body', url: url(path, null), headers: { ...asAdmin, 'content-type': 'application/json' }, payload: '{"a":' });
    probes.push({ label: 'empty JSON object', url: url(path, null), headers: { ...asAdmin, 'content-type': 'application/json' }, payload: '{}' });
  }
  // an operation without f either ignores it or refuses it, and says so in its document
  if (method === 'get' && !params.some((p) => p.name === 'f')) probes.push({ label: 'f=no-such-format (undeclared)', url: url(path, { name: 'f', in: 'query', value: 'no-such-format' }), headers: asAdmin });
  if (method === 'get') probes.push({ label: 'Accept: nothing it serves', url: url(path, null), headers: { ...asAdmin, accept: 'application/x-nothing' } });
  if (op.security && op.security.length > 0) probes.push({ label: 'no API key', url: url(path, null), headers: {} });
  if (method === 'get' && probes.length === 0) probes.push({ label: 'as it is', url: url(path, null), headers: {} });
  return probes;
}

async function answer(app: App, method: string, probe: Probe): Promise<number> {
  const res = await app.inject({ method: method.toUpperCase() as 'GET', url: probe.url, headers: probe.headers, ...(probe.payload === undefined ? {} : { payload: probe.payload }) });
  return res.statusCode;
}

t.ok(operations.length >= 60, `${operations.length} operations`);
t.ok(
  operations.some((o) => o.path === '/' && o.op.parameters?.some((p) => p.name === 'f')),
  'the landing page takes f (the defect: its bad f was answered 400 undocumented)',
);
for (const { method, path, op } of operations) {
  t.test(`${method.toUpperCase()} ${path} documents what it answers`, async (t) => {
    const documented = Object.keys(op.responses);
    for (const probe of probesOf(path, method, op)) {
      const status = await answer(app, method, probe);
      const listed = documented.includes(String(status)) || documented.includes(`${String(status)[0]}XX`) || documented.includes('default');
      t.ok(listed, `${probe.label}: ${status} is documented (${documented.join(', ')})`);
    }
  });
}
