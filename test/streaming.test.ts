// Large exports are streamed with backpressure: a client that stops reading holds neither memory, nor the event loop,
// nor (beyond its own cursor) the database; leaving closes the cursor; the streamed body is the message read at once.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createDb, type DatabaseHandle, migrateToLatest, sql } from '@datenpool/db';
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { type App, serviceConfigFromEnv } from '@datenpool/service-kit';
import t, { type Test } from 'tap';
import {
  collect,
  dataMessage,
  type DataMessage,
  type Observations,
  observationMapper,
  observationsFrom,
  observationsInMemory,
  regrouped,
  type SdmxObservation,
} from '../services/sdmx/src/dataset.ts';
import { dataCsv } from '../services/sdmx/src/format/data-csv.ts';
import { dataJson } from '../services/sdmx/src/format/data-json.ts';
import { dataXml } from '../services/sdmx/src/format/data-xml.ts';
import { loadCatalog } from '../services/sdmx/src/model.ts';
import { observationRevisions } from '../services/sdmx/src/queries/data.ts';
import { parseDataRequest, resolveFlow } from '../services/sdmx/src/request.ts';
import { serveOnLoopback, testGateway } from './support/app.ts';

t.setTimeout(600_000);
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** a whole body, read as fast as the client can */
async function download(url: string): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** a download that reads the headers and then stops reading: the server's socket fills and its writes wait */
async function stalledDownload(url: string): Promise<{ response: http.IncomingMessage; request: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      response.pause();
      resolve({ response, request });
    });
    request.on('error', reject);
  });
}

/** the bytes the server holds for one stalled download may be the socket's buffers and a batch, never the export */
const heapBound = (bodyBytes: number) => bodyBytes * 0.25;

/**
 * strips what differs between two messages of the same data: the message id, the preparation time and the server's
 * base URL (SDMX-JSON's absolute dataflow link: the message written here in memory has no request to take it from)
 */
