// API keys: admins create them (the key is shown once, stored as a scrypt hash), list and revoke them.
import { randomUUID } from 'node:crypto';
import { type App, audit, generateKey, hashKey, NotFound, problemResponses, requireScope, Unprocessable } from '@datenpool/service-kit';
import { z } from 'zod';
import { insertKey, listKeys, revokeKey } from '../queries/keys.ts';
import { getAgency, getVariable } from '../queries/variables.ts';
import { keyCreateBody, keyCreatedSchema, keySchema } from '../schemas.ts';

const admin = { tags: ['access'], security: [{ apiKey: [] }] };
const keyParams = z.object({ id: z.string().uuid() });

export async function keyRoutes(app: App): Promise<void> {
  const db = () => app.database.db;

  app.post(
    '/v1/admin/keys',
    {
      onRequest: requireScope('admin'),
      schema: {
        ...admin,
        summary: 'Create an API key (admin); the answer is the only time the key is shown',
        description:
          '`expiresAt` ends the key at an instant (then 401 naming the expiry). `readRestricted` grants reading restricted data of ' +
          'named agencies (`agency:<id>`) or variables (`variable:<id>`); the scope `read:restricted` opens every restricted variable ' +
          'for a key of no agency and its own agency’s for an agency-bound key; admin reads everything.',
        body: keyCreateBody,
        response: { 201: keyCreatedSchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.agencyId !== null && !(await getAgency(db(), body.agencyId))) {
        throw new Unprocessable(`Unknown agency ${body.agencyId}.`, {
          invalidParams: [{ pointer: '/body/agencyId', name: 'agencyId', reason: `unknown agency ${body.agencyId}` }],
        });
      }
      if (body.expiresAt !== null && new Date(body.expiresAt).getTime() <= Date.now()) {
        throw new Unprocessable(`expiresAt ${body.expiresAt} is not in the future.`, {
          invalidParams: [{ pointer: '/body/expiresAt', name: 'expiresAt', reason: 'must lie in the future' }],
        });
      }
      const unknownGrants = [];
      for (const [i, grant] of body.readRestricted.entries()) {
        const [kind, id] = grant.split(':') as ['agency' | 'variable', string];
        const exists = kind === 'agency' ? await getAgency(db(), id) : await getVariable(db(), id);
        if (!exists) unknownGrants.push({ pointer: `/body/readRestricted/${i}`, name: 'readRestricted', reason: `unknown ${kind} ${id}` });
      }
      if (unknownGrants.length > 0) {
        throw new Unprocessable(`Unknown read grants: ${unknownGrants.map((g) => g.reason).join(', ')}.`, { invalidParams: unknownGrants });
      }
      const { key, prefix } = generateKey();
      const id = randomUUID();
      const createdBy = `key:${request.principal?.keyId}`;
      await db()
        .transaction()
        .execute(async (trx) => {
          const grant = { label: body.label, agencyId: body.agencyId, scopes: body.scopes, expiresAt: body.expiresAt, readGrants: body.readRestricted };
          await insertKey(trx, { id, prefix, hash: await hashKey(key), createdBy, ...grant });
          await audit(trx, request.principal, 'key.create', `api_key:${id}`, { prefix, ...grant });
        });
      const [created] = await listKeys(db(), { id });
      reply.header('cache-control', 'no-store');
      return reply.code(201).header('location', `/v1/admin/keys/${id}`).send({ ...(created as z.infer<typeof keySchema>), key });
    },
  );

  app.get(
    '/v1/admin/keys',
    {
      onRequest: requireScope('admin'),
      schema: {
        ...admin,
        summary: 'API keys (admin): who holds which scopes and grants, until when; never the key or its hash',
        response: { 200: z.object({ keys: z.array(keySchema) }), ...problemResponses(401, 403) },
      },
    },
    async () => ({ keys: await listKeys(db()) }),
  );

  app.delete(
    '/v1/admin/keys/:id',
    {
      onRequest: requireScope('admin'),
      schema: {
        ...admin,
        summary: 'Revoke an API key (admin); it stops working with the next request',
        params: keyParams,
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      await db()
        .transaction()
        .execute(async (trx) => {
          if (!(await revokeKey(trx, id))) throw new NotFound(`No API key ${id}.`);
          await audit(trx, request.principal, 'key.revoke', `api_key:${id}`);
        });
      return reply.code(204).send(null);
    },
  );
}
