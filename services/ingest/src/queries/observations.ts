// Reads of observations: current or as of an instant, delivered or rolled up the LOR hierarchy.
import { idLengthByLevel, type LorLevel } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';

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
}

const levelByLength = sql`CASE length(unit_id) WHEN 1 THEN 'berlin' WHEN 2 THEN 'bezirk' WHEN 4 THEN 'prognoseraum'
  WHEN 6 THEN 'bezirksregion' ELSE 'planungsraum' END`;

export async function readObservations(db: Kysely<Database>, f: ObservationFilter): Promise<ObservationRow[]> {
  const current = f.asOf
    ? sql`o.valid_from <= ${f.asOf}::timestamptz AND (o.valid_to IS NULL OR o.valid_to > ${f.asOf}::timestamptz)`
    : sql`o.valid_to IS NULL`;
  const conditions = [
    sql`o.variable_id = ${f.variableId}`,
    sql`o.lor_version = ${f.lorVersion}`,
    current,
    sql`NOT o.deleted`,
    ...(f.date ? [sql`o.ref_date = ${f.date}::date`] : []),
    ...(f.from ? [sql`o.ref_date >= ${f.from}::date`] : []),
    ...(f.to ? [sql`o.ref_date <= ${f.to}::date`] : []),
    ...(f.breakdown !== undefined ? [sql`o.breakdown = ${f.breakdown}`] : []),
  ];
  const where = sql.join(conditions, sql` AND `);
  const unitFilter = f.units?.length ? sql`AND unit_id = ANY(${f.units}::text[])` : sql``;

  if (!f.level) {
    const result = await sql<ObservationRow>`SELECT o.unit_id, o.level, o.ref_date, o.breakdown, o.value, o.status, false AS derived
      FROM observation o WHERE ${where}
      ${f.units?.length ? sql`AND o.unit_id = ANY(${f.units}::text[])` : sql``}
      ORDER BY o.ref_date, o.unit_id, o.breakdown LIMIT ${f.limit} OFFSET ${f.offset}`.execute(db);
    return result.rows;
  }

  const len = idLengthByLevel[f.level];
  if (!f.rollUp) {
    const result = await sql<ObservationRow>`SELECT o.unit_id, o.level, o.ref_date, o.breakdown, o.value, o.status, false AS derived
      FROM observation o WHERE ${where} AND o.level = ${f.level}
      ${f.units?.length ? sql`AND o.unit_id = ANY(${f.units}::text[])` : sql``}
      ORDER BY o.ref_date, o.unit_id, o.breakdown LIMIT ${f.limit} OFFSET ${f.offset}`.execute(db);
    return result.rows;
  }
  // ids are hierarchical (the parent's id is a prefix; Berlin is '0'), so the roll-up groups by prefix
  const result = await sql<ObservationRow>`
    WITH cur AS (SELECT o.unit_id, o.ref_date, o.breakdown, o.value, o.status FROM observation o WHERE ${where}),
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
    ORDER BY ref_date, unit_id, breakdown LIMIT ${f.limit} OFFSET ${f.offset}`.execute(db);
  return result.rows;
}

export interface RevisionRow {
  value: number | null;
  deleted: boolean;
  status: string;
  batch_id: string;
  valid_from: Date;
  valid_to: Date | null;
}

export async function readHistory(
  db: Kysely<Database>,
  key: { variableId: string; lorVersion: string; unit: string; date: string; breakdown: string },
): Promise<RevisionRow[]> {
  return db
    .selectFrom('observation')
    .select(['value', 'deleted', 'status', 'batch_id', 'valid_from', 'valid_to'])
    .where('variable_id', '=', key.variableId)
    .where('lor_version', '=', key.lorVersion)
    .where('unit_id', '=', key.unit)
    .where('ref_date', '=', key.date)
    .where('breakdown', '=', key.breakdown)
    .orderBy('valid_from')
    .orderBy('id')
    .execute() as Promise<RevisionRow[]>;
}

export async function hasObservations(db: Kysely<Database>): Promise<boolean> {
  return !!(await db.selectFrom('observation').select('id').limit(1).executeTakeFirst());
}

/** fresh planner statistics of the observation table (after a bulk load) */
export async function analyzeObservations(db: Kysely<Database>): Promise<void> {
  await sql`ANALYZE observation`.execute(db);
}
