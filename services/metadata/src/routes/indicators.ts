// Indicator definitions: read by Zielbereich, core flag and status; create and change with checked formulas; a change
// of what a published value means (formula, minBase, lowestLevel) is a new version, the old one stays in the history.
import { isDeepStrictEqual } from 'node:util';
import { formulaIndicators, type IndicatorFormula } from '@datenpool/contracts';
import { type App, assertMayRead, audit, authenticate, Conflict, NotFound, problemResponses, requireScope } from '@datenpool/service-kit';
import { z } from 'zod';
import { assertMayWriteIndicator, indicatorResources, inputVariables, isIndicatorRestricted, mayReadIndicator } from '../access.ts';
import { checkFormula } from '../formula-check.ts';
import {
  catalogGraph,
  getIndicator,
  type IndicatorRecord,
  insertIndicator,
  listIndicators,
  listIndicatorVersions,
  recordIndicatorVersion,
  updateIndicator,
  versionedFields,
} from '../queries/indicators.ts';
import { listVariables } from '../queries/variables.ts';
import {
  idParams,
  indicatorCreateBody,
  indicatorDetailSchema,
  indicatorPatchBody,
  indicatorQuery,
  indicatorSchema,
  indicatorVersionsSchema,
} from '../schemas.ts';

const write = { tags: ['metadata'], security: [{ apiKey: [] }] };
const actorOf = (principal: { keyId: string } | null) => (principal ? `key:${principal.keyId}` : 'system');

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
        summary: 'Indicator definitions; those built from restricted variables only for keys that may read every input',
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
      const indicators = records
        .filter((r) => mayReadIndicator(request.principal, graph, r.id))
        .map((r) => ({ ...r, access: isIndicatorRestricted(graph, r.id) ? ('restricted' as const) : ('public' as const) }));
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
        response: { 200: indicatorDetailSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const record = await getIndicator(db(), request.params.id);
      if (!record) throw new NotFound(`No indicator ${request.params.id}.`);
      const graph = await catalogGraph(db());
      assertMayRead(request.principal, indicatorResources(graph, record.id), `Indicator ${record.id}`);
      return detail(record, graph);
    },
  );

  app.get(
    '/v1/indicators/:id/versions',
    {
      onRequest: authenticate,
      schema: {
        summary: 'The history of an indicator definition: every version with its formula, thresholds and validity period',
        description:
          'A change of formula, minBase or lowestLevel of an indicator that is not a draft ends the version in force and starts the next ' +
          'one at the same instant. Values computed as of a time (`asOf`) use the version valid then; the first version also ' +
          'explains values computed before it took effect.',
        tags: ['metadata'],
        params: idParams,
        response: { 200: indicatorVersionsSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const record = await getIndicator(db(), request.params.id);
      if (!record) throw new NotFound(`No indicator ${request.params.id}.`);
      const graph = await catalogGraph(db());
      assertMayRead(request.principal, indicatorResources(graph, record.id), `Indicator ${record.id}`);
      const versions = await listIndicatorVersions(db(), record.id);
      return { indicator: record.id, version: record.version, versions };
    },
  );

  app.post(
    '/v1/indicators',
    {
      onRequest: requireScope('metadata:write'),
      schema: {
        ...write,
        summary: 'Define an indicator; the formula must name existing variables and indicators (422 otherwise)',
        description:
          'Core indicators (`core: true`) only with an admin key. The indicator belongs to the agency of the key (null: the statistics ' +
          'office); only that agency or an admin changes it. A minBase other than 0 on an indicator that is not a draft needs admin.',
        body: indicatorCreateBody,
        response: { 201: indicatorDetailSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = request.principal;
      assertMayWriteIndicator(principal, null, body, body.id);
      const owner = principal && !principal.scopes.includes('admin') ? principal.agencyId : null;
      const record = await db()
        .transaction()
        .execute(async (trx) => {
          if (await getIndicator(trx, body.id)) throw new Conflict(`Indicator ${body.id} exists already.`);
          const formula = checkFormula(body.formula, await catalogGraph(trx), body.id);
          await insertIndicator(trx, body, formula, { agencyId: owner, actor: actorOf(principal) });
          await audit(trx, principal, 'indicator.create', `indicator:${body.id}`, { ...body, formula, agencyId: owner });
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
        summary: 'Change an indicator definition; a new formula, minBase or lowestLevel of an indicator that is not a draft is a new version',
        description:
          'Core indicators only with an admin key; other indicators by their agency or an admin; minBase of an indicator that is not ' +
          'a draft only with an admin key. A draft changes in place. See `GET /v1/indicators/{id}/versions` for the history.',
        params: idParams,
        body: indicatorPatchBody,
        response: { 200: indicatorDetailSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const patch = request.body;
      const principal = request.principal;
      const record = await db()
        .transaction()
        .execute(async (trx) => {
          const current = await getIndicator(trx, id);
          if (!current) throw new NotFound(`No indicator ${id}.`);
          assertMayWriteIndicator(principal, current, patch, id);
          const formula = patch.formula === undefined ? undefined : checkFormula(patch.formula, await catalogGraph(trx), id);
          const next = { formula: formula ?? current.formula, minBase: patch.minBase ?? current.minBase, lowestLevel: patch.lowestLevel ?? current.lowestLevel };
          const changed = versionedFields.filter((f) => !isDeepStrictEqual(next[f], current[f]));
          await updateIndicator(trx, id, patch, formula);
          const version = changed.length > 0 ? await recordIndicatorVersion(trx, id, current.status === 'draft', actorOf(principal)) : current.version;
          await audit(trx, principal, 'indicator.update', `indicator:${id}`, {
            ...patch,
            ...(formula ? { formula } : {}),
            ...(version !== current.version ? { version: { from: current.version, to: version, fields: changed } } : {}),
          });
          return getIndicator(trx, id);
        });
      return detail(record as IndicatorRecord, await catalogGraph(db()));
    },
  );
}
