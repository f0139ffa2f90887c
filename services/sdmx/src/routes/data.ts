// GET /sdmx/2.1/data/{flow}[/{key}]: observations of a variable or indicator values as SDMX-CSV 2.0, SDMX-JSON 2.0, SDMX-ML 2.1.
import type { Database, Kysely } from '@datenpool/db';
import { type App, BadRequest, problemResponses } from '@datenpool/service-kit';
import { z } from 'zod';
import { type DataMessage, indicatorMessage, observationMessage } from '../dataset.ts';
import { dataCsv } from '../format/data-csv.ts';
import { dataJson } from '../format/data-json.ts';
import { dataXml } from '../format/data-xml.ts';
import { dataContentType, dataFormat } from '../format/negotiate.ts';
import { canComputeAsOf, computeIndicatorsAsOf, indicatorFreshnessHeaders } from '../indicator-engine.ts';
import { type Catalog, loadCatalog } from '../model.ts';
import { indicatorValues, observationRevisions } from '../queries/data.ts';
import { type DataRequest, parseDataRequest, resolveFlow } from '../request.ts';
import { type DataPath, dataPathParams, dataQuery } from '../schemas.ts';

async function variableData(db: Kysely<Database>, request: DataRequest): Promise<DataMessage> {
  const rows = await observationRevisions(db, {
    variableId: request.flow.variable?.id as string,
    lorVersion: request.flow.lorVersion,
    units: request.units,
    breakdowns: request.breakdowns,
    first: request.first,
    last: request.last,
    mode: request.mode,
  });
  return observationMessage(request, rows);
}

async function indicatorData(db: Kysely<Database>, catalog: Catalog, request: DataRequest): Promise<DataMessage> {
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
  if (request.mode.kind === 'asOf') {
    if (!canComputeAsOf()) throw new BadRequest('asOf is not available for indicator flows in this deployment; use the DF_VAR_ flows.', { name: 'asOf' });
    const at = request.mode.at;
    const rows = await db.transaction().execute(async (trx) => {
      await computeIndicatorsAsOf(trx, indicators, request.flow.lorVersion, at);
      return indicatorValues(trx, { ...selection, table: 'iv_asof' });
    });
    return indicatorMessage(request, catalog, rows);
  }
  return indicatorMessage(request, catalog, await indicatorValues(db, { ...selection, table: 'indicator_value' }));
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
        const db = app.database.db;
        const catalog = await loadCatalog(db);
        const params = request.params as DataPath;
        const flow = resolveFlow(catalog, params.flow);
        const parsed = await parseDataRequest(db, catalog, flow, params.key, request.query);
        // indicator flows say how fresh they are, as every indicator answer does
        if (flow.kind !== 'variables') reply.headers(await indicatorFreshnessHeaders(db, parsed.mode.kind === 'asOf'));
        const message = flow.kind === 'variables' ? await variableData(db, parsed) : await indicatorData(db, catalog, parsed);
        const body = format === 'csv' ? dataCsv(message) : format === 'json' ? JSON.stringify(dataJson(message)) : dataXml(message);
        return reply.type(dataContentType[format]).send(Buffer.from(body) as never);
      },
    );
  }
}
