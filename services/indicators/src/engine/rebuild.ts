// Full recompute as rebuild and swap: the plan's values appended to a fresh table without indexes (indicator_value_next),
// then indexed, analysed and swapped in for indicator_value in one short step at the end of the recompute's
// transaction. Readers read the old table until that transaction commits; the swap holds the table's exclusive lock
// only for a drop and a few renames.
import { type Database, type Kysely, sql } from '@datenpool/db';
import { annotatedStage, type StagedIndicator } from './annotate.ts';

/** the table a full recompute builds; it exists only inside the recompute's transaction */
export const NEXT_TABLE = 'indicator_value_next';

/** counters of the rows a rebuild wrote anew or changed, and of the stored rows it found again (temporary sequences) */
const WRITTEN = 'iv_rebuild_written';
const KEPT = 'iv_rebuild_kept';

/** how long one attempt to take the swap's lock may wait before it lets the readers queued behind it through */
const SWAP_LOCK_TIMEOUT_MS = 200;
const SWAP_LOCK_ATTEMPTS = 25;

/** an index of indicator_value: its name, and its definition as `CREATE … INDEX` or as a table constraint */
interface IndexShape {
  name: string;
  /** pg_get_indexdef: CREATE [UNIQUE] INDEX name ON table USING … */
  definition: string;
  /** primary key, unique or exclusion constraints: built with ADD CONSTRAINT so that the constraint exists too */
  constraint: { name: string; definition: string } | null;
}

/** what a rebuilt indicator_value must carry over from the current one, read from the catalog */
export interface ValueTableShape {
  indexes: IndexShape[];
  /** foreign keys of indicator_value to other tables (none today): added again to the fresh table */
  foreignKeys: Array<{ name: string; definition: string }>;
  /** GRANT statements for the fresh table, as the current one's privileges grant (none today) */
  grants: string[];
  /**
   * views over indicator_value (indicator_value_published, migration 0060) with their definitions: dropped with the
   * old table and created again over the fresh one in the swap
   */
  views: Array<{ name: string; definition: string }>;
  /**
   * foreign keys of other tables that reference indicator_value, and views that other objects depend on in turn: a drop
   * would break them, so no swap
   */
  dependents: string[];
}

export async function valueTableShape(db: Kysely<Database>): Promise<ValueTableShape> {
  const indexes = await sql<{ name: string; definition: string; constraint_name: string | null; constraint_definition: string | null }>`
    SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, con.conname AS constraint_name,
      pg_get_constraintdef(con.oid) AS constraint_definition
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
    WHERE i.indrelid = 'indicator_value'::regclass
    ORDER BY i.indisprimary DESC, ic.relname`.execute(db);
  const foreignKeys = await sql<{ name: string; definition: string }>`
    SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
    WHERE conrelid = 'indicator_value'::regclass AND contype = 'f' ORDER BY conname`.execute(db);
  const grants = await sql<{ statement: string }>`
    SELECT format('GRANT %s ON ${sql.raw(NEXT_TABLE)} TO %s%s', a.privilege_type,
        CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
        CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = 'indicator_value'::regclass AND a.grantee <> c.relowner`.execute(db);
  // relations whose rewrite rule reads indicator_value, and whether anything reads them in turn
  const readers = await sql<{ name: string; kind: string; definition: string | null; depended_on: boolean }>`
    SELECT c.oid::regclass::text AS name, c.relkind::text AS kind,
      CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END AS definition,
      EXISTS (SELECT 1 FROM pg_depend d2 JOIN pg_rewrite r2 ON r2.oid = d2.objid
        WHERE d2.classid = 'pg_rewrite'::regclass AND d2.refobjid = c.oid AND r2.ev_class <> c.oid) AS depended_on
    FROM pg_class c
    WHERE c.oid IN (SELECT r.ev_class FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = 'indicator_value'::regclass AND r.ev_class <> 'indicator_value'::regclass)
    ORDER BY 1`.execute(db);
  const foreign = await sql<{ name: string }>`
    SELECT format('%s (%s)', conrelid::regclass, conname) AS name FROM pg_constraint WHERE confrelid = 'indicator_value'::regclass AND contype = 'f'`.execute(db);
  const views = readers.rows.filter((r) => r.kind === 'v' && !r.depended_on && r.definition !== null);
  return {
    indexes: indexes.rows.map((r) => ({
      name: r.name,
      definition: r.definition,
      constraint: r.constraint_name && r.constraint_definition ? { name: r.constraint_name, definition: r.constraint_definition } : null,
    })),
    foreignKeys: foreignKeys.rows,
    grants: grants.rows.map((r) => r.statement),
    views: views.map((r) => ({ name: r.name, definition: (r.definition as string).trim().replace(/;$/, '') })),
    dependents: [...readers.rows.filter((r) => !views.includes(r)).map((r) => r.name), ...foreign.rows.map((r) => r.name)],
  };
}

/** the name an index or constraint carries on the fresh table until the swap (names share the schema's namespace) */
function pendingName(name: string): string {
  return `${name.slice(0, 58)}_next`;
}

