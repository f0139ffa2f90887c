// Who may read and write what in the catalog: the read rule of @datenpool/service-kit applied to variables, indicators
// and sources; writes confined to the key's own agency; core indicators and thresholds only for the statistics office.
import { formulaIndicators, formulaVariables, type IndicatorFormula } from '@datenpool/contracts';
import { Forbidden, mayReadAll, type Principal, type ReadResource } from '@datenpool/service-kit';
import type { CatalogGraph } from './queries/indicators.ts';

const isAdmin = (principal: Principal | null): boolean => !!principal?.scopes.includes('admin');

/** the access facts of a variable as the read rule needs them */
export function variableResource(v: { id: string; agencyId: string; access: 'public' | 'restricted' }): ReadResource {
  return { id: v.id, agencyId: v.agencyId, access: v.access };
}

/** the variables an indicator reads, as resources of the read rule */
export function indicatorResources(graph: CatalogGraph, indicatorId: string): ReadResource[] {
  const out: ReadResource[] = [];
  for (const id of inputVariables(graph, indicatorId)) {
    const v = graph.variables.get(id);
    if (v) out.push({ id, agencyId: v.agencyId, access: v.access });
  }
  return out;
}

export function mayReadIndicator(principal: Principal | null, graph: CatalogGraph, indicatorId: string): boolean {
  return mayReadAll(principal, indicatorResources(graph, indicatorId));
}

/**
 * writes of an agency's variables and sources: an admin may write everything, a key bound to an agency only that
 * agency's; a key bound to no agency writes no agency's data (it was once read as "the statistics office": no more)
 */
export function assertMayWriteFor(principal: Principal | null, agencyId: string): void {
  if (!principal || isAdmin(principal)) return;
  if (principal.agencyId === null) {
    throw new Forbidden(`This API key is bound to no agency and may not write data of agency ${agencyId}; only an admin key or a key of ${agencyId} may.`);
  }
  if (principal.agencyId !== agencyId) {
    throw new Forbidden(`This API key belongs to agency ${principal.agencyId} and may not write data of agency ${agencyId}.`);
  }
}

/** what the statistics office does (registering agencies): admin, or a key bound to no agency */
export function assertActsForStatisticsOffice(principal: Principal | null, what: string): void {
  if (!principal || isAdmin(principal) || principal.agencyId === null) return;
  throw new Forbidden(`${what} is for the statistics office: this API key belongs to agency ${principal.agencyId}.`);
}

/** thresholds decide what is withheld: only the statistics office (admin) changes them */
export function assertMayChangeThreshold(principal: Principal | null, field: string, what: string): void {
  if (isAdmin(principal)) return;
  throw new Forbidden(`${what}: ${field} is a disclosure threshold; only an admin key (the statistics office) may change it.`);
}

/**
 * writes of an indicator definition. Core indicators (Kernindikatoren) are the statistics office's: admin only.
 * Others belong to the agency that defined them (`agencyId`; null: the statistics office, i.e. admin or a key of no
 * agency). The minimum base of an indicator that is not a draft is a threshold: admin only.
 */
export function assertMayWriteIndicator(
  principal: Principal | null,
  current: { id: string; core: boolean; agencyId: string | null; status: string; minBase: number } | null,
  change: { core?: boolean; minBase?: number; status?: string },
  id: string,
): void {
  if (!principal || isAdmin(principal)) return;
  if (current?.core || change.core === true) {
    throw new Forbidden(`Indicator ${id} is a core indicator (Kernindikator): only an admin key (the statistics office) may ${current ? 'change' : 'define'} it.`);
  }
  const owner = current ? current.agencyId : principal.agencyId;
  if (current && owner !== principal.agencyId) {
    throw new Forbidden(
      owner === null
        ? `Indicator ${id} belongs to the statistics office; this API key belongs to agency ${principal.agencyId}.`
        : `Indicator ${id} belongs to agency ${owner}; this API key ${principal.agencyId ? `belongs to agency ${principal.agencyId}` : 'is bound to no agency'}.`,
    );
  }
  // a draft is not published yet: its owner may still set its minimum base
  const draftThroughout = (current === null || current.status === 'draft') && (change.status ?? current?.status ?? 'draft') === 'draft';
  const minBaseChanges = change.minBase !== undefined && change.minBase !== (current?.minBase ?? 0);
  if (!draftThroughout && minBaseChanges) assertMayChangeThreshold(principal, 'minBase', `Indicator ${id}`);
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

/** an indicator is restricted when an anonymous reader may not read it: one of its input variables is restricted */
export function isIndicatorRestricted(graph: CatalogGraph, indicatorId: string): boolean {
  return !mayReadIndicator(null, graph, indicatorId);
}
