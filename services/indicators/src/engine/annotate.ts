// Merging the staged values of one or more indicators with their reference values: Berlin and district, rank and
// percentile, changes and target distance, computed in the same statement that writes each row once; and refreshing
// the changes of later years when a year's values changed.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { RawBuilder } from 'kysely';
import { type ComputeScope, inScope, type ValueTable, withHashAggregate, yearEnd } from './work.ts';

/** one indicator's values of one version and date */
export interface Triple {
  id: string;
  version: string;
  date: string;
}

/** (indicator, version, date) triples as a table to join */
function triples(list: Triple[]) {
  return sql`unnest(${list.map((p) => p.id)}::text[], ${list.map((p) => p.version)}::text[], ${list.map((p) => p.date)}::date[])
    AS k(indicator_id, lor_version, ref_date)`;
}

/** `alias`, a source of earlier values, joined to the row `row` on the same key `years` years before (for change_1y/_ny) */
function earlierJoin(source: string, alias: string, row: string, years: number) {
  const [e, r] = [sql.ref(alias), sql.ref(row)];
  return sql`LEFT JOIN ${sql.ref(source)} ${e} ON ${e}.indicator_id = ${r}.indicator_id AND ${e}.lor_version = ${r}.lor_version
    AND ${e}.level = ${r}.level AND ${e}.unit_id = ${r}.unit_id AND ${e}.breakdown = ${r}.breakdown
    AND ${e}.ref_date = (${r}.ref_date - ${sql.raw(`interval '${Math.trunc(years)} years'`)})::date`;
}

/**
 * the CTE `decoded`: each distinct batch mask of the stage decoded once into its batch ids (iv_batch numbers them per
 * version and year), as the provenance a value carries
 */
const decodedCte = sql`decoded AS (
      -- each distinct batch mask of the stage decoded once into its batch ids (iv_batch numbers them per version and year)
      SELECT m.lor_version, m.ref_date, m.mask, m.input_dates,
        jsonb_strip_nulls(jsonb_build_object('batches', to_jsonb(array_agg(b.id ORDER BY b.id)), 'inputDates', m.input_dates)) AS provenance
      FROM (SELECT DISTINCT lor_version, ref_date, mask::text AS mask, input_dates FROM iv_stage WHERE mask IS NOT NULL) m
      JOIN iv_batch b ON b.lor_version = m.lor_version AND b.year = extract(year FROM m.ref_date)::int
        AND substr(m.mask, b.k + 1, 1) = '1'
      GROUP BY m.lor_version, m.ref_date, m.mask, m.input_dates
    )`;

/** the provenance of a stage row `s` with its decoded mask `d`: the batches of its cells, or what a derived kind wrote */
const stagedProvenance = sql`coalesce(d.provenance || s.provenance, s.provenance, d.provenance)`;

/** a stage row `s` joined to its decoded mask `d` */
const decodedJoin = sql`LEFT JOIN decoded d ON d.lor_version = s.lor_version AND d.ref_date = s.ref_date AND d.mask = s.mask::text
        AND coalesce(d.input_dates, '{}') = coalesce(s.input_dates, '{}')`;

/** an indicator whose values were staged, and the scope they were computed for */
export interface StagedIndicator {
  id: string;
  scope: ComputeScope;
}

/**
 * Writes the staged values of the given indicators with berlin, district, rank within Berlin's units of the level (1 =
 * highest value), rank_district within the district's units of the level (below Bezirk), percentile (0 = lowest,
 * 100 = highest), change_1y, change_ny and the target of the unit's scope (its district's before Berlin's, totals
 * only; ended targets do not apply). Berlin's and the district's values are joined from the stage, the earlier years' from the stage or the
 * indicator's stored rows; rank and percentile come from one ordering. Rows equal to the stored ones are not written,
 * so their provenance and computed_at stay; rows of the scope that were not computed again are removed.
 */
