// SQL of referenced sources: an agency's own system that ingestion harvests.
import type { Database, Kysely } from '@datenpool/db';
import type { SourceCreate, SourceOut, SourcePatch } from '../schemas.ts';

type Db = Kysely<Database>;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export async function listSources(db: Db, filter: { id?: string } = {}): Promise<Array<SourceOut & { variableAccess: 'public' | 'restricted' }>> {
  let q = db
    .selectFrom('referenced_source as s')
    .innerJoin('variable as v', 'v.id', 's.variable_id')
    .selectAll('s')
    .select('v.access as variable_access');
  if (filter.id) q = q.where('s.id', '=', filter.id);
  const rows = await q.orderBy('s.id').execute();
  return rows.map((r) => ({
    id: r.id,
    agencyId: r.agency_id,
    variableId: r.variable_id,
    lorVersion: r.lor_version,
    kind: r.kind,
    url: r.url,
    mapping: r.mapping as Record<string, unknown>,
    schedule: r.schedule,
    enabled: r.enabled,
    lastHarvestAt: iso(r.last_harvest_at as Date | null),
    lastStatus: r.last_status,
    auth: r.auth ? { header: r.auth.header, secret: r.auth.secret } : null,
    createdAt: iso(r.created_at) as string,
    variableAccess: r.variable_access,
  }));
}

export async function insertSource(db: Db, s: SourceCreate): Promise<void> {
  await db
    .insertInto('referenced_source')
    .values({
      id: s.id,
      agency_id: s.agencyId,
      variable_id: s.variableId,
      lor_version: s.lorVersion,
      kind: s.kind,
      url: s.url,
      mapping: JSON.stringify(s.mapping),
      schedule: s.schedule,
      enabled: s.enabled,
      auth: s.auth ? JSON.stringify(s.auth) : null,
    })
    .execute();
}

export async function updateSource(db: Db, id: string, patch: SourcePatch): Promise<void> {
  const columns: Record<keyof SourcePatch, string> = {
    agencyId: 'agency_id',
    variableId: 'variable_id',
    lorVersion: 'lor_version',
    kind: 'kind',
    url: 'url',
    mapping: 'mapping',
    schedule: 'schedule',
    enabled: 'enabled',
    auth: 'auth',
  };
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value !== undefined) set[columns[field as keyof SourcePatch]] = field === 'mapping' || (field === 'auth' && value !== null) ? JSON.stringify(value) : value;
  }
  if (Object.keys(set).length > 0) await db.updateTable('referenced_source').set(set).where('id', '=', id).execute();
}

export async function deleteSource(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('referenced_source').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
