// API keys: `Authorization: Bearer <key>` resolved to a principal; keys stored as scrypt hashes.
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Database, Kysely } from '@datenpool/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden, Unauthorized } from './problems.ts';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const scopes = ['admin', 'metadata:write', 'ingest:write', 'read:restricted'] as const;
export type Scope = (typeof scopes)[number];

export interface Principal {
  keyId: string;
  agencyId: string | null;
  scopes: Scope[];
  label: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set by `authenticate`: the key's principal, or null for an anonymous request */
    principal: Principal | null;
  }
}

const KEY_PATTERN = /^dp_([A-Za-z0-9]{10})_([A-Za-z0-9_-]{32,128})$/;

/** a new key: `dp_<prefix>_<secret>`; the prefix finds the row, the whole key is hashed */
export function generateKey(): { key: string; prefix: string } {
  const prefix = randomBytes(16).toString('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 10).padEnd(10, '0');
  const secret = randomBytes(32).toString('base64url');
  return { key: `dp_${prefix}_${secret}`, prefix };
}

export async function hashKey(key: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(key, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function verifyHash(key: string, stored: string): Promise<boolean> {
  const [scheme, saltText, hashText] = stored.split('$');
  if (scheme !== 'scrypt' || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64');
  const actual = await scrypt(key, Buffer.from(saltText, 'base64'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// computed once, so an unknown prefix costs the same scrypt as a known one
const dummyHash = hashKey('dp_0000000000_dummy-key-that-never-matches-anything');

/**
 * successful verifications: sha256 of the key → the stored hash it matched. Skips scrypt, never the
 * revocation check; keyed on the hash, not the row, so a new secret under the same prefix (ensureKey)
 * invalidates the old one at once.
 */
const verified = new Map<string, string>();
const VERIFIED_MAX = 10_000;
/** how often `last_used_at` is written for a key in use */
const LAST_USED_RESOLUTION_MS = 5 * 60_000;

export function keyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** the principal of a key, or null when it is unknown, malformed or revoked */
export async function principalForKey(db: Kysely<Database>, key: string): Promise<Principal | null> {
  const prefix = keyPrefix(key);
  const fingerprint = createHash('sha256').update(key).digest('hex');
  const row = prefix
    ? await db
        .selectFrom('api_key')
        .select(['id', 'hash', 'agency_id', 'scopes', 'label', 'revoked_at', 'last_used_at'])
        .where('prefix', '=', prefix)
        .executeTakeFirst()
    : undefined;
  if (!row) {
    await verifyHash(key, await dummyHash);
    return null;
  }
  if (verified.get(fingerprint) !== row.hash) {
    if (!(await verifyHash(key, row.hash))) return null;
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.set(fingerprint, row.hash);
  }
  if (row.revoked_at) return null;
  const lastUsed = row.last_used_at ? new Date(row.last_used_at).getTime() : 0;
  if (Date.now() - lastUsed > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_key').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
  }
  return { keyId: row.id, agencyId: row.agency_id, scopes: row.scopes as Scope[], label: row.label };
}

/**
 * stores a key given in clear (the bootstrap admin key from DATENPOOL_ADMIN_KEY); idempotent. The same key
 * again keeps its row (and a revocation stays in force) but gets the granted scopes; a new secret under
 * an existing prefix replaces that row entirely, so the old secret stops working.
 */
export async function ensureKey(
  db: Kysely<Database>,
  key: string,
  grant: { scopes: Scope[]; agencyId?: string | null; label: string },
): Promise<string> {
  const prefix = keyPrefix(key);
  if (!prefix) throw new Error('DATENPOOL_ADMIN_KEY must look like dp_<10 letters or digits>_<32+ characters>');
  const existing = await db.selectFrom('api_key').select(['id', 'hash', 'scopes']).where('prefix', '=', prefix).executeTakeFirst();
  if (existing && (await verifyHash(key, existing.hash))) {
    const missing = grant.scopes.filter((s) => !existing.scopes.includes(s));
    if (missing.length > 0) {
      await db.updateTable('api_key').set({ scopes: [...existing.scopes, ...missing] }).where('id', '=', existing.id).execute();
    }
    return existing.id;
  }
  const values = {
    hash: await hashKey(key),
    label: grant.label,
    agency_id: grant.agencyId ?? null,
    scopes: grant.scopes,
    created_by: 'bootstrap',
  };
  const row = await db
    .insertInto('api_key')
    .values({ id: randomUUID(), prefix, ...values })
    .onConflict((oc) => oc.column('prefix').doUpdateSet({ ...values, revoked_at: null, created_at: new Date() }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? '';
}

/**
 * preHandler: resolves the key of the request when one is sent. A key that is sent but is not
 * valid is a 401 even on public reads, so that a client never silently reads as anonymous.
 */
export async function authenticate(this: { database: { db: Kysely<Database> } }, request: FastifyRequest): Promise<void> {
  const token = bearerToken(request);
  if (token === undefined) {
    request.principal = null;
    return;
  }
  const principal = token ? await principalForKey(this.database.db, token) : null;
  if (!principal) throw new Unauthorized('The API key is not valid.');
  request.principal = principal;
}

export function hasScope(principal: Principal | null, scope: Scope): boolean {
  return !!principal && (principal.scopes.includes('admin') || principal.scopes.includes(scope));
}

/** preHandler factory: a key is required and it must carry the scope (admin carries every scope) */
export function requireScope(scope: Scope) {
  return async function requireScopeHandler(this: { database: { db: Kysely<Database> } }, request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    await authenticate.call(this, request);
    if (!request.principal) throw new Unauthorized();
    if (!hasScope(request.principal, scope)) throw new Forbidden(`This API key lacks the scope ${scope}.`);
  };
}

/** records a write in the audit trail */
export async function audit(
  db: Kysely<Database>,
  principal: Principal | null,
  action: string,
  target: string,
  detail: unknown = null,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: principal ? `key:${principal.keyId}` : 'system',
      action,
      target,
      detail: detail === null || detail === undefined ? null : JSON.stringify(detail),
    })
    .execute();
}