export async function mergeStage(
  db: Kysely<Database>,
  table: ValueTable,
  staged: StagedIndicator[],
  changeYears: number,
): Promise<{ written: number; removed: number }> {
  if (staged.length === 0) return { written: 0, removed: 0 };
  const t = sql.table(table);
  // the as-of table starts empty: nothing in it to find equal
  if (table === 'indicator_value') await withHashAggregate(db, () => keepUnchanged(db, table, staged, changeYears));
  const { ctes, ids, stagedVersions, stagedDates } = await annotatedStage(db, table, changeYears);
  // every staged partition kept: nothing to annotate or write
  const written = ids.length === 0 ? { numAffectedRows: 0n } : await sql`WITH ${ctes},
    changed AS (
      -- rows equal to the stored ones are dropped here, by one hash join with the stored rows of the staged
      -- indicators, versions and dates: ON CONFLICT would lock (write) every stored row before comparing it, so the
      -- upsert below compares nothing (recomputes are serialised by an advisory lock)
      SELECT f.* FROM fin f
      LEFT JOIN ${t} o ON o.indicator_id = ANY (${ids}::text[]) AND o.lor_version = ANY (${stagedVersions}::text[])
        AND o.ref_date = ANY (${stagedDates}::date[])
        AND o.indicator_id = f.indicator_id AND o.lor_version = f.lor_version AND o.ref_date = f.ref_date
        AND o.level = f.level AND o.unit_id = f.unit_id AND o.breakdown = f.breakdown
      WHERE o.indicator_id IS NULL
        OR (o.value, o.numerator, o.denominator, o.status, o.suppression, o.berlin, o.district, o.rank, o.rank_district, o.percentile, o.change_1y,
          o.change_ny, o.target, o.target_distance, o.class, o.class_label, o.dynamics, o.dynamics_class, o.dynamics_label, o.combined_label,
          o.provenance)
        IS DISTINCT FROM (f.value, f.numerator, f.denominator, f.status, f.suppression, f.berlin, f.district, f.rank, f.rank_district, f.percentile,
          f.change_1y, f.change_ny, f.target, f.target_distance, f.class, f.class_label, f.dynamics, f.dynamics_class, f.dynamics_label,
          f.combined_label, f.provenance)
    ),
    upserted AS (
      INSERT INTO ${t} AS t (indicator_id, lor_version, level, unit_id, ref_date, breakdown, value, numerator, denominator,
        status, suppression, berlin, district, rank, rank_district, percentile, change_1y, change_ny, target, target_distance,
        class, class_label, dynamics, dynamics_class, dynamics_label, combined_label, provenance, computed_at)
      SELECT c.indicator_id, c.lor_version, c.level, c.unit_id, c.ref_date, c.breakdown, c.value, c.numerator, c.denominator,
        c.status, c.suppression, c.berlin, c.district, c.rank, c.rank_district, c.percentile, c.change_1y, c.change_ny, c.target, c.target_distance,
        c.class, c.class_label, c.dynamics, c.dynamics_class, c.dynamics_label, c.combined_label, c.provenance, now()
      FROM changed c
      ON CONFLICT (indicator_id, lor_version, level, unit_id, ref_date, breakdown) DO UPDATE SET
        value = excluded.value, numerator = excluded.numerator, denominator = excluded.denominator, status = excluded.status,
        suppression = excluded.suppression, berlin = excluded.berlin, district = excluded.district, rank = excluded.rank,
        rank_district = excluded.rank_district,
        percentile = excluded.percentile, change_1y = excluded.change_1y, change_ny = excluded.change_ny, target = excluded.target,
        target_distance = excluded.target_distance, class = excluded.class, class_label = excluded.class_label,
        dynamics = excluded.dynamics, dynamics_class = excluded.dynamics_class, dynamics_label = excluded.dynamics_label,
        combined_label = excluded.combined_label, provenance = excluded.provenance,
        -- the time of the last change of the value or its provenance, not of its reference values
        computed_at = CASE WHEN (t.value, t.numerator, t.denominator, t.status, t.suppression, t.class, t.dynamics, t.provenance)
          IS DISTINCT FROM (excluded.value, excluded.numerator, excluded.denominator, excluded.status, excluded.suppression,
            excluded.class, excluded.dynamics, excluded.provenance) THEN excluded.computed_at ELSE t.computed_at END
      RETURNING t.indicator_id, t.lor_version, t.level, t.unit_id, t.ref_date, t.breakdown, t.value
    )
    INSERT INTO iv_written SELECT * FROM upserted`.execute(db);
  // rows of the scope that were not computed again; indicators with the same scope share one condition
  const byScope = new Map<string, StagedIndicator[]>();
  for (const s of staged) byScope.set(JSON.stringify(s.scope), [...(byScope.get(JSON.stringify(s.scope)) ?? []), s]);
  const inScopes = sql.join(
    [...byScope.values()].map((group) => sql`(v.indicator_id = ANY (${group.map((g) => g.id)}::text[]) AND ${inScope('v', (group[0] as StagedIndicator).scope)})`),
    sql` OR `,
  );
  const removed = await sql`WITH removed AS (
      DELETE FROM ${t} AS v
      WHERE (${inScopes})
        AND NOT EXISTS (SELECT 1 FROM iv_stage s WHERE s.indicator_id = v.indicator_id AND s.lor_version = v.lor_version
          AND s.level = v.level AND s.unit_id = v.unit_id AND s.ref_date = v.ref_date AND s.breakdown = v.breakdown)
        AND NOT EXISTS (SELECT 1 FROM iv_kept s WHERE s.indicator_id = v.indicator_id AND s.lor_version = v.lor_version
          AND s.level = v.level AND s.unit_id = v.unit_id AND s.ref_date = v.ref_date AND s.breakdown = v.breakdown)
      RETURNING v.indicator_id, v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown
    )
    INSERT INTO iv_written SELECT *, NULL::double precision FROM removed`.execute(db);
  return { written: Number(written.numAffectedRows ?? 0), removed: Number(removed.numAffectedRows ?? 0) };
}

