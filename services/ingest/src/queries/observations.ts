// Reads of observations: current or as of an instant, delivered or rolled up the LOR hierarchy.
import { idLengthByLevel, type LorLevel } from '@datenpool/contracts';
import { type Database, type DisclosureTime, type Kysely, observationRevisionsAt, sql, withheldJoins, withheldReason } from '@datenpool/db';
import type { RawBuilder } from 'kysely';

export interface ObservationFilter {
  variableId: string;
  lorVersion: string;
  units?: string[];
  level?: LorLevel;
  date?: string;
  from?: string;
  to?: string;
  /** canonical breakdown text; undefined for every breakdown */
  breakdown?: string;
  asOf?: string;
  /** roll sum variables up from the finest level delivered */
  rollUp: boolean;
  /** as a public reader sees them: withheld cells without value, status `suppressed` (false: a reader of restricted data) */
  published: boolean;
  limit: number;
  offset: number;
}

export interface ObservationRow {
  unit_id: string;
  level: string;
  ref_date: string;
  breakdown: string;
  value: number | null;
  status: string;
  derived: boolean;
  /** why the value is withheld (`disclosure`, `secondary`, `pending`); null where it is published */
  suppression: string | null;
}

const levelByLength = sql`CASE length(unit_id) WHEN 1 THEN 'berlin' WHEN 2 THEN 'bezirk' WHEN 4 THEN 'prognoseraum'
  WHEN 6 THEN 'bezirksregion' ELSE 'planungsraum' END`;

export async function readObservations(db: Kysely<Database>, f: ObservationFilter): Promise<ObservationRow[]> {
  const rows = await observationsQuery(f).execute(db);
  if (!f.published) return rows.rows.map((r) => ({ ...r, suppression: null }));
  return rows.rows;
}

/** the page of cells asked for; for a public reader with the disclosure rule applied to the page (packages/db); a CSV streams it */
export function observationsQuery(f: ObservationFilter): RawBuilder<ObservationRow> {
  // the current revisions (observation_current) or those valid at asOf
  const revisions = observationRevisionsAt(f.asOf ?? null);
  const conditions = [
    sql`o.variable_id = ${f.variableId}`,
    sql`o.lor_version = ${f.lorVersion}`,
    revisions.where,
    sql`NOT o.deleted`,
    ...(f.date ? [sql`o.ref_date = ${f.date}::date`] : []),
    ...(f.from ? [sql`o.ref_date >= ${f.from}::date`] : []),
    ...(f.to ? [sql`o.ref_date <= ${f.to}::date`] : []),
    ...(f.breakdown !== undefined ? [sql`o.breakdown = ${f.breakdown}`] : []),
  ];
  const where = sql.join(conditions, sql` AND `);
  const unitFilter = f.units?.length ? sql`AND unit_id = ANY(${f.units}::text[])` : sql``;
  const time: Exclude<DisclosureTime, { kind: 'during' }> = f.asOf ? { kind: 'at', at: f.asOf } : { kind: 'current' };
  // the rule applied to the page only: the roll-up sums the delivered values, then the sums are withheld as cells
  const withheld = withheldJoins(
    { variable: sql`${f.variableId}::text`, version: sql`${f.lorVersion}::text`, date: sql`r.ref_date`, unit: sql`r.unit_id`, breakdown: sql`r.breakdown` },
    time,
  );
  const published = (page: ReturnType<typeof sql>) =>
    f.published
      ? sql<ObservationRow>`SELECT p.unit_id, p.level, p.ref_date, p.breakdown,
          CASE WHEN p.suppression IS NULL THEN p.value END AS value,
          CASE WHEN p.suppression IS NULL THEN p.status ELSE 'suppressed' END AS status, p.derived, p.suppression
        FROM (SELECT r.*, ${withheld.reason} AS suppression FROM (${page}) r ${withheld.joins} OFFSET 0) p
        ORDER BY p.ref_date, p.unit_id, p.breakdown`
      : sql<ObservationRow>`${page}`;

  if (!f.level) {
    return published(sql`SELECT o.unit_id, o.level, o.ref_date, o.breakdown, o.value, o.status, false AS derived
      FROM ${revisions.from} WHERE ${where}
      ${f.units?.length ? sql`AND o.unit_id = ANY(${f.units}::text[])` : sql``}
      ORDER BY o.ref_date, o.unit_id, o.breakdown LIMIT ${f.limit} OFFSET ${f.offset}`);
  }

  const len = idLengthByLevel[f.level];
  if (!f.rollUp) {
    return published(sql`SELECT o.unit_id, o.level, o.ref_date, o.breakdown, o.value, o.status, false AS derived
      FROM ${revisions.from} WHERE ${where} AND o.level = ${f.level}
      ${f.units?.length ? sql`AND o.unit_id = ANY(${f.units}::text[])` : sql``}
      ORDER BY o.ref_date, o.unit_id, o.breakdown LIMIT ${f.limit} OFFSET ${f.offset}`);
  }
  // ids are hierarchical (the parent's id is a prefix; Berlin is '0'), so the roll-up groups by prefix
  return published(sql`
    WITH cur AS (SELECT o.unit_id, o.ref_date, o.breakdown, o.value, o.status FROM ${revisions.from} WHERE ${where}),
    depth AS (SELECT ref_date, breakdown, max(length(unit_id)) AS len FROM cur GROUP BY ref_date, breakdown),
    combined AS (
      SELECT CASE WHEN ${len}::int = 1 THEN '0' ELSE left(c.unit_id, ${len}::int) END AS unit_id, c.ref_date, c.breakdown,
        sum(c.value) AS value,
        CASE WHEN bool_or(c.status <> 'final') THEN 'provisional' ELSE 'final' END AS status, true AS derived
      FROM cur c JOIN depth d ON d.ref_date = c.ref_date AND d.breakdown = c.breakdown
      WHERE length(c.unit_id) = d.len AND d.len > ${len}::int
      GROUP BY 1, c.ref_date, c.breakdown
      UNION ALL
      SELECT c.unit_id, c.ref_date, c.breakdown, c.value, c.status, false AS derived
      FROM cur c JOIN depth d ON d.ref_date = c.ref_date AND d.breakdown = c.breakdown
      WHERE length(c.unit_id) = ${len}::int AND d.len = ${len}::int
    )
    SELECT unit_id, ${levelByLength} AS level, ref_date, breakdown, value, status, derived FROM combined
    WHERE true ${unitFilter}
    ORDER BY ref_date, unit_id, breakdown LIMIT ${f.limit} OFFSET ${f.offset}`);
}

