// Routes of observations: push a batch, read values (JSON or CSV), read one key's revisions.
import type { Readable } from 'node:stream';
import { type LorLevel, levelOfId } from '@datenpool/contracts';
import { startedStream, streamRows } from '@datenpool/db';
import { type App, assertMayRead, mayRead, authenticate, BadRequest, csvChunks, NotFound, problemResponses, requireScope } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';
import type { IngestConfig } from '../config.ts';
import { parseBreakdown, canonicalBreakdown } from '../pipeline/rows.ts';
import { push, pushMediaTypes } from '../pipeline/push.ts';
import { observationsQuery, readHistory, readObservations } from '../queries/observations.ts';
import { findVariable } from '../queries/targets.ts';
import {
  batchReportSchema,
  facilitiesReportSchema,
  historyQuery,
  historySchema,
  observationListSchema,
  observationQuery,
  pushQuery,
  variableParams,
} from '../schemas.ts';

/** rows per FETCH of a CSV export: the driver parses a batch in one run (see services/sdmx routes/data.ts BATCH_ROWS) */
const CSV_BATCH_ROWS = 500;

const TAG = 'ingest';

/** hands Fastify's raw request stream to the handler: uploads are parsed while they arrive */
export async function pushRoutes(app: App, config: IngestConfig): Promise<void> {
  app.addContentTypeParser([...pushMediaTypes], (_request, payload, done) => done(null, payload));
  app.post(
    '/v1/variables/:variableId/observations',
    {
      bodyLimit: config.bodyLimit,
      onRequest: requireScope('ingest:write'),
      schema: {
        tags: [TAG],
        summary: 'Push observations of a variable as one batch',
        description:
          'Bodies: text/csv (comma or semicolon, UTF-8 with or without BOM, header row naming unit, date, value, optional status; ' +
          'every other column is a breakdown dimension), application/vnd.sdmx.data+csv (SDMX-CSV 2.0 with ACTION M/R/D; ' +
          'LOR or REF_AREA, TIME_PERIOD, OBS_VALUE, OBS_STATUS), application/json ({"observations":[{unit,date,value,breakdown,status}]}), ' +
          'application/geo+json (facility points: counts per finest unit with geometry; needs date, optionally capacityVariable and capacityProperty; ' +
          'for kitas, schulen and jugendfreizeiteinrichtungen the body is the whole dataset: the points are kept (OGC collections of the same ids) and counted on every LOR version, a point on no unit is a row error naming its id). ' +
          'Atomic by default: one invalid row rejects the batch with 422 and every row error (the first 1000, and totalErrors). ' +
          'Row numbers count data rows from 1 (the CSV header is row 0; in JSON the n-th observation, in GeoJSON the n-th feature). ' +
          'An Idempotency-Key replays the first answer for the same body and is a 409 for another body.',
        security: [{ apiKey: [] }],
        params: variableParams,
        querystring: pushQuery,
        response: {
          200: batchReportSchema.or(facilitiesReportSchema).describe('dry run: the report of what a push would do'),
          201: batchReportSchema.or(facilitiesReportSchema).describe('the batch landed (accepted or partial)'),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const result = await push({
        db: app.database.db,
        config,
        variableId: request.params.variableId,
        query: request.query,
        principal: request.principal!,
        contentType: request.headers['content-type'],
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        body: request.body as Readable,
      });
      const id = (result.body.id ?? (result.body.batches as { id: string }[] | undefined)?.[0]?.id) as string | undefined;
      if (id) reply.header('location', `/v1/batches/${id}`);
      return reply.code(result.statusCode as 200 | 201).send(result.body as never);
    },
  );
}

/** the variable of a read; restricted variables need a key that may read them (401 without a key, 403 without the grant) */
async function readableVariable(app: App, request: FastifyRequest, id: string) {
  const variable = await findVariable(app.database.db, id);
  if (!variable) throw new NotFound(`Variable ${id} does not exist.`);
  // the key is resolved on every read: whoever may read the variable's restricted data also sees what is withheld
  await authenticate.call(app, request);
  assertMayRead(request.principal, { id: variable.id, agencyId: variable.agency_id, access: variable.access }, `Variable ${id}`);
  return variable;
}

/**
 * counts below the variable's disclosure threshold and their complementary cells are withheld from readers who could
 * not read the variable were it restricted (the one read rule, mayRead)
 */
function readsPublished(request: FastifyRequest, variable: { id: string; agency_id: string }): boolean {
  return !mayRead(request.principal, { id: variable.id, agencyId: variable.agency_id, access: 'restricted' });
}

export async function readRoutes(app: App): Promise<void> {
  app.get(
    '/v1/variables/:variableId/observations',
    {
      schema: {
        tags: [TAG],
        summary: 'Observations of a variable (current, or as of an instant); JSON or CSV',
        description:
          'For sum variables, a level coarser than the finest delivered is rolled up from the finest level delivered for that date and ' +
          'breakdown (derived: true). CSV escapes formula-looking text cells with a leading apostrophe.',
        params: variableParams,
        querystring: observationQuery,
        response: { 200: observationListSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const variable = await readableVariable(app, request, request.params.variableId);
      const units = q.unit?.split(',');
      let level = q.level as LorLevel | undefined;
      if (!level && units?.length) {
        const levels = new Set(units.map((u) => levelOfId(u)));
        if (levels.size !== 1 || levels.has(undefined)) throw new BadRequest('unit ids must all be of one LOR level.', { name: 'unit' });
        level = [...levels][0];
      }
      const breakdown = q.breakdown === undefined ? undefined : q.breakdown === 'total' ? '' : canonicalBreakdown(parseBreakdown(q.breakdown));
      const filter = {
        variableId: variable.id,
        lorVersion: q.lorVersion,
        ...(units ? { units } : {}),
        ...(level ? { level } : {}),
        ...(q.date ? { date: q.date } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(breakdown !== undefined ? { breakdown } : {}),
        ...(q.asOf ? { asOf: q.asOf } : {}),
        rollUp: variable.aggregation === 'sum',
        published: readsPublished(request, variable),
        limit: q.limit,
        offset: q.offset,
      };
      const wantsCsv = q.f === 'csv' || (!q.f && /text\/csv/.test(request.headers.accept ?? ''));
      if (wantsCsv) {
        // a page of up to 100 000 rows, written batch by batch while a cursor reads it (chunked, with backpressure)
        const chunks = csvChunks(
          ['variable', 'lor_version', 'unit', 'level', 'date', 'breakdown', 'value', 'status', 'derived', 'suppression'],
          streamRows(app.database, observationsQuery(filter), { batchSize: CSV_BATCH_ROWS }),
          (r) => [variable.id, q.lorVersion, r.unit_id, r.level, r.ref_date, r.breakdown, r.value, r.status, r.derived, r.suppression],
        );
        const body = await startedStream(chunks, { stallMs: app.config.exportStallMs });
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${variable.id}.csv"`).send(body as never);
      }
      const rows = await readObservations(app.database.db, filter);
      return {
        variable: variable.id,
        lorVersion: q.lorVersion,
        asOf: q.asOf ?? null,
        numberReturned: rows.length,
        observations: rows.map((r) => ({
          unit: r.unit_id,
          level: r.level,
          date: r.ref_date,
          breakdown: parseBreakdown(r.breakdown),
          value: r.value,
          status: r.status,
          derived: r.derived,
          suppression: r.suppression as 'disclosure' | 'secondary' | 'pending' | null,
        })),
      };
    },
  );

  app.get(
    '/v1/variables/:variableId/observations/history',
    {
      schema: {
        tags: [TAG],
        summary: 'Every revision of one observation key (unit, date, breakdown), oldest first',
        params: variableParams,
        querystring: historyQuery,
        response: { 200: historySchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const variable = await readableVariable(app, request, request.params.variableId);
      const breakdown = q.breakdown === 'total' ? '' : canonicalBreakdown(parseBreakdown(q.breakdown));
      const revisions = await readHistory(app.database.db, { variableId: variable.id, lorVersion: q.lorVersion, unit: q.unit, date: q.date, breakdown }, readsPublished(request, variable));
      return {
        variable: variable.id,
        lorVersion: q.lorVersion,
        unit: q.unit,
        date: q.date,
        breakdown: parseBreakdown(breakdown),
        revisions: revisions.map((r) => ({
          value: r.value,
          deleted: r.deleted,
          status: r.status,
          suppression: r.suppression as 'disclosure' | 'secondary' | 'pending' | null,
          batch: r.batch_id,
          validFrom: new Date(r.valid_from).toISOString(),
          validTo: r.valid_to ? new Date(r.valid_to).toISOString() : null,
        })),
      };
    },
  );
}
