// Reads behind SDMX data queries: observation revisions of a variable, materialised indicator values.
import { type Database, type DisclosureTime, type Kysely, observationRevisionsAt, sql, withheldJoins, withheldReason } from '@datenpool/db';
import type { RawBuilder } from 'kysely';

/** which revisions a read returns (transaction time of the observation table) */
export type RevisionMode =
  | { kind: 'current' }
  | { kind: 'asOf'; at: Date }
  /** revisions written after `after` that are still valid (deletions included) */
  | { kind: 'updated'; after: Date }
  /** every revision, or every one written after `after` */
  | { kind: 'history'; after: Date | null };

export interface ObservationSelection {
  variableId: string;
  lorVersion: string;
  units: string[] | null;
  breakdowns: string[] | null;
  first: string | null;
  last: string | null;
  mode: RevisionMode;
  /** false only for a reader of restricted data: by default values withheld from the public have no value (status suppressed) */
  published?: boolean;
}

export interface ObservationRevision {
  unit_id: string;
  unit_name: string | null;
  ref_date: string;
  breakdown: string;
  value: number | null;
  status: string;
  deleted: boolean;
  /** the revision's validity, read only where a message writes it (changes: history, updatedAfter); null otherwise */
  valid_from: Date | null;
  valid_to: Date | null;
  /** the row's place in series order (read in revision order only) */
  series_rank?: number;
  /** why the value is withheld (`disclosure`, `secondary`, `pending`); null where published */
  suppression: string | null;
}

/** value, status and suppression of a revision as the reader may see it (the reason is `dp.suppression`, see publishedJoin) */
function publishedColumns(s: ObservationSelection) {
  if (s.published === false) return sql`o.value, o.status, NULL::text AS suppression`;
  return sql`CASE WHEN dp.suppression IS NULL THEN o.value END AS value,
    CASE WHEN dp.suppression IS NULL THEN o.status ELSE 'suppressed' END AS status, dp.suppression`;
}

/**
 * the disclosure rule of packages/db, once per row (OFFSET 0 keeps the planner from copying it into each use): as joins
 * for the current or as-of state, per row for revisions (withheld at any instant of their validity)
 */
function publishedJoin(s: ObservationSelection) {
  if (s.published === false) return sql``;
  const cell = { variable: sql`o.variable_id`, version: sql`o.lor_version`, date: sql`o.ref_date`, unit: sql`o.unit_id`, breakdown: sql`o.breakdown` };
  if (s.mode.kind === 'current' || s.mode.kind === 'asOf') {
    const { joins, reason } = withheldJoins(cell, s.mode.kind === 'current' ? { kind: 'current' } : { kind: 'at', at: s.mode.at });
    return sql`${joins} CROSS JOIN LATERAL (SELECT CASE WHEN o.deleted THEN NULL ELSE ${reason} END AS suppression OFFSET 0) dp`;
  }
  const time: DisclosureTime = { kind: 'during', from: sql`o.valid_from`, to: sql`o.valid_to` };
  return sql`CROSS JOIN LATERAL (SELECT CASE WHEN o.deleted THEN NULL ELSE ${withheldReason(cell, time)} END AS suppression OFFSET 0) dp`;
}

/** the revisions a mode reads from: the current one of every key (observation_current, migration 0060) or all */
function revisions(mode: RevisionMode) {
  if (mode.kind === 'history') return sql`observation o`;
  return observationRevisionsAt(mode.kind === 'asOf' ? mode.at : null).from;
}

/** which of those revisions (deletions are revisions too: the current state leaves them out, changes list them) */
function revisionCondition(mode: RevisionMode) {
  switch (mode.kind) {
    case 'current':
      return sql`NOT o.deleted`;
    case 'asOf':
      return sql`${observationRevisionsAt(mode.at).where} AND NOT o.deleted`;
    case 'updated':
      return sql`o.valid_from > ${mode.after}`;
    case 'history':
      return mode.after ? sql`o.valid_from > ${mode.after}` : sql`true`;
  }
}

/** the observations (alias o) a selection reads: variable, version, units, breakdowns, period and revisions */
function selectionCondition(s: ObservationSelection) {
  return sql`o.variable_id = ${s.variableId} AND o.lor_version = ${s.lorVersion}
      AND (${s.units}::text[] IS NULL OR o.unit_id = ANY (${s.units}::text[]))
      AND (${s.breakdowns}::text[] IS NULL OR o.breakdown = ANY (${s.breakdowns}::text[]))
      AND (${s.first}::date IS NULL OR o.ref_date >= ${s.first}::date)
      AND (${s.last}::date IS NULL OR o.ref_date <= ${s.last}::date)
      AND ${revisionCondition(s.mode)}`;
}

/**
 * The order of a message's rows. `series`: by series and period, revisions oldest first (SDMX-CSV writes the rows so).
 * `revision`: grouped by revision time (to the millisecond, as messages write it) and action (deletions first), then
 * as `series` inside a group: the order of SDMX-ML and SDMX-JSON data sets when a message reads changes. Rows read in
 * `revision` order carry `series_rank`, their place in `series` order (SDMX-JSON lists codes in that order).
 */
export type RowOrder = 'series' | 'revision';

