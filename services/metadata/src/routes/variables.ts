// Variables (Fachdaten): read with filters; create, and change without altering the meaning of an active one.
import { isDeepStrictEqual } from 'node:util';
import {
  type App,
  assertMayRead,
  audit,
  authenticate,
  Conflict,
  mayRead,
  NotFound,
  problemResponses,
  requireScope,
  Unprocessable,
} from '@datenpool/service-kit';
import { z } from 'zod';
import { assertMayChangeThreshold, assertMayWriteFor, variableResource } from '../access.ts';
import { rateProblems } from '../formula-check.ts';
import { catalogGraph } from '../queries/indicators.ts';
import { getAgency, getVariable, insertVariable, listVariables, updateVariable } from '../queries/variables.ts';
import { idParams, type VariableOut, variableCreateBody, variablePatchBody, variableQuery, variableSchema } from '../schemas.ts';

/** the fields that make up what an observation of the variable means (structural persistence) */
const meaningFields = ['labelDe', 'labelEn', 'unit', 'valueKind', 'rateBase', 'aggregation', 'breakdowns', 'finestLevel', 'referenceDate'] as const;

const write = { tags: ['metadata'], security: [{ apiKey: [] }] };

/** a rate's base and aggregation (422 naming the field), checked against the catalog the transaction sees */
async function requireRateRules(db: Parameters<typeof catalogGraph>[0], v: Parameters<typeof rateProblems>[1]): Promise<void> {
  if (v.valueKind !== 'rate' && v.rateBase === null) return;
  const problems = rateProblems(await catalogGraph(db), v);
  if (problems.length > 0) {
    throw new Unprocessable(`The rate of variable ${v.id} is invalid: ${problems.map((p) => `${p.pointer}: ${p.reason}`).join('; ')}`, {
      invalidParams: problems,
    });
  }
}

/** `db` is the transaction where there is one: on the embedded database's single connection, a second one waits forever */
async function requireAgency(db: Parameters<typeof getAgency>[0], agencyId: string): Promise<void> {
  if (!(await getAgency(db, agencyId))) {
    throw new Unprocessable(`Unknown agency ${agencyId}.`, { invalidParams: [{ pointer: '/body/agencyId', name: 'agencyId', reason: `unknown agency ${agencyId}` }] });
  }
}

export async function variableRoutes(app: App): Promise<void> {
  app.get(
    '/v1/variables',
    {
      onRequest: authenticate,
      schema: {
        summary: 'Variables (Fachdaten); restricted ones only for keys that may read them (read:restricted of their agency, or a read grant)',
        tags: ['metadata'],
        querystring: variableQuery,
        response: { 200: z.object({ variables: z.array(variableSchema) }), ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const variables = await listVariables(app.database.db, request.query);
      return { variables: variables.filter((v) => mayRead(request.principal, variableResource(v))) };
    },
  );

  app.get(
    '/v1/variables/:id',
    {
      onRequest: authenticate,
      schema: {
        summary: 'One variable',
        tags: ['metadata'],
        params: idParams,
        response: { 200: variableSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const variable = await getVariable(app.database.db, request.params.id);
      if (!variable) throw new NotFound(`No variable ${request.params.id}.`);
      assertMayRead(request.principal, variableResource(variable), `Variable ${variable.id}`);
      return variable;
    },
  );

  app.post(
    '/v1/variables',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Define a variable, or a new version of one (`supersedes`)',
        body: variableCreateBody,
        response: { 201: variableSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertMayWriteFor(request.principal, body.agencyId);
      await requireAgency(app.database.db, body.agencyId);
      const created = await app.database.db.transaction().execute(async (trx) => {
        if (await getVariable(trx, body.id)) {
          throw new Conflict(`Variable ${body.id} exists already; choose a new id for a new version and name the old one in supersedes.`);
        }
        let version = 1;
        if (body.supersedes) {
          const previous = await getVariable(trx, body.supersedes);
          if (!previous) {
            throw new Unprocessable(`Unknown variable ${body.supersedes}.`, {
              invalidParams: [{ pointer: '/body/supersedes', name: 'supersedes', reason: `unknown variable ${body.supersedes}` }],
            });
          }
          assertMayWriteFor(request.principal, previous.agencyId);
          version = previous.version + 1;
        }
        await requireRateRules(trx, body);
        await insertVariable(trx, body, version);
        await audit(trx, request.principal, 'variable.create', `variable:${body.id}`, body);
        return getVariable(trx, body.id);
      });
      return reply.code(201).header('location', `/v1/variables/${body.id}`).send(created as VariableOut);
    },
  );

  app.patch(
    '/v1/variables/:id',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Change a variable; the meaning of an active variable is fixed (409), create a new version instead',
        description: 'Only an admin key or a metadata:write key of the variable’s agency; the disclosure threshold only with an admin key.',
        params: idParams,
        body: variablePatchBody,
        response: { 200: variableSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const patch = request.body;
      const id = request.params.id;
      const updated = await app.database.db.transaction().execute(async (trx) => {
        const current = await getVariable(trx, id);
        if (!current) throw new NotFound(`No variable ${id}.`);
        assertMayWriteFor(request.principal, current.agencyId);
        if (patch.disclosureThreshold !== undefined && patch.disclosureThreshold !== current.disclosureThreshold) {
          assertMayChangeThreshold(request.principal, 'disclosureThreshold', `Variable ${id}`);
        }
        if (patch.agencyId !== undefined && patch.agencyId !== current.agencyId) {
          assertMayWriteFor(request.principal, patch.agencyId);
          await requireAgency(trx, patch.agencyId);
        }
        if (current.status === 'active') {
          const fields = meaningFields.filter((f) => patch[f] !== undefined && !isDeepStrictEqual(patch[f], current[f]));
          if (fields.length > 0) {
            throw new Conflict(
              `Variable ${id} is active; its meaning cannot change (${fields.join(', ')}). Create a new version: POST /v1/variables with a new id and "supersedes": "${id}".`,
              { fields, newVersion: { method: 'POST', href: '/v1/variables', supersedes: id } },
            );
          }
        }
        await requireRateRules(trx, {
          id,
          valueKind: patch.valueKind ?? current.valueKind,
          rateBase: patch.rateBase !== undefined ? patch.rateBase : current.rateBase,
          aggregation: patch.aggregation ?? current.aggregation,
        });
        if (patch.status !== undefined && patch.status !== current.status) {
          const allowed = current.status === 'draft' || (current.status === 'active' && patch.status === 'retired');
          if (!allowed) throw new Conflict(`Variable ${id} cannot go from ${current.status} to ${patch.status}.`, { fields: ['status'] });
        }
        await updateVariable(trx, id, patch);
        await audit(trx, request.principal, 'variable.update', `variable:${id}`, patch);
        return getVariable(trx, id);
      });
      return updated as VariableOut;
    },
  );
}
