// Agencies: the Senatsverwaltungen, Bezirksämter and other bodies that deliver data.
import { audit, authenticate, Conflict, NotFound, problemResponses, requireScope, type App } from '@datenpool/service-kit';
import { z } from 'zod';
import { assertActsForStatisticsOffice } from '../access.ts';
import { getAgency, insertAgency, listAgencies } from '../queries/variables.ts';
import { agencyBody, agencySchema, idParams } from '../schemas.ts';

export async function agencyRoutes(app: App): Promise<void> {
  app.get(
    '/v1/agencies',
    {
      onRequest: authenticate,
      schema: {
        summary: 'Agencies that deliver data to the pool',
        tags: ['metadata'],
        response: { 200: z.object({ agencies: z.array(agencySchema) }), ...problemResponses(401) },
      },
    },
    async () => ({ agencies: await listAgencies(app.database.db) }),
  );

  app.get(
    '/v1/agencies/:id',
    {
      onRequest: authenticate,
      schema: {
        summary: 'One agency',
        tags: ['metadata'],
        params: idParams,
        response: { 200: agencySchema, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const agency = await getAgency(app.database.db, request.params.id);
      if (!agency) throw new NotFound(`No agency ${request.params.id}.`);
      return agency;
    },
  );

  app.post(
    '/v1/agencies',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        summary: 'Register an agency (metadata:write, not bound to an agency)',
        tags: ['metadata'],
        security: [{ apiKey: [] }],
        body: agencyBody,
        response: { 201: agencySchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertActsForStatisticsOffice(request.principal, 'Registering an agency');
      await app.database.db.transaction().execute(async (trx) => {
        if (await getAgency(trx, body.id)) throw new Conflict(`Agency ${body.id} exists already.`);
        await insertAgency(trx, body);
        await audit(trx, request.principal, 'agency.create', `agency:${body.id}`, body);
      });
      return reply.code(201).header('location', `/v1/agencies/${body.id}`).send(body);
    },
  );
}