/**
 * moves the staged partitions that a merge would leave as they are into iv_kept: a partition (an indicator's values of
 * one version, date and breakdown, every level and unit) whose rows all equal their stored rows in what the stage
 * holds (value, base, status, class, provenance) and whose stored rows have no other keys. Its reference values then
 * equal the stored ones too (Berlin's, the district's, rank and percentile are taken within it), unless an earlier
 * year its changes compare with changed: a partition whose year 1 or `changeYears` before was staged with a change
 * stays. Targets come from indicator_target, not from the stage: the partitions of indicators with a target stay (a
 * changed target queues its indicator), and a stored row with a target (an ended one) is no equal row. Returns the
 * number of rows moved; the merge annotates and compares the rest.
 */
export async function keepUnchanged(db: Kysely<Database>, table: ValueTable, staged: StagedIndicator[], changeYears: number): Promise<number> {
  const t = sql.table(table);
  const withTargets = new Set(
    (
      await db.selectFrom('indicator_target').select('indicator_id').distinct().where('indicator_id', 'in', staged.map((s) => s.id)).where('ended_at', 'is', null).execute()
    ).map((r) => r.indicator_id),
  );
  const ids = staged.map((s) => s.id).filter((id) => !withTargets.has(id));
  if (ids.length === 0) return 0;
  const keys = await sql<{ versions: string[] | null; dates: string[] | null }>`SELECT array_agg(DISTINCT lor_version) AS versions,
      array_agg(DISTINCT ref_date::text) AS dates FROM iv_stage WHERE indicator_id = ANY (${ids}::text[])`.execute(db);
  const versions = keys.rows[0]?.versions ?? [];
  const dates = keys.rows[0]?.dates ?? [];
  if (dates.length === 0) return 0;
  const own = (alias: string) => {
    const a = sql.ref(alias);
    return sql`(${a}.value, ${a}.numerator, ${a}.denominator, ${a}.status, ${a}.suppression, ${a}.class, ${a}.class_label, ${a}.dynamics,
      ${a}.dynamics_class, ${a}.dynamics_label, ${a}.combined_label)`;
  };
  const n = sql.raw(`interval '${Math.trunc(changeYears)} years'`);
  const moved = await sql`WITH ${decodedCte},
    cmp AS (
      SELECT s.indicator_id, s.lor_version, s.ref_date, s.breakdown, count(*) AS n,
        bool_and(o.indicator_id IS NOT NULL AND o.target IS NULL AND ${own('o')} IS NOT DISTINCT FROM ${own('s')}
          AND o.provenance IS NOT DISTINCT FROM ${stagedProvenance}) AS same
      FROM iv_stage s
      ${decodedJoin}
      LEFT JOIN ${t} o ON o.indicator_id = ANY (${ids}::text[]) AND o.lor_version = ANY (${versions}::text[]) AND o.ref_date = ANY (${dates}::date[])
        AND o.indicator_id = s.indicator_id AND o.lor_version = s.lor_version AND o.ref_date = s.ref_date
        AND o.level = s.level AND o.unit_id = s.unit_id AND o.breakdown = s.breakdown
      WHERE s.indicator_id = ANY (${ids}::text[])
      GROUP BY 1, 2, 3, 4
    ),
    stored AS (
      SELECT o.indicator_id, o.lor_version, o.ref_date, o.breakdown, count(*) AS n
      FROM ${t} o
      WHERE o.indicator_id = ANY (${ids}::text[]) AND o.lor_version = ANY (${versions}::text[]) AND o.ref_date = ANY (${dates}::date[])
      GROUP BY 1, 2, 3, 4
    ),
    parts AS MATERIALIZED (
      SELECT c.indicator_id, c.lor_version, c.ref_date, c.breakdown, coalesce(c.same AND c.n = st.n, false) AS same
      FROM cmp c LEFT JOIN stored st ON st.indicator_id = c.indicator_id AND st.lor_version = c.lor_version
        AND st.ref_date = c.ref_date AND st.breakdown = c.breakdown
    ),
    kept AS (
      SELECT p.* FROM parts p
      WHERE p.same AND NOT EXISTS (SELECT 1 FROM parts x WHERE NOT x.same AND x.indicator_id = p.indicator_id
        AND x.lor_version = p.lor_version AND x.breakdown = p.breakdown
        AND x.ref_date IN ((p.ref_date - interval '1 year')::date, (p.ref_date - ${n})::date))
    ),
    moved AS (
      DELETE FROM iv_stage s USING kept k
      WHERE s.indicator_id = k.indicator_id AND s.lor_version = k.lor_version AND s.ref_date = k.ref_date AND s.breakdown = k.breakdown
      RETURNING s.*
    )
    INSERT INTO iv_kept SELECT * FROM moved`.execute(db);
  return Number(moved.numAffectedRows ?? 0);
}

