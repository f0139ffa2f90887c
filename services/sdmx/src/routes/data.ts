// GET /sdmx/2.1/data/{flow}[/{key}]: observations of a variable or indicator values as SDMX-CSV 2.0, SDMX-JSON 2.0, SDMX-ML 2.1.
import { type DatabaseHandle, readHandle, startedStream, withRowCursor } from '@datenpool/db';
import { computeAsOf, freshnessHeaders, type IndicatorConfig, indicatorFreshness, indicatorSettings } from '@datenpool/indicators';
import { type App, problemResponses, publicBaseUrl, settingsOf } from '@datenpool/service-kit';
import { z } from 'zod';
import {
  collect,
  type DataMessage,
  dataMessage,
  indicatorMapper,
  type ObservationMapper,
  type Observations,
  observationMapper,
  observationsFrom,
  observationsInMemory,
  regrouped,
  streamable,
} from '../dataset.ts';
import { dataCsv } from '../format/data-csv.ts';
import { dataJson } from '../format/data-json.ts';
import { dataXml } from '../format/data-xml.ts';
import { type DataFormat, dataContentType, dataFormat } from '../format/negotiate.ts';
import { type Catalog, loadCatalog } from '../model.ts';
import { indicatorValues, indicatorValuesQuery, observationRevisionsQuery, observationUnitsQuery, type RowOrder } from '../queries/data.ts';
import { type DataRequest, parseDataRequest, resolveFlow } from '../request.ts';
import { type DataPath, dataPathParams, dataQuery } from '../schemas.ts';

/**
 * rows per FETCH: a batch is written (about 100 bytes a row) before the next is read. The driver parses a batch's rows
 * in one run as they arrive (libuv reads a socket up to 32 times per turn), so a batch is also what a slice of the
 * formatting (packages/db SLICE_ROWS) cannot split: 2 000 rows took up to 100 ms of one run on a loaded machine
 */
const BATCH_ROWS = 500;
/**
 * units per statement where PGlite reads a variable in slices (a unit has up to a few hundred rows). Measured on a
 * loaded machine (load 25) over 149 000 synthetic rows, 275 a unit: one unit a statement 21 ms (p50), four units
 * 281 ms (a list of units is planned worse than one); earlier bench: 4 units /health p99 113 ms, 10 units 700 ms
 */
const UNITS_PER_SLICE = 1;

const writers: Record<DataFormat, (message: DataMessage, observations: Observations) => AsyncGenerator<string>> = {
  csv: dataCsv,
  json: dataJson,
  xml: dataXml,
};

/**
 * The message's text chunks, written while a cursor reads its rows. SDMX-CSV writes rows as they come (series
 * order); SDMX-ML and SDMX-JSON read changes grouped by revision, and SDMX-JSON reads twice (its structure lists
 * the codes first). An observation dimension other than TIME_PERIOD groups series across the rows' order: those
 * messages are read into memory and regrouped before they are written.
 */
function messageChunks<R>(
  database: DatabaseHandle,
  message: DataMessage,
  format: DataFormat,
  query: (order: RowOrder) => Parameters<typeof withRowCursor<R, string>>[1],
  map: ObservationMapper<R>,
): AsyncGenerator<string> {
  const write = writers[format];
  if (format !== 'csv' && !streamable(message)) {
    return withRowCursor(database, query('series'), { batchSize: BATCH_ROWS }, async function* (pass) {
      const source = observationsFrom(pass, map);
      const all = regrouped(message, await collect(source));
      yield* write(message, observationsInMemory(all, source.labels));
    });
  }
  const order: RowOrder = format !== 'csv' && message.changes ? 'revision' : 'series';
  return withRowCursor(database, query(order), { batchSize: BATCH_ROWS, scroll: format === 'json' }, (pass) => write(message, observationsFrom(pass, map)));
}

export function variableChunks(database: DatabaseHandle, request: DataRequest, format: DataFormat): AsyncGenerator<string> {
  const selection = {
    variableId: request.flow.variable?.id as string,
    lorVersion: request.flow.lorVersion,
    units: request.units,
    breakdowns: request.breakdowns,
    first: request.first,
    last: request.last,
    mode: request.mode,
  };
  // current revisions in series order: PGlite reads them a few units per statement (the partial index of current rows
  // finds a unit's rows); other reads are one statement there
  const sliced = request.mode.kind === 'current' || request.mode.kind === 'updated';
  const query = (order: RowOrder) =>
    sliced && order === 'series'
      ? {
          keys: observationUnitsQuery(selection),
          query: (units: string[] | null) => observationRevisionsQuery(units ? { ...selection, units } : selection, order),
          keysPerSlice: UNITS_PER_SLICE,
        }
      : observationRevisionsQuery(selection, order);
  return messageChunks(database, dataMessage(request), format, query, observationMapper(request));
}