const normalised = (text: string) =>
  text
    .replace(/DATENPOOL-[0-9a-f-]{36}/g, 'ID')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, 'PREPARED')
    .replace(/"href":"http:\/\/127\.0\.0\.1:\d+\//g, '"href":"/');

/** every row of the export read in one query, as observations in series order: what the formats write in memory */
interface Reading {
  message: DataMessage;
  observations: SdmxObservation[];
  labels: Observations['labels'];
}

async function readAtOnce(app: App, flowId: string, query: Record<string, string>): Promise<Reading> {
  const db = app.database.db;
  const catalog = await loadCatalog(db);
  const flow = resolveFlow(catalog, flowId);
  const request = await parseDataRequest(db, catalog, flow, undefined, { dimensionAtObservation: 'TIME_PERIOD', detail: 'full', ...query } as never);
  const rows = await observationRevisions(db, {
    variableId: flow.variable?.id as string,
    lorVersion: flow.lorVersion,
    units: null,
    breakdowns: null,
    first: request.first,
    last: request.last,
    mode: request.mode,
  });
  const source = observationsFrom(async function* () {
    yield rows;
  }, observationMapper(request));
  // each observation's place in series order, which SDMX-JSON lists codes in, before they are regrouped
  const observations = (await collect(source)).map((o, rank) => ({ ...o, rank }));
  return { message: dataMessage(request), observations, labels: source.labels };
}

/**
 * the message as the formats write it from every row read in one query (the in-memory path the route took before
 * it streamed), to compare the streamed body with
 */
async function inMemoryMessage(reading: Reading, format: 'csv' | 'json' | 'xml'): Promise<string> {
  const { message, observations, labels } = reading;
  const write = format === 'csv' ? dataCsv : format === 'json' ? dataJson : dataXml;
  let text = '';
  // SDMX-ML and SDMX-JSON group by data set and series (what dataSetParts and a Map of series did in memory)
  const ordered = format === 'csv' ? observations : regrouped(message, observations);
  for await (const chunk of write(message, observationsInMemory(ordered, labels))) text += chunk;
  return text;
}

async function exportsStream(
  t: Test,
  app: App,
  database: DatabaseHandle,
  exported: { flow: string; query: Record<string, string>; rows: () => Promise<number> },
): Promise<void> {
  const base = await serveOnLoopback(app);
  const path = `/sdmx/2.1/data/${exported.flow}`;
  const rows = await exported.rows();
  t.ok(rows > 10_000, `the export has ${rows} rows`);
  // background work of a fresh gateway (the disclosure evaluation of rows written outside a push) may still change
  // what is published: compare once two readings a second apart agree
  let reading = await readAtOnce(app, exported.flow, exported.query);
  let csv = await inMemoryMessage(reading, 'csv');
  for (let settled = false, tries = 0; !settled && tries < 60; tries++) {
    await sleep(1000);
    const next = await readAtOnce(app, exported.flow, exported.query);
    const nextCsv = await inMemoryMessage(next, 'csv');
    settled = normalised(nextCsv) === normalised(csv);
    reading = next;
    csv = nextCsv;
  }

  // the body of SDMX-ML, the largest of the three, for the stalled download below
  let size = 0;
  for (const format of ['csv', 'json', 'xml'] as const) {
    const url = `${base}${path}?${new URLSearchParams({ ...exported.query, format })}`;
    const streamed = await download(url);
    t.equal(streamed.status, 200, `${format}: 200`);
    t.equal(streamed.headers.get('transfer-encoding'), 'chunked', `${format}: sent chunked`);
    t.equal(streamed.headers.get('content-length'), null, `${format}: without Content-Length`);
    // the settled reading, written in memory (the rows were read once; a last reading below shows they stayed the same)
    const expected = format === 'csv' ? csv : await inMemoryMessage(reading, format);
    t.ok(normalised(streamed.body) === normalised(expected), `${format}: the streamed body (${streamed.body.length} characters) is the message written from all rows at once`);
    if (format === 'xml') size = Buffer.byteLength(streamed.body);
    if (format === 'csv') t.equal(streamed.body.split('\n').length - 2, rows, 'csv: one line per row');
    if (format === 'xml') t.equal(streamed.body.split('<Obs ').length - 1, rows, 'xml: one Obs per row');
    if (format === 'json') {
      const parsed = JSON.parse(streamed.body) as { data: { dataSets: Array<{ series: Record<string, { observations: object }> }> } };
      const count = parsed.data.dataSets.reduce((n, s) => n + Object.values(s.series).reduce((m, x) => m + Object.keys(x.observations).length, 0), 0);
      t.equal(count, rows, 'json: every row an observation');
    }
  }

  const settledStill = await inMemoryMessage(await readAtOnce(app, exported.flow, exported.query), 'csv');
  t.ok(normalised(settledStill) === normalised(csv), 'the rows did not change while the three formats were compared');

  const url = `${base}${path}?${new URLSearchParams({ ...exported.query, format: 'xml' })}`;
  const before = heapAfterGc();
  const stalled = await stalledDownload(url);
  t.equal(stalled.response.statusCode, 200, 'the stalled download got its answer');
  // give the server time to fill the socket and stop at its backpressure
  await sleep(1500);
  const health = await fetch(`${base}/health`);
  t.equal(health.status, 200, '/health answers while a client stalls on an export');
  const again = await fetch(`${base}/sdmx/2.1/dataflow?format=json`);
  t.equal(again.status, 200, 'another database read answers meanwhile');
  await again.arrayBuffer();
  t.notOk(stalled.response.complete, 'the stalled export is still open');
  const growth = heapAfterGc() - before;
  t.ok(growth < heapBound(size), `heap grew by ${(growth / 1e6).toFixed(2)} MB while stalled, below a quarter of the ${(size / 1e6).toFixed(1)} MB body`);
  if (database.pool) t.ok(database.pool.totalCount - database.pool.idleCount >= 1, 'the stalled export holds a pool client');

  stalled.request.destroy();
  const deadline = Date.now() + 30_000;
  const released = async () => {
    if (database.pool) return database.pool.totalCount - database.pool.idleCount === 0;
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_cursors WHERE name LIKE 'row_stream%'`.execute(database.db);
    return rows[0]?.n === 0;
  };
  while (!(await released()) && Date.now() < deadline) await sleep(100);
  t.ok(await released(), database.pool ? 'the aborted download gave its pool client back' : 'the aborted download closed its cursor');
  if (database.pool) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(database.db);
    t.equal(rows[0]?.n, 0, 'no transaction is left open');
  }
  t.equal((await fetch(`${base}/health`)).status, 200, 'the server serves on');
}

t.test('PostgreSQL: the SDMX-ML history of einwohner streams with backpressure and a cursor', async (t) => {
  const { app, database } = await testGateway(t);
  await exportsStream(t, app, database, {
    flow: 'DF_VAR_EINWOHNER',
    query: { includeHistory: 'true' },
    rows: async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation
        WHERE variable_id = 'einwohner' AND lor_version = '2021'`.execute(database.db);
      return rows[0]?.n ?? 0;
    },
  });
});

t.test('PGlite: an export streams in chunks between which other requests use the embedded database', async (t) => {
  const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 60_000 });
  t.teardown(() => database.close());
  await migrateToLatest(database.db);
  // 60 000 synthetic observations of einwohner: 600 units × 100 years (the bundled load takes minutes on PGlite); PGlite
  // reads current observations a unit per statement, and a unit of the bundled data has about 160 rows
  await sql`INSERT INTO lor_version (version, label, valid_from) VALUES ('2021', 'LOR 2021', '2021-01-01') ON CONFLICT DO NOTHING`.execute(database.db);
  const batch = randomUUID();
  await database.db
    .insertInto('ingest_batch')
    .values({ id: batch, variable_id: 'einwohner', lor_version: '2021', status: 'accepted', errors: '[]', warnings: '[]', finished_at: new Date() } as never)
    .execute();
  await sql`INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, status, batch_id)
    SELECT 'einwohner', '2021', 'planungsraum', '1' || lpad(u::text, 7, '0'), make_date(1999 + y, 12, 31), '', u * 10 + y, 'final', ${batch}::uuid
    FROM generate_series(1, 600) u, generate_series(1, 100) y`.execute(database.db);
  const app = await buildGateway(
    { config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database },
    gatewayConfigFromEnv({ RATE_LIMIT_MAX: '1000000' }, []),
  );
  await app.ready();
  t.teardown(() => app.close());
  await exportsStream(t, app, database, {
    flow: 'DF_VAR_EINWOHNER',
    query: {},
    rows: async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE variable_id = 'einwohner'`.execute(database.db);
      return rows[0]?.n ?? 0;
    },
  });
});