/**
 * the staged values (every indicator in iv_stage) with their reference values, as the CTEs `decoded`, `earlier1`,
 * `earlier_n`, `a` and `fin` (one row per staged row, every column of a value table but computed_at) of the statement
 * that writes them: mergeStage upserts them into a value table, the full rebuild appends them to a fresh one. The earlier
 * years' values the changes compare with come from the stage (or the partitions the merge kept), or from `stored`'s
 * rows for dates that were not staged (null: none, as in a full rebuild, which stages every date of an indicator at
 * once). Also returns the indicators, versions and dates the stage holds, to read their stored rows by.
 */
export async function annotatedStage(
  db: Kysely<Database>,
  storedTable: ValueTable | null,
  changeYears: number,
): Promise<{ ctes: RawBuilder<unknown>; ids: string[]; stagedVersions: string[]; stagedDates: string[] }> {
  // the earlier values the changes compare with, per offset (1 and n years): of each staged indicator and version, the
  // dates n years before its staged dates, from the stage where it staged them, else from its stored rows (read through
  // the primary key (indicator, version, date), then narrowed to the triples by a hash join)
  // (the partitions the merge kept count as staged: their rows are the stored ones, read from iv_kept; only the dates
  // still in the stage are annotated and need earlier values)
  const stagedKeys = await sql<{ indicator_id: string; lor_version: string; dates: string[]; annotated: string[] }>`SELECT indicator_id,
      lor_version, array_agg(DISTINCT ref_date::text) AS dates, coalesce(array_agg(DISTINCT ref_date::text) FILTER (WHERE annotated), '{}') AS annotated
    FROM (SELECT indicator_id, lor_version, ref_date, true AS annotated FROM iv_stage
      UNION ALL SELECT indicator_id, lor_version, ref_date, false FROM iv_kept) s GROUP BY 1, 2`.execute(db);
  const inStage = stagedKeys.rows.filter((k) => k.annotated.length > 0);
  const ids = [...new Set(inStage.map((k) => k.indicator_id))];
  const stagedVersions = [...new Set(inStage.map((k) => k.lor_version))];
  const stagedDates = [...new Set(inStage.flatMap((k) => k.annotated))];
  // the target lookup runs only for the rows of indicators that have targets
  const withTargets = (
    ids.length
      ? await db.selectFrom('indicator_target').select('indicator_id').distinct().where('indicator_id', 'in', ids).where('ended_at', 'is', null).execute()
      : []
  ).map((r) => r.indicator_id);
  const target = withTargets.length
    ? sql`CASE WHEN a.indicator_id = ANY (${withTargets}::text[]) THEN (SELECT x.target_value FROM indicator_target x
        WHERE x.indicator_id = a.indicator_id AND a.breakdown = '' AND a.ref_date BETWEEN x.period_from AND x.period_to
          AND x.ended_at IS NULL AND (x.scope IN ('0', 'berlin') OR (x.scope = left(a.unit_id, 2) AND a.level <> 'berlin'))
        ORDER BY x.scope IN ('0', 'berlin'), x.period_from DESC LIMIT 1) END`
    : sql`NULL::double precision`;
  const earlier = (years: number) => {
    const staged: Triple[] = [];
    const stored: Triple[] = [];
    for (const k of inStage) {
      const dates = new Set(k.dates);
      for (const date of new Set(k.annotated.map((d) => yearEnd(Number(d.slice(0, 4)) - years)))) {
        (dates.has(date) ? staged : stored).push({ id: k.indicator_id, version: k.lor_version, date });
      }
    }
    const fromStage = sql`SELECT s.indicator_id, s.lor_version, s.level, s.unit_id, s.ref_date, s.breakdown, s.value
      FROM (SELECT * FROM iv_stage UNION ALL SELECT * FROM iv_kept) s JOIN ${triples(staged)} USING (indicator_id, lor_version, ref_date)`;
    if (!storedTable) return fromStage;
    return sql`${fromStage}
      UNION ALL
      SELECT v.indicator_id, v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown, v.value
      FROM ${sql.table(storedTable)} v JOIN ${triples(stored)} USING (indicator_id, lor_version, ref_date)
      WHERE v.indicator_id = ANY (${[...new Set(stored.map((p) => p.id))]}::text[])
        AND v.lor_version = ANY (${[...new Set(stored.map((p) => p.version))]}::text[])
        AND v.ref_date = ANY (${[...new Set(stored.map((p) => p.date))]}::date[])`;
  };
  const ctes = sql`${decodedCte},
    earlier1 AS (${earlier(1)}),
    earlier_n AS (${earlier(Math.trunc(changeYears))}),
    a AS (
      -- Berlin's and the district's values and the earlier years' by hash joins; rank and percentile from one ordering:
      -- percent_rank is (rows below) / (rows - 1), and the rows below are the rows less those at or above the value
      SELECT s.indicator_id, s.lor_version, s.level, s.unit_id, s.ref_date, s.breakdown, s.value, s.numerator, s.denominator, s.status,
        s.suppression, s.class, s.class_label, s.dynamics, s.dynamics_class, s.dynamics_label, s.combined_label, ${stagedProvenance} AS provenance,
        bl.value AS berlin, dz.value AS district,
        CASE WHEN s.value IS NOT NULL THEN rank() OVER r END::int AS rank,
        CASE WHEN s.value IS NOT NULL AND s.level NOT IN ('berlin', 'bezirk') THEN rank() OVER rd END::int AS rank_district,
        CASE WHEN s.value IS NOT NULL THEN CASE WHEN count(*) OVER p > 1
          THEN 100 * ((count(*) OVER p - count(*) OVER r)::double precision / (count(*) OVER p - 1)::double precision) ELSE 0 END
        END AS percentile,
        s.value - p1.value AS change_1y, s.value - pn.value AS change_ny
      FROM iv_stage s
      ${decodedJoin}
      LEFT JOIN iv_stage bl ON bl.indicator_id = s.indicator_id AND bl.level = 'berlin' AND bl.lor_version = s.lor_version AND bl.ref_date = s.ref_date
        AND bl.breakdown = s.breakdown
      LEFT JOIN iv_stage dz ON dz.indicator_id = s.indicator_id AND dz.level = 'bezirk' AND s.level <> 'berlin' AND dz.lor_version = s.lor_version
        AND dz.ref_date = s.ref_date AND dz.breakdown = s.breakdown AND dz.unit_id = left(s.unit_id, 2)
      ${earlierJoin('earlier1', 'p1', 's', 1)}
      ${earlierJoin('earlier_n', 'pn', 's', changeYears)}
      -- the partition as one bytewise key (ordering by five keys compared one after the other cost more): ids, versions,
      -- levels and dates hold no '|' and the breakdown comes last, so the key is distinct for distinct partitions
      WINDOW p AS (PARTITION BY (s.indicator_id || '|' || s.lor_version || '|' || s.level || '|' || s.ref_date::text || '|' || s.breakdown)
          COLLATE "C", s.value IS NULL),
        r AS (p ORDER BY s.value DESC),
        -- the rank within the unit's district: the same partition narrowed to the district's units
        rd AS (PARTITION BY (s.indicator_id || '|' || s.lor_version || '|' || s.level || '|' || s.ref_date::text || '|' || s.breakdown)
          COLLATE "C", s.value IS NULL, left(s.unit_id, 2) ORDER BY s.value DESC)
    ),
    fin AS (
      SELECT a.*, g.target, a.value - g.target AS target_distance FROM a CROSS JOIN LATERAL (SELECT ${target} AS target) g
    )`;
  return { ctes, ids, stagedVersions, stagedDates };
}