/**
 * the fresh table: indicator_value's columns, defaults, check and not-null constraints, collations, storage and
 * statistics targets, without its indexes; and the counters the appends count into
 */
export async function createNextTable(db: Kysely<Database>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(NEXT_TABLE)}`.execute(db);
  await sql`CREATE TABLE ${sql.table(NEXT_TABLE)} (LIKE indicator_value INCLUDING ALL EXCLUDING INDEXES)`.execute(db);
  for (const counter of [WRITTEN, KEPT]) {
    await sql`DROP SEQUENCE IF EXISTS ${sql.table(counter)}`.execute(db);
    await sql`CREATE TEMP SEQUENCE ${sql.table(counter)}`.execute(db);
  }
}

/**
 * appends the staged values of the given indicators with their reference values (the merge's annotation, see
 * annotatedStage) to the fresh table. Each row is compared with the stored one of the same key in the same statement:
 * equal rows keep their computed_at, rows whose value or provenance changed (and new rows) get the transaction's time,
 * as the merge sets it. Changed and found rows are counted by the two counters (a volatile nextval, evaluated in a CASE
 * only for the rows it counts), so the report says what a merge would have written without a second pass.
 */
export async function appendStage(db: Kysely<Database>, staged: StagedIndicator[], changeYears: number): Promise<void> {
  if (staged.length === 0) return;
  // the stage holds every date of each indicator it holds: the earlier years come from the stage only
  const { ctes, ids, stagedVersions, stagedDates } = await annotatedStage(db, null, changeYears);
  const columns = sql`indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator, status, suppression,
    berlin, district, rank, rank_district, percentile, change_1y, change_ny, target, target_distance, class, class_label, dynamics,
    dynamics_class, dynamics_label, combined_label, provenance`;
  const every = (alias: string) => {
    const a = sql.ref(alias);
    return sql`(${a}.value, ${a}.numerator, ${a}.denominator, ${a}.status, ${a}.suppression, ${a}.berlin, ${a}.district, ${a}.rank,
      ${a}.rank_district, ${a}.percentile, ${a}.change_1y, ${a}.change_ny, ${a}.target, ${a}.target_distance, ${a}.class, ${a}.class_label,
      ${a}.dynamics, ${a}.dynamics_class, ${a}.dynamics_label, ${a}.combined_label, ${a}.provenance)`;
  };
  // the columns whose change moves computed_at (the merge's rule): not the reference values
  const own = (alias: string) => {
    const a = sql.ref(alias);
    return sql`(${a}.value, ${a}.numerator, ${a}.denominator, ${a}.status, ${a}.suppression, ${a}.class, ${a}.dynamics, ${a}.provenance)`;
  };
  // the orderings of rank and percentile and the hashes of the stored rows hold a stage of 300 000 rows: in memory
  // (at the recompute's 64MB the ordering went to a temporary file of 100MB)
  const { rows } = await sql<{ work_mem: string }>`SELECT current_setting('work_mem') AS work_mem`.execute(db);
  await sql`SET LOCAL work_mem = '256MB'`.execute(db);
  await sql`WITH ${ctes}
    INSERT INTO ${sql.table(NEXT_TABLE)} (${columns}, computed_at)
    SELECT f.indicator_id, f.lor_version, f.level, f.unit_id, f.ref_date, f.breakdown, f.value, f.numerator, f.denominator, f.status,
      f.suppression, f.berlin, f.district, f.rank, f.rank_district, f.percentile, f.change_1y, f.change_ny, f.target, f.target_distance,
      f.class, f.class_label, f.dynamics, f.dynamics_class, f.dynamics_label, f.combined_label, f.provenance,
      CASE WHEN o.indicator_id IS NULL OR ${own('o')} IS DISTINCT FROM ${own('f')} THEN now() ELSE o.computed_at END
    FROM fin f
    -- the stored rows of the staged indicators, read through the primary key (indicator, version, date), by one hash join
    LEFT JOIN indicator_value o ON o.indicator_id = ANY (${ids}::text[]) AND o.lor_version = ANY (${stagedVersions}::text[])
      AND o.ref_date = ANY (${stagedDates}::date[])
      AND o.indicator_id = f.indicator_id AND o.lor_version = f.lor_version AND o.ref_date = f.ref_date
      AND o.level = f.level AND o.unit_id = f.unit_id AND o.breakdown = f.breakdown
    WHERE CASE WHEN o.indicator_id IS NULL THEN true ELSE nextval(${KEPT}::regclass) > 0 END
      AND CASE WHEN o.indicator_id IS NOT NULL AND ${every('o')} IS NOT DISTINCT FROM ${every('f')} THEN true
        ELSE nextval(${WRITTEN}::regclass) > 0 END`.execute(db);
  await sql`SELECT set_config('work_mem', ${rows[0]?.work_mem ?? '64MB'}, true)`.execute(db);
}

/** rows counted by a counter: nextval has been called that many times */
async function counted(db: Kysely<Database>, counter: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT CASE WHEN is_called THEN last_value ELSE 0 END::int AS n FROM ${sql.table(counter)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/**
 * builds indicator_value's indexes and constraints on `table` under pending names (the rebuild's fresh table, or the
 * bench's floor); the statements are the current table's own (pg_get_indexdef, pg_get_constraintdef)
 */
export async function buildIndexes(db: Kysely<Database>, shape: ValueTableShape, table: string): Promise<void> {
  // one sort per index over a million rows and more: in memory rather than in temporary files
  await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(db);
  for (const index of shape.indexes) {
    if (index.constraint) {
      await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.ref(pendingName(index.constraint.name))} ${sql.raw(index.constraint.definition)}`.execute(db);
      continue;
    }
    const parsed = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$/.exec(index.definition);
    if (!parsed) throw new Error(`indicator_value: index ${index.name} has a definition the rebuild cannot read: ${index.definition}`);
    await sql`CREATE ${sql.raw(parsed[1] ?? '')}INDEX ${sql.ref(pendingName(index.name))} ON ${sql.table(table)} ${sql.raw(parsed[2] ?? '')}`.execute(db);
  }
}

