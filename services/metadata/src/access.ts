// Who may read and write what: restricted variables (and indicators built from them) and agency-bound keys.
import { formulaIndicators, formulaVariables, type IndicatorFormula } from '@datenpool/contracts';
import { Forbidden, hasScope, type Principal, Unauthorized } from '@datenpool/service-kit';
import type { CatalogGraph } from './queries/indicators.ts';

export function mayReadRestricted(principal: Principal | null): boolean {
  return hasScope(principal, 'read:restricted');
}

/** 401 for an anonymous caller, 403 for a key without read:restricted */
export function assertMayRead(principal: Principal | null, restricted: boolean, what: string): void {
  if (!restricted || mayReadRestricted(principal)) return;
  if (!principal) throw new Unauthorized(`${what} is restricted: send an API key with the scope read:restricted.`);
  throw new Forbidden(`${what} is restricted: this API key lacks the scope read:restricted.`);
}

/**
 * writes that touch an agency's data: an admin may write everything, a key bound to an agency only
 * that agency's variables and sources; a metadata:write key bound to no agency acts for the statistics office
 */
export function assertMayWriteFor(principal: Principal | null, agencyId: string): void {
  if (!principal || principal.scopes.includes('admin') || principal.agencyId === null) return;
  if (principal.agencyId !== agencyId) {
    throw new Forbidden(`This API key belongs to agency ${principal.agencyId} and may not write data of agency ${agencyId}.`);
  }
}

/** every variable an indicator reads, directly or through the indicators it is built from */
export function inputVariables(graph: CatalogGraph, indicatorId: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(indicatorId)) return out;
  seen.add(indicatorId);
  const formula = graph.indicators.get(indicatorId)?.formula as IndicatorFormula | undefined;
  if (!formula) return out;
  for (const v of formulaVariables(formula)) out.add(v);
  for (const i of formulaIndicators(formula)) for (const v of inputVariables(graph, i, seen)) out.add(v);
  return out;
}

/** an indicator is restricted when any of its input variables is */
export function isIndicatorRestricted(graph: CatalogGraph, indicatorId: string): boolean {
  for (const v of inputVariables(graph, indicatorId)) if (graph.variables.get(v)?.access === 'restricted') return true;
  return false;
}