/**
 * change_1y and change_ny of stored values whose earlier year changed without their own: the years after the
 * recomputed ones, given as triples. The earlier values are the rows this recompute's merges wrote or removed
 * (iv_written, removed ones with a null value); a row whose earlier row was not written keeps its change. Rows whose
 * changes are equal are not written. Returns the number of changes written.
 */
export async function refreshChanges(db: Kysely<Database>, table: ValueTable, dates: Triple[], changeYears: number): Promise<number> {
  if (dates.length === 0) return 0;
  const t = sql.table(table);
  const ids = [...new Set(dates.map((d) => d.id))];
  const versions = [...new Set(dates.map((d) => d.version))];
  const own = [...new Set(dates.map((d) => d.date))];
  let written = 0;
  // one statement per offset (with changeYears = 1 both name the same rows, and the second finds nothing to write)
  for (const [column, years] of [['change_1y', 1], ['change_ny', Math.trunc(changeYears)]] as const) {
    const c = sql.ref(column);
    const offset = sql.raw(`interval '${years} years'`);
    // every read of the stored rows goes through the primary key (indicator, version, date), narrowed to the triples
    const result = await sql`UPDATE ${t} AS v SET ${c} = v.value - w.value
      FROM iv_written w JOIN ${triples(dates)} ON k.indicator_id = w.indicator_id AND k.lor_version = w.lor_version
        AND k.ref_date = (w.ref_date + ${offset})::date
      WHERE v.indicator_id = ANY (${ids}::text[]) AND v.lor_version = ANY (${versions}::text[]) AND v.ref_date = ANY (${own}::date[])
        AND v.indicator_id = w.indicator_id AND v.lor_version = w.lor_version AND v.ref_date = (w.ref_date + ${offset})::date
        AND v.level = w.level AND v.unit_id = w.unit_id AND v.breakdown = w.breakdown
        AND v.${c} IS DISTINCT FROM v.value - w.value`.execute(db);
    written += Number(result.numAffectedRows ?? 0);
  }
  return written;
}
