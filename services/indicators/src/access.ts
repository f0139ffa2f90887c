// Which indicator a request may read: it must exist, and restricted input variables need the read:restricted scope.
import type { Database, Kysely } from '@datenpool/db';
import { authenticate, Forbidden, hasScope, NotFound } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';
import { type IndicatorDefinition, variablesOf } from './plan.ts';
import { loadDefinitions } from './queries/catalog.ts';
import { restrictedVariables } from './queries/values.ts';

export async function readableIndicator(
  database: { db: Kysely<Database> },
  request: FastifyRequest,
  id: string,
): Promise<{ definition: IndicatorDefinition; definitions: IndicatorDefinition[] }> {
  const { definitions } = await loadDefinitions(database.db);
  const definition = definitions.find((d) => d.id === id);
  if (!definition) throw new NotFound(`No indicator ${id}.`);
  const restricted = await restrictedVariables(database.db, [...variablesOf(definitions, id)]);
  if (restricted.length > 0) {
    await authenticate.call({ database }, request);
    if (!hasScope(request.principal, 'read:restricted')) {
      throw new Forbidden(`Indicator ${id} reads restricted variables (${restricted.join(', ')}); the read:restricted scope is needed.`);
    }
  }
  return { definition, definitions };
}
