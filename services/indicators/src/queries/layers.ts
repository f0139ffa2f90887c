// SQL of the indicator layers (OGC collections indicator-{id}): the feature table of one indicator's published values
// joined with the LOR units (its columns and key), the dates and extent a layer's description shows, and the catalog's
// fingerprint the provider keeps its public definitions by.
import type { Database, Kysely } from '@datenpool/db';
import { crs84Extent, lorUnitGeometry, sql } from '@datenpool/db';
import type { FeatureTable } from '@datenpool/ogc';
import type { RawBuilder } from 'kysely';
import { lorLevels } from '@datenpool/contracts';

/** the level a layer shows when the filter names none */
export const DEFAULT_LEVEL = 'planungsraum';

/** a feature per unit and date: id `{unit}_{year}`; the only names that reach SQL are these columns */
export const layerTable: FeatureTable = {
  from: sql`indicator_value_published v LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id`,
  id: sql`v.unit_id || '_' || extract(year FROM v.ref_date)::int`,
  ...lorUnitGeometry,
  columns: {
    id: { sql: sql`v.unit_id`, title: 'Unit id', type: 'string', sortable: true, isId: false, description: 'LOR unit id', property: false },
    name: { sql: sql`u.name`, title: 'Name', type: 'string', sortable: true },
    level: {
      sql: sql`v.level`,
      title: 'LOR level',
      type: 'string',
      description: `${lorLevels.join(', ')}; without a filter on level the layer shows the ${DEFAULT_LEVEL} level`,
    },
    date: { sql: sql`v.ref_date`, title: 'Reference date', type: 'date', sortable: true, description: 'selected with datetime; latest when absent' },
    value: {
      // the published view has the withheld values as null already
      sql: sql`v.value`,
      title: 'Value',
      type: 'number',
      sortable: true,
      description: 'null where suppressed',
    },
    status: { sql: sql`v.status`, title: 'Status', type: 'string', description: 'ok, suppressed, provisional, estimated' },
    berlin: { sql: sql`v.berlin`, title: 'Berlin value', type: 'number' },
    district: { sql: sql`v.district`, title: 'District value', type: 'number' },
    rank: { sql: sql`v.rank`, title: 'Rank in the level', type: 'integer', sortable: true },
    percentile: { sql: sql`v.percentile`, title: 'Percentile in the level', type: 'number', sortable: true },
    change_1y: { sql: sql`v.change_1y`, title: 'Change against the previous year', type: 'number', sortable: true },
    target_distance: { sql: sql`v.target_distance`, title: 'Distance to the target', type: 'number', sortable: true },
    class: { sql: sql`v.class`, title: 'Index class', type: 'integer', sortable: true },
    class_label: { sql: sql`v.class_label`, title: 'Index class label', type: 'string' },
  },
  tieBreakers: [sql`v.unit_id`, sql`v.ref_date`],
};

/** the layer properties: queryable name → column (the CQL2 property test compiles over them) */
export const layerColumns: Record<string, RawBuilder<unknown>> = Object.fromEntries(Object.entries(layerTable.columns).map(([name, c]) => [name, c.sql]));

export interface LayerKey {
  indicator: string;
  version: string;
  /** the level when the filter names none */
  defaultLevel: string | null;
  /** reference dates to include (from datetime, or the latest) */
  dates: { start: string | null; end: string | null } | 'latest';
}

/** a layer's own rows: the indicator's values without breakdown on the version, the level, the dates */
export function layerConditions(key: LayerKey): RawBuilder<boolean>[] {
  const own: RawBuilder<boolean>[] = [
    sql`v.indicator_id = ${key.indicator}`,
    sql`v.lor_version = ${key.version}`,
    sql`v.breakdown = ''`,
  ];
  if (key.defaultLevel) own.push(sql`v.level = ${key.defaultLevel}`);
  if (key.dates === 'latest') {
    own.push(sql`v.ref_date = (SELECT max(ref_date) FROM indicator_value WHERE indicator_id = ${key.indicator} AND lor_version = ${key.version})`);
  } else {
    if (key.dates.start) own.push(sql`v.ref_date >= ${key.dates.start}::date`);
    if (key.dates.end) own.push(sql`v.ref_date <= make_date(extract(year FROM ${key.dates.end}::date)::int, 12, 31)`);
  }
  return own;
}

