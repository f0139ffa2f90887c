// SQL of API keys: listing (never the hash), creation with a hash, revocation.
import type { Database, Kysely } from '@datenpool/db';
import type { KeyOut } from '../schemas.ts';

type Db = Kysely<Database>;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export async function listKeys(db: Db, filter: { id?: string } = {}): Promise<KeyOut[]> {
  let q = db
    .selectFrom('api_key')
    .select(['id', 'prefix', 'label', 'agency_id', 'scopes', 'created_at', 'created_by', 'revoked_at', 'last_used_at', 'expires_at', 'read_grants']);
  if (filter.id) q = q.where('id', '=', filter.id);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    prefix: r.prefix,
    label: r.label,
    agencyId: r.agency_id,
    scopes: r.scopes,
    createdAt: iso(r.created_at) as string,
    createdBy: r.created_by,
    revokedAt: iso(r.revoked_at as Date | null),
    lastUsedAt: iso(r.last_used_at as Date | null),
    expiresAt: iso(r.expires_at as Date | null),
    readRestricted: r.read_grants,
  }));
}

export async function insertKey(
  db: Db,
  key: {
    id: string;
    prefix: string;
    hash: string;
    label: string;
    agencyId: string | null;
    scopes: string[];
    createdBy: string;
    expiresAt: string | null;
    readGrants: string[];
  },
): Promise<void> {
  await db
    .insertInto('api_key')
    .values({
      id: key.id,
      prefix: key.prefix,
      hash: key.hash,
      label: key.label,
      agency_id: key.agencyId,
      scopes: key.scopes,
      created_by: key.createdBy,
      expires_at: key.expiresAt,
      read_grants: key.readGrants,
    })
    .execute();
}

/** revokes a key at once (the next request with it is a 401); false when there is no such key */
export async function revokeKey(db: Db, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_key')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return true;
  return (await db.selectFrom('api_key').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}