export async function indicatorChunks(
  database: DatabaseHandle,
  catalog: Catalog,
  request: DataRequest,
  format: DataFormat,
  config: IndicatorConfig,
): Promise<AsyncGenerator<string>> {
  const indicators = request.subjects ?? catalog.indicators.map((i) => i.id);
  const selection = {
    indicators,
    lorVersion: request.flow.lorVersion,
    units: request.units,
    breakdowns: request.breakdowns,
    first: request.first,
    last: request.last,
    computedAfter: request.mode.kind === 'updated' ? request.mode.after : null,
  };
  const message = dataMessage(request);
  const map = indicatorMapper(request, catalog);
  if (request.mode.kind === 'asOf') {
    const at = request.mode.at;
    // the values as of a time live in a temporary table `iv_asof` of the transaction that computes them (the indicators
    // service's own as-of computation): read there, in memory
    const rows = await database.db.transaction().execute(async (trx) => {
      for (const id of indicators) await computeAsOf(trx, id, [request.flow.lorVersion], at, config);
      return indicatorValues(trx, { ...selection, table: 'iv_asof_published' });
    });
    const labels: Observations['labels'] = new Map();
    const observations = rows.map((r) => map(r, labels));
    return writers[format](message, observationsInMemory(streamable(message) ? observations : regrouped(message, observations), labels));
  }
  return messageChunks(database, message, format, (order) => indicatorValuesQuery({ ...selection, table: 'indicator_value_published' }, order), map);
}

const description =
  'SDMX REST 2.1 data query. Flows: DF_INDICATORS_<LOR version> (key INDICATOR.REF_AREA.BREAKDOWN) and DF_VAR_<VARIABLE> ' +
  '(key VARIABLE.REF_AREA.BREAKDOWN, observations as delivered). Codes joined with `+`, empty for all, `all` for everything. ' +
  'Formats by Accept or `format`: SDMX-CSV 2.0 (default; application/vnd.sdmx.data+csv;version=2.0.0, format=csv), ' +
  'SDMX-JSON 2.0 (application/vnd.sdmx.data+json;version=2.0.0, format=json), SDMX-ML 2.1 StructureSpecific ' +
  '(application/vnd.sdmx.structurespecificdata+xml;version=2.1, format=xml). TIME_PERIOD is the year where a flow has one ' +
  'reference date per year (31 December for indicators), the reference date otherwise. OBS_STATUS: A normal, P provisional, ' +
  'E estimated, Q suppressed (then OBS_VALUE is empty and CONF_STATUS says why: C disclosure, D secondary, N base too small). ' +
  'updatedAfter: the revisions written since (ACTION R, deletions ACTION D); includeHistory=true: every revision with ' +
  'VALID_FROM/VALID_TO; asOf: the state at that instant. An empty result is an empty message (200).';

export async function dataRoutes(app: App): Promise<void> {
  // the as-of computation's settings, read at start with the process configuration
  const indicatorConfig = settingsOf(app.config, indicatorSettings);
  for (const [withKey, path] of ['/sdmx/2.1/data/:flow', '/sdmx/2.1/data/:flow/:key'].entries()) {
    app.get(
      path,
      {
        schema: {
          summary: 'SDMX data query (SDMX-CSV 2.0, SDMX-JSON 2.0, SDMX-ML 2.1 StructureSpecific)',
          description,
          tags: ['sdmx'],
          params: dataPathParams[withKey] as (typeof dataPathParams)[1],
          querystring: dataQuery,
          response: { 200: z.any().describe('SDMX data message'), ...problemResponses(400, 404, 406) },
        },
      },
      async (request, reply) => {
        const format = dataFormat(request);
        // reads that may lag go to the standby where one is configured (DATABASE_READ_URL)
        const reader = readHandle(app.database);
        const db = reader.db;
        const catalog = await loadCatalog(db);
        const params = request.params as DataPath;
        const flow = resolveFlow(catalog, params.flow);
        const parsed = { ...(await parseDataRequest(db, catalog, flow, params.key, request.query)), baseUrl: publicBaseUrl(request) };
        // indicator flows say how fresh they are, as every indicator answer does
        if (flow.kind !== 'variables') reply.headers(freshnessHeaders(parsed.mode.kind === 'asOf' ? 'computed-now' : await indicatorFreshness(db)));
        const chunks =
          flow.kind === 'variables'
            ? variableChunks(reader, parsed, format)
            // values as of a time are computed into a temporary table: on the primary, which takes writes
            : await indicatorChunks(parsed.mode.kind === 'asOf' ? app.database : reader, catalog, parsed, format, indicatorConfig);
        // streamed with backpressure: the next batch is read when the socket took the last one (chunked, no Content-Length)
        return reply.type(dataContentType[format]).send((await startedStream(chunks, { stallMs: app.config.exportStallMs })) as never);
      },
    );
  }
}