/** the feature of an id `{unit}_{year}`; undefined where the id has another shape */
export function layerFeatureConditions(key: { indicator: string; version: string }, featureId: string): RawBuilder<boolean>[] | undefined {
  const match = /^(\d{1,8})_(\d{4})$/.exec(featureId);
  if (!match) return undefined;
  return [
    sql`v.indicator_id = ${key.indicator}`,
    sql`v.lor_version = ${key.version}`,
    sql`v.breakdown = ''`,
    sql`v.unit_id = ${match[1]}`,
    sql`v.ref_date = make_date(${Number(match[2])}::int, 12, 31)`,
  ];
}

/** the dates of an indicator's values and the CRS84 extent of Berlin's geometry */
export async function layerExtent(
  db: Kysely<Database>,
  indicator: string,
  version: string,
): Promise<{ first: string | null; last: string | null; bbox: [number, number, number, number] | null }> {
  const { rows } = await sql<{ first: string | null; last: string | null; w: number | null; s: number | null; e: number | null; n: number | null }>`
    SELECT (SELECT min(ref_date) FROM indicator_value WHERE indicator_id = ${indicator} AND lor_version = ${version}) AS first,
      (SELECT max(ref_date) FROM indicator_value WHERE indicator_id = ${indicator} AND lor_version = ${version}) AS last,
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ${crs84Extent(sql`geom`)} AS b
      FROM lor_unit WHERE version = ${version} AND geom IS NOT NULL) x`.execute(db);
  const r = rows[0];
  const bbox = r && r.w !== null && r.s !== null && r.e !== null && r.n !== null ? ([r.w, r.s, r.e, r.n] as [number, number, number, number]) : null;
  return { first: r?.first ?? null, last: r?.last ?? null, bbox };
}

/** the fingerprint as one text expression, `{indicators}/{variables}` (catalogFingerprint; the tiles' version row) */
const catalogFingerprintSql = sql<string>`(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) || ':' || coalesce(max(xmin::text::bigint), 0) FROM indicator)
    || '/' || (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) || ':' || coalesce(max(xmin::text::bigint), 0) FROM variable)`;

/**
 * What the public definitions are read from, as a fingerprint of the rows of indicator and variable: their count and
 * the sum and maximum of their xmin (the transaction that wrote each row version). An insert or an update writes a row
 * version with a newer transaction id (the maximum grows), a delete lowers the count; whether or not the writer set
 * updated_at. No row is read beyond its header: a quarter of a millisecond, where hashing the rows' text took one
 * (measured), and one statement where the definitions take three.
 */
export async function catalogFingerprint(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ catalog: string }>`SELECT ${catalogFingerprintSql} AS catalog`.execute(db);
  return rows[0]?.catalog ?? '';
}

/**
 * The layers' data version as one row a tile's statement reads beside the tile (VersionBeside): when the last
 * recompute committed and how many changes wait (as freshness reads them), when the LOR version's units last changed
 * (a tile shows their names and outlines; a trigger moves lor_version.updated_at) and the catalog's fingerprint (the
 * layer's definition still current). version_key changes with what a tile shows: the recompute, the units, the catalog.
 */
export function layerVersionRelation(version: string): RawBuilder<LayerVersionRow> {
  // materialised: the planner would otherwise copy the fingerprint's subqueries into every column that names it
  return sql<LayerVersionRow>`WITH s AS MATERIALIZED (
      SELECT (SELECT finished_at FROM indicator_recompute_state WHERE id = 'values') AS computed_at,
        (SELECT count(*) FROM indicator_recompute_queue)::int AS pending,
        (SELECT updated_at FROM lor_version WHERE version = ${version}) AS units_at, ${catalogFingerprintSql} AS catalog)
    SELECT concat_ws('|', s.computed_at, s.units_at, s.catalog) AS version_key, s.computed_at, s.pending, s.units_at, s.catalog FROM s`;
}

export interface LayerVersionRow {
  version_key: string;
  computed_at: Date | null;
  pending: number;
  units_at: Date | null;
  catalog: string;
}
