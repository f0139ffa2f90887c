// API keys: `Authorization: Bearer <key>` resolved to a principal; keys stored as scrypt hashes.
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Database, Kysely } from '@datenpool/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, Unauthorized } from './problems.ts';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const scopes = ['admin', 'metadata:write', 'ingest:write', 'read:restricted'] as const;
export type Scope = (typeof scopes)[number];

export interface Principal {
  keyId: string;
  agencyId: string | null;
  scopes: Scope[];
  label: string;
  /** restricted data this key may read beyond its scopes: `agency:<id>`, `variable:<id>` (see read-access.ts) */
  readGrants?: string[];
  /** when the key stops working (ISO 8601), or null */
  expiresAt?: string | null;
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
export type VerifiedKeys = Map<string, string>;

/** the verifications an app remembers (createApp decorates `app.verifiedKeys` with one) */
export function createVerifiedKeys(): VerifiedKeys {
  return new Map();
}
const VERIFIED_MAX = 10_000;
/** how often `last_used_at` is written for a key in use */
const LAST_USED_RESOLUTION_MS = 5 * 60_000;

export function keyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/**
 * true where this exact key passed scrypt before (a map look-up, no hash): the gateway's rate limit buckets such keys
 * by key and limits every other key by address before it reaches scrypt
 */
export function isVerifiedKey(verified: VerifiedKeys, key: string): boolean {
  return verified.has(createHash('sha256').update(key).digest('hex'));
}

/** the principal of a key, or null when it is unknown, malformed, revoked or expired */
export async function principalForKey(db: Kysely<Database>, key: string, verified: VerifiedKeys = createVerifiedKeys()): Promise<Principal | null> {
  const resolved = await resolveKey(db, key, verified);
  return resolved && 'principal' in resolved ? resolved.principal : null;
}

/**
 * a key's principal; `{ expiredAt }` for a key that is genuine but past its expiry (said only to the holder of the
 * whole key: the hash is verified first), null when it is unknown, malformed or revoked
 */
export async function resolveKey(
  db: Kysely<Database>,
  key: string,
  verified: VerifiedKeys = createVerifiedKeys(),
): Promise<{ principal: Principal } | { expiredAt: Date } | null> {
  const prefix = keyPrefix(key);
  const fingerprint = createHash('sha256').update(key).digest('hex');
  const row = prefix
    ? await db
        .selectFrom('api_key')
        .select(['id', 'hash', 'agency_id', 'scopes', 'label', 'revoked_at', 'last_used_at', 'expires_at', 'read_grants'])
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
  if (row.expires_at && new Date(row.expires_at).getTime() <= Date.now()) return { expiredAt: new Date(row.expires_at) };
  const lastUsed = row.last_used_at ? new Date(row.last_used_at).getTime() : 0;
  if (Date.now() - lastUsed > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_key').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
  }
  return {
    principal: {
      keyId: row.id,
      agencyId: row.agency_id,
      scopes: row.scopes as Scope[],
      label: row.label,
      readGrants: row.read_grants ?? [],
      expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    },
  };
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
    .onConflict((oc) => oc.column('prefix').doUpdateSet({ ...values, revoked_at: null, expires_at: null, read_grants: [], created_at: new Date() }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** what authenticating needs of the app: its database and the verifications it remembers */
interface AuthenticatingApp {
  database: { db: Kysely<Database> };
  verifiedKeys: VerifiedKeys;
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
export async function authenticate(this: AuthenticatingApp, request: FastifyRequest): Promise<void> {
  const token = bearerToken(request);
  if (token === undefined) {
    request.principal = null;
    return;
  }
  const resolved = token ? await resolveKey(this.database.db, token, this.verifiedKeys) : null;
  if (resolved && 'expiredAt' in resolved) {
    throw new Unauthorized(`The API key expired at ${resolved.expiredAt.toISOString()}; ask an administrator for a new one.`, {
      expiredAt: resolved.expiredAt.toISOString(),
    });
  }
  if (!resolved) throw new Unauthorized('The API key is not valid.');
  request.principal = resolved.principal;
}

export function hasScope(principal: Principal | null, scope: Scope): boolean {
  return !!principal && (principal.scopes.includes('admin') || principal.scopes.includes(scope));
}

/** preHandler factory: a key is required and it must carry the scope (admin carries every scope) */
export function requireScope(scope: Scope) {
  return async function requireScopeHandler(this: AuthenticatingApp, request: FastifyRequest, _reply: FastifyReply): Promise<void> {
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

/** query parameters that carry credentials by name; any value shaped like a Datenpool key counts too */
const URL_KEY_PARAMS = /^(api[_-]?key|apikey|access[_-]?token)$/i;
const URL_SECRET_PARAMS = /^(api[_-]?key|apikey|access[_-]?token|token|key|secret|password|pass|auth|sig|signature)$/i;
const KEY_LIKE = /dp_[A-Za-z0-9]{10}_[A-Za-z0-9_-]{8,}/;

function queryPairs(url: string): Array<{ name: string; value: string }> {
  const at = url.indexOf('?');
  if (at < 0) return [];
  const query = url.slice(at + 1);
  if (!query) return [];
  return query.split('&').map((pair) => {
    const [name = '', ...rest] = pair.split('=');
    const decode = (text: string) => {
      if (!text.includes('%') && !text.includes('+')) return text;
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return text;
      }
    };
    return { name: decode(name), value: decode(rest.join('=')) };
  });
}

/** the query parameter of a URL that carries an API key (by its name or its shape), if any */
export function keyInUrl(url: string): string | undefined {
  return queryPairs(url).find((p) => URL_KEY_PARAMS.test(p.name) || KEY_LIKE.test(p.value))?.name;
}

/** the URL with the values of credential-like query parameters replaced, for logs */
export function redactUrlSecrets(url: string): string {
  const [path = '', ...rest] = url.split('?');
  const query = rest.join('?');
  if (!query) return url;
  const pairs = query.split('&').map((pair) => {
    const [name = '', ...value] = pair.split('=');
    let decodedName = name;
    let decodedValue = value.join('=');
    try {
      decodedName = decodeURIComponent(name);
      decodedValue = decodeURIComponent(decodedValue.replace(/\+/g, ' '));
    } catch {
      // malformed encoding: judged on the raw text
    }
    return URL_SECRET_PARAMS.test(decodedName) || KEY_LIKE.test(decodedValue) ? `${name}=[redacted]` : pair;
  });
  return `${path}?${pairs.join('&')}`;
}

/** onRequest hook: a key in the URL is refused (400 naming the parameter); URLs end up in logs, proxies and histories */
export async function refuseKeysInUrl(request: FastifyRequest): Promise<void> {
  const name = keyInUrl(request.url);
  if (name !== undefined) {
    throw new BadRequest(`API keys are not accepted in the URL (query parameter ${name}); send the header Authorization: Bearer <key>.`, { name, in: 'query' });
  }
}
