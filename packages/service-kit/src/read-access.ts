// Who may read restricted data: the one rule every reader applies (catalog, observations, indicators, sources).
//
// A public resource is for everyone. A restricted one (a variable with access `restricted`, or anything built from
// one) needs a key, and the key needs one of:
// - the scope `admin` (the statistics office sees everything);
// - the scope `read:restricted`: bound to no agency it opens every restricted variable, bound to an agency only that
//   agency's restricted variables;
// - a read grant naming the variable (`variable:<id>`) or its agency (`agency:<id>`).
// Without a key the answer is 401, with a key that lacks all of these 403.
import type { Database, Kysely } from '@datenpool/db';
import type { Principal } from './auth.ts';
import { Forbidden, Unauthorized } from './problems.ts';

/** what the rule needs to know about a variable (an indicator is the set of variables it reads) */
export interface ReadResource {
  /** the variable id */
  id: string;
  agencyId: string;
  access: 'public' | 'restricted';
}

export const readGrantPattern = /^(agency|variable):[a-z0-9][a-z0-9_-]{0,63}$/;

/** may this principal read this variable's data? Pure: no database, no request */
export function mayRead(principal: Principal | null, resource: ReadResource): boolean {
  if (resource.access !== 'restricted') return true;
  if (!principal) return false;
  if (principal.scopes.includes('admin')) return true;
  if (principal.scopes.includes('read:restricted') && (principal.agencyId === null || principal.agencyId === resource.agencyId)) return true;
  const grants = principal.readGrants ?? [];
  return grants.includes(`variable:${resource.id}`) || grants.includes(`agency:${resource.agencyId}`);
}

/** may this principal read something built from all of these variables (an indicator, a profile)? */
export function mayReadAll(principal: Principal | null, resources: Iterable<ReadResource>): boolean {
  for (const r of resources) if (!mayRead(principal, r)) return false;
  return true;
}

/** 401 for an anonymous caller, 403 for a key without a grant for every restricted variable among `resources` */
export function assertMayRead(principal: Principal | null, resources: ReadResource | Iterable<ReadResource>, what: string): void {
  const list = isResource(resources) ? [resources] : [...resources];
  const denied = list.filter((r) => !mayRead(principal, r)).map((r) => r.id);
  if (denied.length === 0) return;
  const which = list.length > 1 ? ` (restricted variables: ${[...new Set(denied)].join(', ')})` : '';
  if (!principal) throw new Unauthorized(`${what} is restricted${which}: send an API key with read:restricted or a read grant for it.`);
  throw new Forbidden(`${what} is restricted${which}: this API key has neither read:restricted for its agency nor a read grant for it.`);
}

function isResource(value: ReadResource | Iterable<ReadResource>): value is ReadResource {
  return typeof (value as ReadResource).access === 'string' && typeof (value as ReadResource).id === 'string';
}

/** the access facts of the given variables (unknown ids are left out), for readers that only hold ids */
export async function variableAccess(db: Kysely<Database>, ids: Iterable<string>): Promise<ReadResource[]> {
  const list = [...new Set(ids)];
  if (list.length === 0) return [];
  const rows = await db.selectFrom('variable').select(['id', 'agency_id', 'access']).where('id', 'in', list).execute();
  return rows.map((r) => ({ id: r.id, agencyId: r.agency_id, access: r.access }));
}