export interface RevisionRow {
  value: number | null;
  deleted: boolean;
  status: string;
  /** why the revision's value is withheld (at any instant of its validity); null where it is published */
  suppression: string | null;
  batch_id: string;
  valid_from: Date;
  valid_to: Date | null;
}

/** every revision of one key, oldest first; for a public reader a revision withheld at any instant of its validity has no value */
export async function readHistory(
  db: Kysely<Database>,
  key: { variableId: string; lorVersion: string; unit: string; date: string; breakdown: string },
  published: boolean,
): Promise<RevisionRow[]> {
  const reason = published
    ? withheldReason(
        { variable: sql`o.variable_id`, version: sql`o.lor_version`, date: sql`o.ref_date`, unit: sql`o.unit_id`, breakdown: sql`o.breakdown` },
        { kind: 'during', from: sql`o.valid_from`, to: sql`o.valid_to` },
      )
    : sql`NULL::text`;
  const result = await sql<RevisionRow>`SELECT CASE WHEN r.suppression IS NULL THEN r.value END AS value, r.deleted,
      CASE WHEN r.suppression IS NULL THEN r.status ELSE 'suppressed' END AS status, r.suppression, r.batch_id, r.valid_from, r.valid_to
    FROM (SELECT o.id, o.value, o.deleted, o.status, o.batch_id, o.valid_from, o.valid_to,
        CASE WHEN o.deleted THEN NULL ELSE ${reason} END AS suppression
      FROM observation o
      WHERE o.variable_id = ${key.variableId} AND o.lor_version = ${key.lorVersion} AND o.unit_id = ${key.unit}
        AND o.ref_date = ${key.date}::date AND o.breakdown = ${key.breakdown}) r
    ORDER BY r.valid_from, r.id`.execute(db);
  return result.rows;
}

export async function hasObservations(db: Kysely<Database>): Promise<boolean> {
  return !!(await db.selectFrom('observation').select('id').limit(1).executeTakeFirst());
}

/** fresh planner statistics of the observation table (after a bulk load) */
export async function analyzeObservations(db: Kysely<Database>): Promise<void> {
  await sql`ANALYZE observation`.execute(db);
}