/**
 * indexes, analyses and swaps the fresh table in for indicator_value; `db` is the recompute's transaction. The lock is
 * taken with a short timeout, so that a long reader does not hold up the readers queued behind the swap: after a timeout
 * the attempt is rolled back to a savepoint and repeated, and after SWAP_LOCK_ATTEMPTS the swap waits as long as it takes.
 * Returns the rows written anew or changed and the stored rows not computed again.
 */
export async function swapIn(db: Kysely<Database>, shape: ValueTableShape): Promise<{ written: number; removed: number }> {
  await buildIndexes(db, shape, NEXT_TABLE);
  for (const fk of shape.foreignKeys) {
    await sql`ALTER TABLE ${sql.table(NEXT_TABLE)} ADD CONSTRAINT ${sql.ref(pendingName(fk.name))} ${sql.raw(fk.definition)}`.execute(db);
  }
  for (const grant of shape.grants) await sql.raw(grant).execute(db);
  await sql`ANALYZE ${sql.table(NEXT_TABLE)}`.execute(db);
  const written = await counted(db, WRITTEN);
  const kept = await counted(db, KEPT);
  // the stored rows: counted before the lock, while readers still read them
  const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM indicator_value`.execute(db);
  await lockForSwap(db, shape.views);
  for (const view of shape.views) await sql`DROP VIEW ${sql.table(view.name)}`.execute(db);
  await sql`DROP TABLE indicator_value`.execute(db);
  await sql`ALTER TABLE ${sql.table(NEXT_TABLE)} RENAME TO indicator_value`.execute(db);
  // the views as they were defined, now over the fresh table (their definitions name it by name)
  for (const view of shape.views) await sql`CREATE VIEW ${sql.table(view.name)} AS ${sql.raw(view.definition)}`.execute(db);
  for (const index of shape.indexes) {
    if (index.constraint) {
      await sql`ALTER TABLE indicator_value RENAME CONSTRAINT ${sql.ref(pendingName(index.constraint.name))} TO ${sql.ref(index.constraint.name)}`.execute(db);
      // an index named apart from its constraint (not the case today) keeps its own name
      if (index.name !== index.constraint.name) await sql`ALTER INDEX ${sql.ref(index.constraint.name)} RENAME TO ${sql.ref(index.name)}`.execute(db);
    } else {
      await sql`ALTER INDEX ${sql.ref(pendingName(index.name))} RENAME TO ${sql.ref(index.name)}`.execute(db);
    }
  }
  for (const fk of shape.foreignKeys) {
    await sql`ALTER TABLE indicator_value RENAME CONSTRAINT ${sql.ref(pendingName(fk.name))} TO ${sql.ref(fk.name)}`.execute(db);
  }
  for (const counter of [WRITTEN, KEPT]) await sql`DROP SEQUENCE ${sql.table(counter)}`.execute(db);
  return { written, removed: (stored.rows[0]?.n ?? 0) - kept };
}

/**
 * the views over indicator_value first, then the table: the order a reader of a view takes them in (the view when its
 * query is parsed, the table when it is rewritten), so that a reader and the swap never wait for each other in a cycle
 */
async function lockForSwap(db: Kysely<Database>, views: ValueTableShape['views']): Promise<void> {
  const lock = sql`LOCK TABLE ${sql.join([...views.map((v) => sql.table(v.name)), sql.table('indicator_value')])} IN ACCESS EXCLUSIVE MODE`;
  for (let attempt = 1; attempt <= SWAP_LOCK_ATTEMPTS; attempt++) {
    await sql`SAVEPOINT iv_swap`.execute(db);
    await sql.raw(`SET LOCAL lock_timeout = '${SWAP_LOCK_TIMEOUT_MS}ms'`).execute(db);
    try {
      await lock.execute(db);
      await sql`RELEASE SAVEPOINT iv_swap`.execute(db);
      await sql`SET LOCAL lock_timeout = DEFAULT`.execute(db);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err;
      // lock_not_available: the SET LOCAL is rolled back with the savepoint
      await sql`ROLLBACK TO SAVEPOINT iv_swap`.execute(db);
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
  await lock.execute(db);
}
