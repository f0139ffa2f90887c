// DCAT-AP.de export of the catalog for open-data portals (CKAN with ckanext-dcat harvests it): JSON-LD and Turtle.
import type { Principal } from '@datenpool/service-kit';
import { type App, authenticate, mayRead, problemResponses, publicBaseUrl } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { inputVariables, isIndicatorRestricted, mayReadIndicator, variableResource } from '../access.ts';
import { buildCatalog, catalogTurtle } from '../dcat.ts';
import { catalogGraph, listIndicators } from '../queries/indicators.ts';
import { listReleases, lorCollectionsOf, releaseState } from '../queries/releases.ts';
import { releaseId } from '../releases.ts';
import { listAgencies, listVariables, observedPeriods } from '../queries/variables.ts';

async function catalogDocument(app: App, request: FastifyRequest, principal: Principal | null) {
  const db = app.database.db;
  const [agencies, variables, indicators, graph, periods, lorCollections, state, built] = await Promise.all([
    listAgencies(db),
    listVariables(db, { status: 'active' }),
    listIndicators(db, { status: 'active' }),
    catalogGraph(db),
    observedPeriods(db),
    lorCollectionsOf(db),
    releaseState(db),
    listReleases(db),
  ]);
  const release = releaseId(state);
  const bundle = built.find((r) => r.id === release);
  return buildCatalog({
    base: publicBaseUrl(request),
    agencies,
    variables: variables.filter((v) => mayRead(principal, variableResource(v))),
    allVariableAgencies: variables.map((v) => [v.id, v.agencyId]),
    indicators: indicators
      .filter((i) => mayReadIndicator(principal, graph, i.id))
      .map((i) => ({
        ...i,
        access: isIndicatorRestricted(graph, i.id) ? ('restricted' as const) : ('public' as const),
        inputs: [...inputVariables(graph, i.id)].sort(),
      })),
    periods,
    lorCollections,
    release: { id: release, ...(bundle ? { sha256: bundle.sha256, byteSize: bundle.byteSize } : {}) },
  });
}

const description =
  'Every active variable and indicator as a dcat:Dataset (DCAT-AP.de) with distributions pointing at this API. ' +
  'Restricted ones appear only for keys that may read them (read:restricted of their agency, or a read grant).';

export async function catalogRoutes(app: App): Promise<void> {
  app.get(
    '/v1/catalog.jsonld',
    {
      onRequest: authenticate,
      schema: {
        summary: 'DCAT-AP.de catalog as JSON-LD',
        description,
        tags: ['metadata'],
        response: { 200: z.record(z.string(), z.unknown()).describe('JSON-LD (application/ld+json)'), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const document = await catalogDocument(app, request, request.principal);
      return reply.type('application/ld+json; charset=utf-8').send(document);
    },
  );

  app.get(
    '/v1/catalog.ttl',
    {
      onRequest: authenticate,
      schema: {
        summary: 'DCAT-AP.de catalog as Turtle',
        description,
        tags: ['metadata'],
        response: { 200: z.string().describe('Turtle (text/turtle)'), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const turtle = await catalogTurtle(await catalogDocument(app, request, request.principal));
      return reply.type('text/turtle; charset=utf-8').send(turtle);
    },
  );
}
