// SQL of the observations' disclosure control: pending groups, the cells of a group, the 1:1 links between versions and
// the withheld cells as revisions (tables of migration 0057).
import { type Database, type Kysely, sql } from '@datenpool/db';

export interface PendingGroup {
  variable_id: string;
  ref_date: string;
}

/** closes the open pending rows (of one variable, or all) and returns their groups; the rows stay locked until commit */
export async function takePending(db: Kysely<Database>, variableId: string | null): Promise<PendingGroup[]> {
  const result = await sql<PendingGroup>`UPDATE disclosure_pending SET until = now()
    WHERE until IS NULL AND (${variableId}::text IS NULL OR variable_id = ${variableId}::text)
    RETURNING variable_id, to_char(ref_date, 'YYYY-MM-DD') AS ref_date`.execute(db);
  return result.rows;
}

/** whether any group waits for its evaluation (cheap: the partial index of open rows) */
export async function anyPending(db: Kysely<Database>): Promise<boolean> {
  const result = await sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM disclosure_pending WHERE until IS NULL) AS any`.execute(db);
  return result.rows[0]?.any === true;
}

/** intervals closed in the transaction that opened them were never visible to anyone: dropped */
export async function dropEmptyPending(db: Kysely<Database>): Promise<void> {
  await sql`DELETE FROM disclosure_pending WHERE until IS NOT NULL AND until <= since`.execute(db);
}

export interface DisclosureRules {
  id: string;
  value_kind: string;
  aggregation: string;
  disclosure_threshold: number;
}

export async function disclosureRules(db: Kysely<Database>, ids: string[]): Promise<DisclosureRules[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('variable').select(['id', 'value_kind', 'aggregation', 'disclosure_threshold']).where('id', 'in', ids).execute();
}

export interface GroupCellRow {
  ref_date: string;
  lor_version: string;
  unit_id: string;
  breakdown: string;
  value: number;
  /** an estimate at Planungsraum level: carried from the other LOR version (or delivered as an estimate) */
  estimated: boolean;
}

/** per `version|unit` of a Planungsraum, the `version|unit`s of the other version the crosswalk carries into it */
export async function carrySources(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const result = await sql<{ to_key: string; from_key: string }>`SELECT to_version || '|' || to_id AS to_key, from_version || '|' || from_id AS from_key
    FROM lor_crosswalk WHERE level = 'planungsraum' ORDER BY 1, 2`.execute(db);
  const out = new Map<string, string[]>();
  for (const r of result.rows) out.set(r.to_key, [...(out.get(r.to_key) ?? []), r.from_key]);
  return out;
}

/**
 * the dates among `dates` with a delivered cell below the threshold (or negative): the others have no primary cell, and
 * no derived one either (a sum of values that are 0 or at least the threshold is 0 or at least the threshold), so
 * nothing of them is withheld
 */
export async function datesWithSmallCells(db: Kysely<Database>, variableId: string, dates: string[], threshold: number): Promise<string[]> {
  const result = await sql<{ ref_date: string }>`SELECT DISTINCT to_char(ref_date, 'YYYY-MM-DD') AS ref_date FROM observation_current
    WHERE variable_id = ${variableId} AND ref_date = ANY (${dates}::date[]) AND NOT deleted
      AND value < ${threshold}::double precision AND value <> 0`.execute(db);
  return result.rows.map((r) => r.ref_date);
}

/** the current delivered cells with a value of one variable on the given dates, every version */
export async function groupCells(db: Kysely<Database>, variableId: string, dates: string[]): Promise<GroupCellRow[]> {
  const result = await sql<GroupCellRow>`SELECT to_char(ref_date, 'YYYY-MM-DD') AS ref_date, lor_version, unit_id, breakdown, value,
      status = 'estimated' AND level = 'planungsraum' AS estimated
    FROM observation_current
    WHERE variable_id = ${variableId} AND ref_date = ANY (${dates}::date[]) AND NOT deleted AND value IS NOT NULL`.execute(db);
  return result.rows;
}

export interface WithheldCell {
  ref_date: string;
  lor_version: string;
  unit_id: string;
  breakdown: string;
  reason: 'disclosure' | 'secondary';
}

/**
 * makes `cells` the withheld cells of the variable on `dates`: current rows no longer withheld (or for another reason)
 * are closed, new ones inserted, unchanged ones left as they are; returns the version and date of each row closed or
 * inserted (none: what is withheld did not change)
 */
export async function replaceWithheld(
  db: Kysely<Database>,
  variableId: string,
  dates: string[],
  cells: WithheldCell[],
): Promise<Array<{ version: string; date: string }>> {
  if (dates.length === 0) return [];
  const col = <K extends keyof WithheldCell>(k: K) => cells.map((c) => c[k]);
  const fresh = sql`SELECT * FROM unnest(${col('ref_date')}::date[], ${col('lor_version')}::text[], ${col('unit_id')}::text[],
    ${col('breakdown')}::text[], ${col('reason')}::text[]) AS n(ref_date, lor_version, unit_id, breakdown, reason)`;
  const closed = await sql<{ version: string; date: string }>`UPDATE observation_withheld w SET valid_to = now()
    WHERE w.variable_id = ${variableId} AND w.ref_date = ANY (${dates}::date[]) AND w.valid_to IS NULL
      AND NOT EXISTS (SELECT 1 FROM (${fresh}) n WHERE n.ref_date = w.ref_date AND n.lor_version = w.lor_version
        AND n.unit_id = w.unit_id AND n.breakdown = w.breakdown AND n.reason = w.reason)
    RETURNING w.lor_version AS version, to_char(w.ref_date, 'YYYY-MM-DD') AS date`.execute(db);
  const changed = closed.rows;
  if (cells.length > 0) {
    const opened = await sql<{ version: string; date: string }>`INSERT INTO observation_withheld (variable_id, lor_version, ref_date, unit_id, breakdown, reason)
      SELECT ${variableId}, n.lor_version, n.ref_date, n.unit_id, n.breakdown, n.reason FROM (${fresh}) n
      WHERE NOT EXISTS (SELECT 1 FROM observation_withheld w WHERE w.variable_id = ${variableId} AND w.ref_date = n.ref_date
        AND w.lor_version = n.lor_version AND w.unit_id = n.unit_id AND w.breakdown = n.breakdown AND w.valid_to IS NULL)
      RETURNING lor_version AS version, to_char(ref_date, 'YYYY-MM-DD') AS date`.execute(db);
    changed.push(...opened.rows);
  }
  // an interval opened and closed in this transaction was never visible
  await sql`DELETE FROM observation_withheld WHERE variable_id = ${variableId} AND ref_date = ANY (${dates}::date[])
    AND valid_to IS NOT NULL AND valid_to <= valid_from`.execute(db);
  return changed;
}
