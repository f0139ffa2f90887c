// Named prepared statements for the statements a process runs again and again (asyncpg and pgx, behind tipg and
// pg_featureserv, prepare statements the same way). Kysely sends every statement with parameters unnamed, so
// PostgreSQL parses and analyses it on each execution: for the page of 10 features that was a third of the
// statement's server time (the gateway under load: 0.68 ms of PostgreSQL CPU per request unnamed, 0.42 ms named). A
// parameterised text seen PREPARE_AFTER times gets a name; pg then parses it once per session. Its plan is still made
// per execution with the values at hand (the sessions run with plan_cache_mode=force_custom_plan, create-db.ts).
// Statements without parameters keep the simple protocol (they may hold several statements, such as a migration's).
// Named statements are per session: behind a pooler in transaction mode, DB_PREPARED_STATEMENTS=false turns this off.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** executions of a text before it gets a name: statements run once (bootstrap, loaders) stay unnamed */
const PREPARE_AFTER = 3;
/** named texts per process, so at most this many prepared statements per session (each holds a plan) */
const MAX_NAMED = 256;
/** longer texts (a large CQL2 filter) stay unnamed */
const MAX_TEXT = 16_384;
/** distinct texts counted before the count starts over (texts that vary per request never fill the memory) */
const MAX_COUNTED = 4_096;

const names = new Map<string, string>();
const seen = new Map<string, number>();

/** the statement name of a parameterised text, once it has run often enough; undefined: send it unnamed */
function statementName(text: string): string | undefined {
  const name = names.get(text);
  if (name !== undefined || names.size >= MAX_NAMED || text.length > MAX_TEXT) return name;
  const count = (seen.get(text) ?? 0) + 1;
  if (count < PREPARE_AFTER) {
    if (seen.size >= MAX_COUNTED) seen.clear();
    seen.set(text, count);
    return undefined;
  }
  seen.delete(text);
  const named = `datenpool_${names.size}`;
  names.set(text, named);
  return named;
}

/** the pool as Kysely's PostgresDialect takes it, sending parameterised statements by name once they repeat */
export function preparingPool(pool: pg.Pool): PostgresPool {
  // one wrapper per pg client: Kysely keeps its connection object per client it is given
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const known = wrapped.get(client);
    if (known) return known;
    const query = ((text: unknown, values?: unknown[]) => {
      const name = typeof text === 'string' && values !== undefined && values.length > 0 ? statementName(text) : undefined;
      if (name === undefined) return (client.query as (t: unknown, v?: unknown[]) => unknown)(text, values);
      return client.query({ name, text: text as string, values });
    }) as PostgresPoolClient['query'];
    const result: PostgresPoolClient = { query, release: (destroy?: boolean) => client.release(destroy) };
    wrapped.set(client, result);
    return result;
  };
  return { connect: async () => wrap(await pool.connect()), end: () => pool.end() };
}