/** the observations of one variable as delivered (no roll-up), in the given order */
export function observationRevisionsQuery(s: ObservationSelection, order: RowOrder = 'series'): RawBuilder<ObservationRevision> {
  const seriesOrder = sql`length(o.unit_id), o.unit_id, o.breakdown, o.ref_date, o.valid_from, o.id`;
  const group = order === 'revision' ? sql`date_trunc('milliseconds', o.valid_from), o.deleted DESC, ` : sql``;
  const rank = order === 'revision' ? sql`, row_number() OVER (ORDER BY ${seriesOrder}) AS series_rank` : sql``;
  // the current state or a past one writes no validity: not reading it spares the driver two timestamps to parse a row
  // (pg's parseDate was the largest part of reading a batch)
  const changes = s.mode.kind === 'history' || s.mode.kind === 'updated';
  const validity = changes ? sql`o.valid_from, o.valid_to` : sql`NULL::timestamptz AS valid_from, NULL::timestamptz AS valid_to`;
  return sql<ObservationRevision>`SELECT o.unit_id, u.name AS unit_name, o.ref_date, o.breakdown, ${publishedColumns(s)},
      o.deleted, ${validity}${rank}
    FROM ${revisions(s.mode)}
    ${publishedJoin(s)}
    LEFT JOIN lor_unit u ON u.version = o.lor_version AND u.id = o.unit_id
    WHERE ${selectionCondition(s)}
    ORDER BY ${group}${seriesOrder}`;
}

/**
 * the units of the observations `observationRevisionsQuery` reads, in its series order (the leading key of its slices):
 * one index probe per unit (a loose index scan of the current rows' index by unit), not a GROUP BY over every row,
 * which on PGlite was one statement of 100s of ms on the event loop before an export's first row
 */
export function observationUnitsQuery(s: ObservationSelection): RawBuilder<{ key: string }> {
  const from = revisions(s.mode);
  return sql<{ key: string }>`WITH RECURSIVE units (unit_id) AS (
      (SELECT o.unit_id FROM ${from} WHERE ${selectionCondition(s)} ORDER BY o.unit_id LIMIT 1)
      UNION ALL
      SELECT (SELECT o.unit_id FROM ${from} WHERE ${selectionCondition(s)} AND o.unit_id > units.unit_id ORDER BY o.unit_id LIMIT 1)
      FROM units WHERE units.unit_id IS NOT NULL
    )
    SELECT unit_id AS key FROM units WHERE unit_id IS NOT NULL ORDER BY length(unit_id), unit_id`;
}

/** the observations of one variable as delivered (no roll-up), ordered by series and period, revisions oldest first */
export async function observationRevisions(db: Kysely<Database>, s: ObservationSelection): Promise<ObservationRevision[]> {
  return (await observationRevisionsQuery(s).execute(db)).rows;
}

export interface IndicatorSelection {
  /**
   * which published view of the values: the materialisation's or that of the transaction's as-of table (migration 0060,
   * services/indicators/src/engine/work.ts): suppressed values come without value
   */
  table: 'indicator_value_published' | 'iv_asof_published';
  indicators: string[];
  lorVersion: string;
  units: string[] | null;
  breakdowns: string[] | null;
  first: string | null;
  last: string | null;
  /** only values (re)computed after this instant */
  computedAfter: Date | null;
}

export interface IndicatorValueRow {
  indicator_id: string;
  unit_id: string;
  unit_name: string | null;
  ref_date: string;
  breakdown: string;
  value: number | null;
  status: 'ok' | 'suppressed' | 'provisional' | 'estimated';
  suppression: string | null;
  computed_at: Date;
  /** the row's place in series order (read in revision order only) */
  series_rank?: number;
}

/**
 * indicator values, suppressed ones without value, ordered by indicator, level (coarse to fine), unit, breakdown, date;
 * `revision` order groups them by computation time first (see {@link RowOrder})
 */
export function indicatorValuesQuery(s: IndicatorSelection, order: RowOrder = 'series'): RawBuilder<IndicatorValueRow> {
  const seriesOrder = sql`v.indicator_id, length(v.unit_id), v.unit_id, v.breakdown, v.ref_date`;
  const group = order === 'revision' ? sql`date_trunc('milliseconds', v.computed_at), ` : sql``;
  const rank = order === 'revision' ? sql`, row_number() OVER (ORDER BY ${seriesOrder}) AS series_rank` : sql``;
  return sql<IndicatorValueRow>`SELECT v.indicator_id, v.unit_id, u.name AS unit_name, v.ref_date, v.breakdown,
      v.value, v.status, v.suppression, v.computed_at${rank}
    FROM ${sql.table(s.table)} v
    LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.id = v.unit_id
    WHERE v.lor_version = ${s.lorVersion} AND v.indicator_id = ANY (${s.indicators}::text[])
      AND (${s.units}::text[] IS NULL OR v.unit_id = ANY (${s.units}::text[]))
      AND (${s.breakdowns}::text[] IS NULL OR v.breakdown = ANY (${s.breakdowns}::text[]))
      AND (${s.first}::date IS NULL OR v.ref_date >= ${s.first}::date)
      AND (${s.last}::date IS NULL OR v.ref_date <= ${s.last}::date)
      AND (${s.computedAfter}::timestamptz IS NULL OR v.computed_at > ${s.computedAfter}::timestamptz)
    ORDER BY ${group}${seriesOrder}`;
}

export async function indicatorValues(db: Kysely<Database>, s: IndicatorSelection): Promise<IndicatorValueRow[]> {
  return (await indicatorValuesQuery(s).execute(db)).rows;
}
