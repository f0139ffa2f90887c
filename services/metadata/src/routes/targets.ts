// Target values of indicators (Zielindikatoren): set, list and end per scope (Berlin or a Bezirk) and period, audited.
// Who may set them: the statistics office, i.e. an admin key, or a metadata:write key bound to no agency (which acts
// for the statistics office, see access.ts) or to an agency of kind `statistikamt` (afs). Ending keeps the row as
// history; the indicator engine applies only targets that are not ended (its catalog hash sees the change).
import { type App, assertMayRead, audit, authenticate, BadRequest, Conflict, Forbidden, NotFound, type Principal, problemResponses, requireScope } from '@datenpool/service-kit';
import { z } from 'zod';
import { indicatorResources } from '../access.ts';
import { catalogGraph, getIndicator } from '../queries/indicators.ts';
import { endTarget, getTarget, insertTarget, listTargets, overlappingTarget, type TargetRecord } from '../queries/targets.ts';
import { getAgency } from '../queries/variables.ts';

const scope = z
  .string()
  .regex(/^(0|0[1-9]|1[0-2]|berlin)$/, '`0` (Berlin) or a Bezirk id `01` … `12`')
  .transform((s) => (s === 'berlin' ? '0' : s))
  .describe('`0` for Berlin or a Bezirk id `01` … `12`');
const period = z
  .string()
  .regex(/^\d{4}(-\d{2}-\d{2})?$/, 'a year `YYYY` or a date `YYYY-MM-DD`')
  .refine((s) => s.length === 4 || !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');

export const targetSchema = z.object({
  id: z.number().int(),
  indicatorId: z.string(),
  scope: z.string().describe('`0` for Berlin or a Bezirk id'),
  periodFrom: z.string(),
  periodTo: z.string(),
  targetValue: z.number(),
  note: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  endedAt: z.string().nullable().describe('set when the target was ended; it then no longer applies'),
  endedBy: z.string().nullable(),
  active: z.boolean(),
});

export const targetBody = z
  .object({
    scope,
    periodFrom: period.describe('first day the target applies to (a year means 1 January)'),
    periodTo: period.describe('last day the target applies to (a year means 31 December)'),
    targetValue: z.number().finite().describe('the target value in the unit of the indicator'),
    note: z.string().max(2000).default(''),
  })
  .strict();

const listQuery = z.object({
  scope: scope.optional(),
  ended: z.enum(['true', 'false']).default('false').describe('true: also the ended targets (the history)'),
});
const idParams = z.object({ id: z.string().min(1).max(200) });
const targetParams = z.object({ id: z.string().min(1).max(200), targetId: z.coerce.number().int().positive() });

const present = (t: TargetRecord) => ({ ...t, active: t.endedAt === null });
const actor = (p: Principal | null) => (p ? `key:${p.keyId}` : 'system');

/** targets are the statistics office's: admin, a key of no agency, or a key of an agency of kind statistikamt */
async function assertMaySetTargets(app: App, principal: Principal | null): Promise<void> {
  if (!principal || principal.scopes.includes('admin') || principal.agencyId === null) return;
  const agency = await getAgency(app.database.db, principal.agencyId);
  if (agency?.kind !== 'statistikamt') {
    throw new Forbidden(`Target values are set by the statistics office; this API key belongs to agency ${principal.agencyId}.`);
  }
}

async function requireIndicator(app: App, id: string): Promise<void> {
  if (!(await getIndicator(app.database.db, id))) throw new NotFound(`No indicator ${id}.`);
}

const write = { tags: ['metadata'], security: [{ apiKey: [] }] };

export async function targetRoutes(app: App): Promise<void> {
  const db = () => app.database.db;

  app.get(
    '/v1/indicators/:id/targets',
    {
      onRequest: authenticate,
      schema: {
        summary: 'Target values of an indicator (active ones; `ended=true` with the history)',
        tags: ['metadata'],
        params: idParams,
        querystring: listQuery,
        response: { 200: z.object({ indicator: z.string(), targets: z.array(targetSchema) }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await requireIndicator(app, id);
      assertMayRead(request.principal, indicatorResources(await catalogGraph(db()), id), `Indicator ${id}`);
      const targets = await listTargets(db(), id, { scope: request.query.scope, includeEnded: request.query.ended === 'true' });
      return { indicator: id, targets: targets.map(present) };
    },
  );

  app.post(
    '/v1/indicators/:id/targets',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Set a target value for a scope and period (statistics office); 409 when an active one of the scope overlaps',
        params: idParams,
        body: targetBody,
        response: { 201: targetSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await assertMaySetTargets(app, request.principal);
      const body = request.body;
      const periodFrom = body.periodFrom.length === 4 ? `${body.periodFrom}-01-01` : body.periodFrom;
      const periodTo = body.periodTo.length === 4 ? `${body.periodTo}-12-31` : body.periodTo;
      if (periodTo < periodFrom) throw new BadRequest(`periodTo (${periodTo}) is before periodFrom (${periodFrom}).`, { name: 'periodTo', in: 'body' });
      const created = await db()
        .transaction()
        .execute(async (trx) => {
          if (!(await getIndicator(trx, id))) throw new NotFound(`No indicator ${id}.`);
          const wanted = { indicatorId: id, scope: body.scope, periodFrom, periodTo };
          const clash = await overlappingTarget(trx, wanted);
          if (clash) {
            throw new Conflict(
              `Target ${clash.id} of indicator ${id} for scope ${clash.scope} applies from ${clash.periodFrom} to ${clash.periodTo}; end it first.`,
              { conflictingTarget: clash.id },
            );
          }
          const target = await insertTarget(trx, { ...wanted, targetValue: body.targetValue, note: body.note, createdBy: actor(request.principal) });
          await audit(trx, request.principal, 'indicator_target.create', `indicator:${id}/target:${target.id}`, {
            scope: target.scope,
            periodFrom,
            periodTo,
            targetValue: target.targetValue,
            note: target.note,
          });
          return target;
        });
      return reply.code(201).header('location', `/v1/indicators/${id}/targets?ended=true`).send(present(created));
    },
  );

  app.post(
    '/v1/indicators/:id/targets/:targetId/end',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'End a target value: it stays in the history (`ended=true`) and no longer applies to values',
        params: targetParams,
        response: { 200: targetSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id, targetId } = request.params;
      await assertMaySetTargets(app, request.principal);
      return db()
        .transaction()
        .execute(async (trx) => {
          const existing = await getTarget(trx, id, targetId);
          if (!existing) throw new NotFound(`Indicator ${id} has no target ${targetId}.`);
          const ended = await endTarget(trx, id, targetId, actor(request.principal));
          if (!ended) throw new Conflict(`Target ${targetId} of indicator ${id} was ended at ${existing.endedAt}.`);
          await audit(trx, request.principal, 'indicator_target.end', `indicator:${id}/target:${targetId}`, {
            scope: ended.scope,
            periodFrom: ended.periodFrom,
            periodTo: ended.periodTo,
            targetValue: ended.targetValue,
          });
          return present(ended);
        });
    },
  );
}
