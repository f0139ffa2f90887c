// Indicator definitions: read by Zielbereich, core flag and status; create and change with checked formulas.
import { formulaIndicators, type IndicatorFormula } from '@datenpool/contracts';
import { type App, audit, authenticate, Conflict, NotFound, problemResponses, requireScope } from '@datenpool/service-kit';
import { z } from 'zod';
import { assertMayRead, inputVariables, isIndicatorRestricted, mayReadRestricted } from '../access.ts';
import { checkFormula } from '../formula-check.ts';
import { catalogGraph, getIndicator, type IndicatorRecord, insertIndicator, listIndicators, updateIndicator } from '../queries/indicators.ts';
import { listVariables } from '../queries/variables.ts';
import {
  idParams,
  indicatorCreateBody,
  indicatorDetailSchema,
  indicatorPatchBody,
  indicatorQuery,
  indicatorSchema,
} from '../schemas.ts';

const write = { tags: ['metadata'], security: [{ apiKey: [] }] };

export async function indicatorRoutes(app: App): Promise<void> {
  const db = () => app.database.db;

  async function detail(record: IndicatorRecord, graph: Awaited<ReturnType<typeof catalogGraph>>) {
    const variableIds = [...inputVariables(graph, record.id)];
    const indicatorIds = formulaIndicators(record.formula as IndicatorFormula);
    const [variables, indicators] = await Promise.all([listVariables(db(), { ids: variableIds }), listIndicators(db(), { ids: indicatorIds })]);
    return {
      ...record,
      access: isIndicatorRestricted(graph, record.id) ? ('restricted' as const) : ('public' as const),
      variables: variables.map((v) => ({
        id: v.id,
        labelDe: v.labelDe,
        labelEn: v.labelEn,
        unit: v.unit,
        agencyId: v.agencyId,
        access: v.access,
        status: v.status,
        breakdowns: v.breakdowns,
      })),
      indicators: indicators.map((i) => ({ id: i.id, labelDe: i.labelDe, labelEn: i.labelEn })),
    };
  }

  app.get(
    '/v1/indicators',
    {
      onRequest: authenticate,
      schema: {
        summary: 'Indicator definitions; those built from restricted variables only for keys with read:restricted',
        tags: ['metadata'],
        querystring: indicatorQuery,
        response: { 200: z.object({ indicators: z.array(indicatorSchema) }), ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const { zielbereich, core, status } = request.query;
      const [records, graph] = await Promise.all([
        listIndicators(db(), { zielbereich, status, core: core === undefined ? undefined : core === 'true' }),
        catalogGraph(db()),
      ]);
      const mayRead = mayReadRestricted(request.principal);
      const indicators = records
        .map((r) => ({ ...r, access: isIndicatorRestricted(graph, r.id) ? ('restricted' as const) : ('public' as const) }))
        .filter((r) => mayRead || r.access === 'public');
      return { indicators };
    },
  );

  app.get(
    '/v1/indicators/:id',
    {
      onRequest: authenticate,
      schema: {
        summary: 'One indicator definition with the variables and indicators its formula reads',
        tags: ['metadata'],
        params: idParams,
        response: { 200: indicatorDetailSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const record = await getIndicator(db(), request.params.id);
      if (!record) throw new NotFound(`No indicator ${request.params.id}.`);
      const graph = await catalogGraph(db());
      assertMayRead(request.principal, isIndicatorRestricted(graph, record.id), `Indicator ${record.id}`);
      return detail(record, graph);
    },
  );

  app.post(
    '/v1/indicators',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Define an indicator; the formula must name existing variables and indicators (422 otherwise)',
        body: indicatorCreateBody,
        response: { 201: indicatorDetailSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const record = await db()
        .transaction()
        .execute(async (trx) => {
          if (await getIndicator(trx, body.id)) throw new Conflict(`Indicator ${body.id} exists already.`);
          const formula = checkFormula(body.formula, await catalogGraph(trx), body.id);
          await insertIndicator(trx, body, formula);
          await audit(trx, request.principal, 'indicator.create', `indicator:${body.id}`, { ...body, formula });
          return getIndicator(trx, body.id);
        });
      const created = record as IndicatorRecord;
      return reply.code(201).header('location', `/v1/indicators/${created.id}`).send(await detail(created, await catalogGraph(db())));
    },
  );

  app.patch(
    '/v1/indicators/:id',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Change an indicator definition',
        params: idParams,
        body: indicatorPatchBody,
        response: { 200: indicatorDetailSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const patch = request.body;
      const record = await db()
        .transaction()
        .execute(async (trx) => {
          if (!(await getIndicator(trx, id))) throw new NotFound(`No indicator ${id}.`);
          const formula = patch.formula === undefined ? undefined : checkFormula(patch.formula, await catalogGraph(trx), id);
          await updateIndicator(trx, id, patch, formula);
          await audit(trx, request.principal, 'indicator.update', `indicator:${id}`, { ...patch, ...(formula ? { formula } : {}) });
          return getIndicator(trx, id);
        });
      return detail(record as IndicatorRecord, await catalogGraph(db()));
    },
  );
}
