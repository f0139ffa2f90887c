// Reading indicator values: by level/date/breakdown/unit, series of a unit with its district and Berlin, unit profiles.
import { lorLevels } from '@datenpool/contracts';
import { type Database, type Kysely, type Selectable, sql } from '@datenpool/db';

/** one indicator value as every reader (JSON, CSV, SDMX, OGC) sees it: dimensions, measure, status, reference values */
export interface IndicatorValue {
  indicator: string;
  version: string;
  level: string;
  unit: string;
  unitName: string | null;
  date: string;
  breakdown: string;
  value: number | null;
  /** withheld (null) where the value is suppressed */
  numerator: number | null;
  denominator: number | null;
  status: 'ok' | 'suppressed' | 'provisional' | 'estimated';
  suppression: string | null;
  berlin: number | null;
  district: number | null;
  /** rank within Berlin's units of the level (1 = highest value) */
  rank: number | null;
  /** rank within the units of the unit's district at its level (below Bezirk) */
  rankDistrict: number | null;
  percentile: number | null;
  change1y: number | null;
  changeNy: number | null;
  target: number | null;
  targetDistance: number | null;
  class: number | null;
  classLabel: string | null;
  dynamics: number | null;
  dynamicsClass: number | null;
  dynamicsLabel: string | null;
  combinedLabel: string | null;
  provenance: { batches: string[]; inputDates?: Record<string, string>; from?: string[] };
  computedAt: string;
}

export interface ValueFilter {
  indicator: string;
  version: string;
  level?: string | undefined;
  /** a YYYY-12-31 reference date; undefined: the latest date of the indicator in the version */
  date?: string | undefined;
  /** canonical breakdown; null: every breakdown */
  breakdown: string | null;
  unit?: string | undefined;
}

/**
 * where readers read values: the materialisation or this transaction's as-of table, always through its published view
 * (migration 0060, engine/work.ts): suppressed values come without value, numerator and denominator
 */
export type ValueSource = 'indicator_value' | 'iv_asof';

const published = (source: ValueSource) => sql.table(source === 'iv_asof' ? 'iv_asof_published' : 'indicator_value_published');

/** a published value as the queries select it: the view's columns and the unit's name */
type Row = Selectable<Database['indicator_value']> & { unit_name: string | null };

function toValue(r: Row): IndicatorValue {
  return {
    indicator: r.indicator_id,
    version: r.lor_version,
    level: r.level,
    unit: r.unit_id,
    unitName: r.unit_name ?? (r.unit_id === '0' ? 'Berlin' : null),
    date: r.ref_date,
    breakdown: r.breakdown,
    value: r.value,
    numerator: r.numerator,
    denominator: r.denominator,
    status: r.status,
    suppression: r.suppression,
    berlin: r.berlin,
    district: r.district,
    rank: r.rank,
    rankDistrict: r.rank_district,
    percentile: r.percentile,
    change1y: r.change_1y,
    changeNy: r.change_ny,
    target: r.target,
    targetDistance: r.target_distance,
    class: r.class,
    classLabel: r.class_label,
    dynamics: r.dynamics,
    dynamicsClass: r.dynamics_class,
    dynamicsLabel: r.dynamics_label,
    combinedLabel: r.combined_label,
    provenance: r.provenance,
    computedAt: new Date(r.computed_at).toISOString(),
  };
}

const columns = sql`v.indicator_id, v.lor_version, v.level, v.unit_id, u.name AS unit_name, v.ref_date, v.breakdown, v.value,
  v.numerator, v.denominator, v.status, v.suppression, v.berlin, v.district, v.rank, v.rank_district, v.percentile, v.change_1y, v.change_ny,
  v.target, v.target_distance, v.class, v.class_label, v.dynamics, v.dynamics_class, v.dynamics_label, v.combined_label, v.provenance, v.computed_at`;

/** the reference dates an indicator has values for in a version, newest first */
export async function indicatorDates(db: Kysely<Database>, table: ValueSource, indicator: string, version: string): Promise<string[]> {
  const result = await sql<{ ref_date: string }>`SELECT DISTINCT ref_date FROM ${published(table)}
    WHERE indicator_id = ${indicator} AND lor_version = ${version} ORDER BY ref_date DESC`.execute(db);
  return result.rows.map((r) => r.ref_date);
}

/** values of one indicator, ordered by level (coarse to fine), unit and breakdown */
export async function queryValues(db: Kysely<Database>, table: ValueSource, filter: ValueFilter): Promise<{ date: string | null; values: IndicatorValue[] }> {
  const date = filter.date ?? (await indicatorDates(db, table, filter.indicator, filter.version))[0] ?? null;
  if (!date) return { date: null, values: [] };
  const result = await sql<Row>`SELECT ${columns}
    FROM ${published(table)} v
    LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id
    WHERE v.indicator_id = ${filter.indicator} AND v.lor_version = ${filter.version} AND v.ref_date = ${date}
      AND (${filter.level ?? null}::text IS NULL OR v.level = ${filter.level ?? null})
      AND (${filter.breakdown}::text IS NULL OR v.breakdown = ${filter.breakdown})
      AND (${filter.unit ?? null}::text IS NULL OR v.unit_id = ${filter.unit ?? null})
    ORDER BY array_position(${[...lorLevels]}::text[], v.level), v.unit_id, v.breakdown`.execute(db);
  return { date, values: result.rows.map(toValue) };
}

/** every date of one unit, with the series of its district and of Berlin beside it */
export async function querySeries(
  db: Kysely<Database>,
  table: ValueSource,
  filter: { indicator: string; version: string; unit: string; breakdown: string },
): Promise<{ unit: IndicatorValue[]; district: IndicatorValue[]; berlin: IndicatorValue[] }> {
  const district = filter.unit === '0' ? null : filter.unit.slice(0, 2);
  const result = await sql<Row>`SELECT ${columns}
    FROM ${published(table)} v
    LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id
    WHERE v.indicator_id = ${filter.indicator} AND v.lor_version = ${filter.version} AND v.breakdown = ${filter.breakdown}
      AND (v.unit_id = ${filter.unit} OR (v.level = 'bezirk' AND v.unit_id = ${district}) OR (v.level = 'berlin' AND v.unit_id = '0'))
    ORDER BY v.ref_date`.execute(db);
  const values = result.rows.map(toValue);
  return {
    unit: values.filter((v) => v.unit === filter.unit),
    district: values.filter((v) => v.level === 'bezirk' && v.unit === district),
    berlin: values.filter((v) => v.level === 'berlin'),
  };
}

/** the LOR unit of an id in a version (its level follows from the id), or undefined */
export async function findUnit(db: Kysely<Database>, version: string, id: string): Promise<{ id: string; level: string; name: string } | undefined> {
  return db
    .selectFrom('lor_unit')
    .select(['id', 'level', 'name'])
    .where('version', '=', version)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** all totals of one unit over every indicator and date (the profile's values and series) */
export async function unitValues(db: Kysely<Database>, version: string, unit: string): Promise<IndicatorValue[]> {
  const result = await sql<Row>`SELECT ${columns}
    FROM indicator_value_published v
    LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id
    WHERE v.lor_version = ${version} AND v.unit_id = ${unit} AND v.breakdown = ''
    ORDER BY v.indicator_id, v.ref_date`.execute(db);
  return result.rows.map(toValue);
}
