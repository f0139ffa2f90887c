// Reading the indicator definitions; the lock that serialises writers of the materialisation.
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

/**
 * serialises recomputations across processes for the rest of the transaction: every writer of indicator_value takes it
 * before it reads what it computes from (two recomputes from different snapshots would overwrite each other)
 */
export async function lockRecompute(db: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('datenpool.indicators.recompute'))`.execute(db);
}
