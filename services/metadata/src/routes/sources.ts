// Referenced sources: an agency registers its own system (CSV, OGC API Features, SDMX-CSV) for harvesting.
import {
  type App,
  assertMayRead,
  audit,
  authenticate,
  Conflict,
  hasScope,
  mayRead,
  NotFound,
  type Principal,
  problemResponses,
  requireScope,
  Unprocessable,
} from '@datenpool/service-kit';
import { z } from 'zod';
import { assertMayWriteFor } from '../access.ts';
import { deleteSource, insertSource, listSources, updateSource } from '../queries/sources.ts';
import { getVariable } from '../queries/variables.ts';
import { idParams, type SourceOut, sourceCreateBody, sourcePatchBody, sourceSchema } from '../schemas.ts';

const write = { tags: ['metadata'], security: [{ apiKey: [] }] };

const secretParams = /^(token|access_token|api_?key|key|secret|password|pass|auth|sig|signature)$/i;

/** a source URL without credentials (userinfo, token-like query parameters) for callers who may not write sources */
function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username || url.password) {
      url.username = 'redacted';
      url.password = '';
    }
    for (const name of [...url.searchParams.keys()]) if (secretParams.test(name)) url.searchParams.set(name, 'redacted');
    return url.toString();
  } catch {
    return text;
  }
}

function publicShape({ variableAccess: _, ...source }: SourceOut & { variableAccess: string }, principal: Principal | null): SourceOut {
  return hasScope(principal, 'metadata:write') ? source : { ...source, url: redactUrl(source.url) };
}

export async function sourceRoutes(app: App): Promise<void> {
  const db = () => app.database.db;

  /** the source's variable must exist and belong to the source's agency */
  async function checkVariable(agencyId: string, variableId: string): Promise<void> {
    const variable = await getVariable(db(), variableId);
    if (!variable) {
      throw new Unprocessable(`Unknown variable ${variableId}.`, {
        invalidParams: [{ pointer: '/body/variableId', name: 'variableId', reason: `unknown variable ${variableId}` }],
      });
    }
    if (variable.agencyId !== agencyId) {
      throw new Unprocessable(`Variable ${variableId} belongs to agency ${variable.agencyId}, not ${agencyId}.`, {
        invalidParams: [
          { pointer: '/body/variableId', name: 'variableId', reason: `belongs to agency ${variable.agencyId}` },
          { pointer: '/body/agencyId', name: 'agencyId', reason: `is not the agency of variable ${variableId}` },
        ],
      });
    }
  }

  app.get(
    '/v1/sources',
    {
      onRequest: authenticate,
      schema: {
        summary: 'Referenced sources: agencies’ own systems the pool harvests (credentials in URLs only for metadata:write)',
        tags: ['metadata'],
        response: { 200: z.object({ sources: z.array(sourceSchema) }), ...problemResponses(401) },
      },
    },
    async (request) => {
      const sources = await listSources(db());
      return {
        sources: sources
          .filter((s) => mayRead(request.principal, { id: s.variableId, agencyId: s.agencyId, access: s.variableAccess }))
          .map((s) => publicShape(s, request.principal)),
      };
    },
  );

  app.get(
    '/v1/sources/:id',
    {
      onRequest: authenticate,
      schema: { summary: 'One referenced source', tags: ['metadata'], params: idParams, response: { 200: sourceSchema, ...problemResponses(400, 401, 403, 404) } },
    },
    async (request) => {
      const [source] = await listSources(db(), { id: request.params.id });
      if (!source) throw new NotFound(`No source ${request.params.id}.`);
      assertMayRead(request.principal, { id: source.variableId, agencyId: source.agencyId, access: source.variableAccess }, `Source ${source.id}`);
      return publicShape(source, request.principal);
    },
  );

  app.post(
    '/v1/sources',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Register a referenced source for a variable of the key’s agency',
        body: sourceCreateBody,
        response: { 201: sourceSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertMayWriteFor(request.principal, body.agencyId);
      await checkVariable(body.agencyId, body.variableId);
      await db()
        .transaction()
        .execute(async (trx) => {
          if ((await listSources(trx, { id: body.id })).length > 0) throw new Conflict(`Source ${body.id} exists already.`);
          await insertSource(trx, body);
          await audit(trx, request.principal, 'source.create', `source:${body.id}`, body);
        });
      const [created] = await listSources(db(), { id: body.id });
      return reply.code(201).header('location', `/v1/sources/${body.id}`).send(publicShape(created as SourceOut & { variableAccess: string }, request.principal));
    },
  );

  app.patch(
    '/v1/sources/:id',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Change a referenced source',
        params: idParams,
        body: sourcePatchBody,
        response: { 200: sourceSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const patch = request.body;
      const [current] = await listSources(db(), { id });
      if (!current) throw new NotFound(`No source ${id}.`);
      assertMayWriteFor(request.principal, current.agencyId);
      const agencyId = patch.agencyId ?? current.agencyId;
      assertMayWriteFor(request.principal, agencyId);
      if (patch.agencyId !== undefined || patch.variableId !== undefined) await checkVariable(agencyId, patch.variableId ?? current.variableId);
      await db()
        .transaction()
        .execute(async (trx) => {
          await updateSource(trx, id, patch);
          await audit(trx, request.principal, 'source.update', `source:${id}`, patch);
        });
      const [updated] = await listSources(db(), { id });
      return publicShape(updated as SourceOut & { variableAccess: string }, request.principal);
    },
  );

  app.delete(
    '/v1/sources/:id',
    {
      onRequest: requireScope('metadata:write'),
      schema: { ...write, summary: 'Remove a referenced source', params: idParams, response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      const id = request.params.id;
      const [current] = await listSources(db(), { id });
      if (!current) throw new NotFound(`No source ${id}.`);
      assertMayWriteFor(request.principal, current.agencyId);
      await db()
        .transaction()
        .execute(async (trx) => {
          await deleteSource(trx, id);
          await audit(trx, request.principal, 'source.delete', `source:${id}`, { agencyId: current.agencyId, variableId: current.variableId });
        });
      return reply.code(204).send(null);
    },
  );
}
