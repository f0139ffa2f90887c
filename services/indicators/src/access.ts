// Which indicator a request may read: it must exist, and restricted input variables need a key that may read them
// (the one rule of @datenpool/service-kit: read:restricted of their agency, a read grant, or admin).
import type { Database, Kysely } from '@datenpool/db';
import { assertMayRead, authenticate, mayReadAll, NotFound, variableAccess } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';
import { type IndicatorDefinition, variablesOf } from './plan.ts';
import { loadDefinitions } from './queries/catalog.ts';

export async function readableIndicator(
  database: { db: Kysely<Database> },
  request: FastifyRequest,
  id: string,
): Promise<{ definition: IndicatorDefinition; definitions: IndicatorDefinition[] }> {
  const { definitions } = await loadDefinitions(database.db);
  const definition = definitions.find((d) => d.id === id);
  if (!definition) throw new NotFound(`No indicator ${id}.`);
  const inputs = await variableAccess(database.db, variablesOf(definitions, id));
  // an indicator everyone may read needs no key; else the key decides (401 without one, 403 without the grant)
  if (!mayReadAll(null, inputs)) {
    await authenticate.call({ database, verifiedKeys: request.server.verifiedKeys }, request);
    assertMayRead(request.principal, inputs, `Indicator ${id}`);
  }
  return { definition, definitions };
}
