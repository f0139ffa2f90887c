// Reading the indicator definitions, the freshness watermark and what landed batches changed.
import { formulaSchema, variableRefSchema } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { IndicatorDefinition } from '../plan.ts';

/**
 * every indicator that is not retired and whose formula parses; the others are skipped with their ids. With `asOf`,
 * formula and minBase are those of the version valid then (indicator_version: the first version not ended by then)
 */
export async function loadDefinitions(
  db: Kysely<Database>,
  options: { asOf?: Date } = {},
): Promise<{ definitions: IndicatorDefinition[]; invalid: string[] }> {
  const rows = await db
    .selectFrom('indicator')
    .select(['id', 'zielbereich', 'label_de', 'label_en', 'unit', 'polarity', 'core', 'min_base', 'formula'])
    .where('status', '<>', 'retired')
    .orderBy('id')
    .execute();
  if (options.asOf) {
    const valid = await sql<{ indicator_id: string; formula: unknown; min_base: number }>`
      SELECT DISTINCT ON (indicator_id) indicator_id, formula, min_base FROM indicator_version
      WHERE valid_to IS NULL OR valid_to > ${options.asOf} ORDER BY indicator_id, version`.execute(db);
    const byId = new Map(valid.rows.map((v) => [v.indicator_id, v]));
    for (const row of rows) {
      const then = byId.get(row.id);
      if (then) Object.assign(row, { formula: then.formula, min_base: then.min_base });
    }
  }
  // a rate formula without its own base weights by the rate variable's base: resolved here, so that the plan reads it
  const rateBases = new Map(
    (await db.selectFrom('variable').select(['id', 'rate_base']).where('value_kind', '=', 'rate').execute()).map((v) => [v.id, v.rate_base]),
  );
  const definitions: IndicatorDefinition[] = [];
  const invalid: string[] = [];
  for (const row of rows) {
    const parsed = formulaSchema.safeParse(row.formula);
    if (parsed.success && parsed.data.kind === 'rate' && !parsed.data.base) {
      const base = variableRefSchema.safeParse(rateBases.get(parsed.data.rate));
      if (base.success) parsed.data.base = base.data;
    }
    if (!parsed.success || (parsed.data.kind === 'rate' && !parsed.data.base)) {
      invalid.push(row.id);
      continue;
    }
    definitions.push({
      id: row.id,
      zielbereich: row.zielbereich,
      labelDe: row.label_de,
      labelEn: row.label_en,
      unit: row.unit,
      polarity: row.polarity,
      core: row.core,
      minBase: row.min_base,
      formula: parsed.data,
    });
  }
  return { definitions, invalid };
}

export interface FreshnessState {
  newestFinishedAt: Date | null;
  newestBatchId: string | null;
  catalogHash: string;
  watermarkFinishedAt: Date | null;
  watermarkCatalogHash: string | null;
  computed: boolean;
}

/** one cheap round trip: the newest landed batch, a hash of the definitions the values depend on, and the watermark */
export async function freshnessState(db: Kysely<Database>): Promise<FreshnessState> {
  const result = await sql<{
    newest_finished_at: Date | null;
    newest_batch_id: string | null;
    catalog_hash: string;
    wm_finished_at: Date | null;
    wm_catalog_hash: string | null;
    computed: boolean;
  }>`SELECT nb.finished_at AS newest_finished_at, nb.id AS newest_batch_id,
      md5(
        coalesce((SELECT string_agg(concat_ws('|', id, status, formula::text, min_base), ';' ORDER BY id) FROM indicator), '')
        || coalesce((SELECT string_agg(concat_ws('|', indicator_id, scope, period_from, period_to, target_value, ended_at IS NULL), ';'
             ORDER BY indicator_id, scope, period_from, id) FROM indicator_target), '')
        || coalesce((SELECT string_agg(concat_ws('|', id, aggregation, disclosure_threshold, value_kind), ';' ORDER BY id) FROM variable), '')
      ) AS catalog_hash,
      w.batch_finished_at AS wm_finished_at, w.catalog_hash AS wm_catalog_hash, w.id IS NOT NULL AS computed
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT id, finished_at FROM ingest_batch
      WHERE status IN ('accepted', 'partial') AND NOT dry_run AND finished_at IS NOT NULL
      ORDER BY finished_at DESC, id DESC LIMIT 1
    ) nb ON true
    LEFT JOIN indicator_watermark w ON w.id = 'values'`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('freshness query returned no row');
  return {
    newestFinishedAt: row.newest_finished_at,
    newestBatchId: row.newest_batch_id,
    catalogHash: row.catalog_hash,
    watermarkFinishedAt: row.wm_finished_at,
    watermarkCatalogHash: row.wm_catalog_hash,
    computed: row.computed,
  };
}

/** variables, versions and reference years of the observations of batches landed after the watermark */
export async function changedSince(
  db: Kysely<Database>,
  since: Date,
): Promise<Array<{ variable: string; version: string; year: number }>> {
  const result = await sql<{ variable: string; version: string; year: number }>`
    SELECT DISTINCT o.variable_id AS variable, o.lor_version AS version, extract(year FROM o.ref_date)::int AS year
    FROM ingest_batch b JOIN observation o ON o.batch_id = b.id
    WHERE b.status IN ('accepted', 'partial') AND NOT b.dry_run AND b.finished_at > ${since}`.execute(db);
  return result.rows;
}

export async function setWatermark(
  db: Kysely<Database>,
  state: { finishedAt: Date | null; batchId: string | null; catalogHash: string },
): Promise<void> {
  await db
    .insertInto('indicator_watermark')
    .values({ id: 'values', batch_finished_at: state.finishedAt, batch_id: state.batchId, catalog_hash: state.catalogHash })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        batch_finished_at: state.finishedAt,
        batch_id: state.batchId,
        catalog_hash: state.catalogHash,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

/** serialises recomputations across processes for the rest of the transaction */
export async function lockRecompute(db: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('datenpool.indicators.recompute'))`.execute(db);
}
