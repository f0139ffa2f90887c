// One process or many: the gateway proxying to separately running services answers like in-process.
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testDatabase } from './support/database.ts';
import { type ServiceProcess, startService } from './support/processes.ts';

// five service processes start and bootstrap while other test files run: more than tap's default 30 s
t.setTimeout(600_000);

const serviceNames = ['geometry', 'metadata', 'ingest', 'indicators', 'sdmx'];
const database = await testDatabase(t);
// the services honour the gateway's X-Forwarded-Host/-Proto, as infra/split.sh starts them
const env = { DATABASE_URL: database.url, TRUST_PROXY: 'loopback' };

const processes: ServiceProcess[] = await Promise.all(serviceNames.map((name) => startService(name, env)));
t.teardown(() => Promise.all(processes.map((p) => p.stop())));

const config = serviceConfigFromEnv({ LOG_LEVEL: 'silent' });
const inProcess = await buildGateway({ config, database }, gatewayConfigFromEnv({ RATE_LIMIT_MAX: '100000' }, []));
const upstreamEnv: Record<string, string> = { RATE_LIMIT_MAX: '100000', PROXY_TIMEOUT_MS: '5000' };
for (const p of processes) upstreamEnv[`${p.name.toUpperCase()}_URL`] = p.url;
const proxied = await buildGateway({ config, database }, gatewayConfigFromEnv(upstreamEnv, serviceNames));
await Promise.all([inProcess.ready(), proxied.ready()]);
t.teardown(() => Promise.all([inProcess.close(), proxied.close()]));

/** the same API checks in both modes: each service's reads, its errors, and the front door */
const checks: Array<{ method?: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string }> = [
  { url: '/?f=json' },
  { url: '/conformance?f=json' },
  { url: '/collections?f=json' },
  { url: '/collections/lor-2006-bezirk/items?limit=2&f=json' },
  { url: '/collections/lor-2006-bezirk/items/01?f=json' },
  { url: '/collections/nope/items?f=json' },
  { url: '/collections/lor-2006-planungsraum/items?bbox=1,2,3&f=json' },
  { url: '/v1/lor/2021/units/01100101' },
  { url: '/v1/agencies' },
  { url: '/v1/variables/einwohner' },
  { url: '/v1/indicators?zielbereich=Armut' },
  { url: '/v1/variables/einwohner/observations?unit=01100101&date=2022-06-30' },
  { url: '/v1/indicators/anteil_65_plus/values?version=2021&level=bezirk' },
  {
    method: 'POST',
    url: '/v1/variables/einwohner/observations?lorVersion=2021',
    headers: { 'content-type': 'application/json' },
    payload: '{"observations":[]}',
  },
  { url: '/sdmx/2.1/dataflow/DATENPOOL' },
  { url: '/sdmx/2.1/data/DF_INDICATORS_2021/ANTEIL_65_PLUS..?format=csv' },
  { url: '/v1/nothing-here' },
];

const ignoredHeaders = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'vary', 'etag', 'last-modified', 'x-ratelimit-remaining', 'x-ratelimit-reset']);

for (const check of checks) {
  t.test(`${check.method ?? 'GET'} ${check.url} answers the same in both modes`, async (t) => {
    const request = { method: check.method ?? 'GET', url: check.url, headers: check.headers ?? {}, payload: check.payload };
    const a = await inProcess.inject(request);
    const b = await proxied.inject(request);
    t.equal(b.statusCode, a.statusCode, 'status');
    t.equal(b.headers['content-type'], a.headers['content-type'], 'content type');
    // what differs per message by design: problem instances, request ids, SDMX message ids and times
    const strip = (body: string) =>
      body
        .replace(/"instance":"[^"]*"/g, '')
        .replace(/request id [0-9a-f-]+/g, '')
        .replace(/<message:ID>[^<]*<\/message:ID>|<message:Prepared>[^<]*<\/message:Prepared>/g, '')
        .replace(/"(id|prepared)":"(DATENPOOL-[^"]*|\d{4}-\d\d-\d\dT[^"]*)"/g, '');
    t.equal(strip(b.body), strip(a.body), 'body');
    for (const [name, value] of Object.entries(a.headers)) {
      if (ignoredHeaders.has(name) || name.startsWith('x-ratelimit')) continue;
      t.equal(String(b.headers[name]), String(value), `header ${name}`);
    }
  });
}

t.test('a killed service answers 502 problems, the others keep working, and recovers on restart', async (t) => {
  const metadata = processes.find((p) => p.name === 'metadata')!;
  await metadata.stop();
  const down = await proxied.inject({ url: '/v1/agencies' });
  t.equal(down.statusCode, 502);
  t.match(down.headers['content-type'], /application\/problem\+json/);
  t.match(down.json().detail, /metadata/);
  const other = await proxied.inject({ url: '/collections?f=json' });
  t.equal(other.statusCode, 200, 'geometry still answers');
  const restarted = await startService('metadata', env, metadata.port);
  processes[processes.indexOf(metadata)] = restarted;
  const back = await proxied.inject({ url: '/v1/agencies' });
  t.equal(back.statusCode, 200, 'works again without restarting the gateway');
});
