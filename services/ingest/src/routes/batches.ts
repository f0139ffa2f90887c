// Routes of batch records: one batch's status and progress, and the list of a variable's batches.
import { type App, Forbidden, NotFound, problemResponses, requireScope } from '@datenpool/service-kit';
import { reportOf } from '../pipeline/batch.ts';
import { getBatch, listBatches } from '../queries/batches.ts';
import { batchListQuery, batchParams, batchReportSchema } from '../schemas.ts';

const TAG = 'ingest';

export async function batchRoutes(app: App): Promise<void> {
  app.get(
    '/v1/batches/:id',
    {
      onRequest: requireScope('ingest:write'),
      schema: {
        tags: [TAG],
        summary: 'One batch: status, progress while it runs (rows so far), counts and row errors',
        security: [{ apiKey: [] }],
        params: batchParams,
        response: { 200: batchReportSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const batch = await getBatch(app.database.db, request.params.id);
      if (!batch) throw new NotFound(`Batch ${request.params.id} does not exist.`);
      const p = request.principal!;
      if (!p.scopes.includes('admin') && p.agencyId !== batch.agency_id) throw new Forbidden('This batch belongs to another agency.');
      return reportOf(batch);
    },
  );

  app.get(
    '/v1/batches',
    {
      onRequest: requireScope('ingest:write'),
      schema: {
        tags: [TAG],
        summary: "Batches, newest first (an agency key sees its agency's batches; admin sees all)",
        security: [{ apiKey: [] }],
        querystring: batchListQuery,
        response: { 200: batchReportSchema.array(), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const p = request.principal!;
      const rows = await listBatches(app.database.db, {
        ...(request.query.variable ? { variable: request.query.variable } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
        ...(p.scopes.includes('admin') ? {} : { agencyId: p.agencyId }),
        limit: request.query.limit,
        offset: request.query.offset,
      });
      return rows.map(reportOf);
    },
  );
}
