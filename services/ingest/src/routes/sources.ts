// Route of referenced sources: harvest one now, through the same validation as a push.
import { type App, problemResponses, requireScope } from '@datenpool/service-kit';
import type { IngestConfig } from '../config.ts';
import { harvestSource } from '../pipeline/harvest.ts';
import { actorOf } from '../pipeline/push.ts';
import { batchReportSchema, harvestQuery, sourceParams } from '../schemas.ts';

export async function sourceRoutes(app: App, config: IngestConfig): Promise<void> {
  app.post(
    '/v1/sources/:id/harvest',
    {
      onRequest: requireScope('ingest:write'),
      schema: {
        tags: ['ingest'],
        summary: 'Harvest a referenced source now (CSV, SDMX-CSV or OGC API Features with next-link paging) into a batch',
        description:
          "Needs ingest:write of the source's agency, or admin. A harvest that fails (the source does not answer, or its rows are invalid) " +
          'stores nothing; the reason is kept in the batch and in the source\'s lastStatus. Only public addresses are fetched (loopback, ' +
          'private, link-local, multicast and metadata addresses are a 502 unless HARVEST_ALLOW_HOSTS names them), redirects are checked ' +
          'again (at most 5), size and time are limited, and credentials come from the setting the source\'s `auth` names.',
        security: [{ apiKey: [] }],
        params: sourceParams,
        querystring: harvestQuery,
        response: {
          200: batchReportSchema.describe('dry run'),
          201: batchReportSchema,
          ...problemResponses(400, 401, 403, 404, 409, 413, 422, 502),
        },
      },
    },
    async (request, reply) => {
      const result = await harvestSource(app.database.db, config, request.params.id, actorOf(request.principal!), request.query);
      reply.header('location', `/v1/batches/${result.body.id as string}`);
      return reply.code(result.statusCode as 200 | 201).send(result.body as never);
    },
  );
}
