// Delivered rates: a variable of value kind `rate` (a value in % or per 100 that an agency delivers instead of counts,
// such as the shares of the Monitoring Soziale Stadtentwicklung) names the base it refers to (`rate_base`: a variable
// and breakdown, as formula references do), so that coarser levels can be computed as base-weighted means. The index
// values get the label of their dynamics class and the combined label (MSS: "Status mittel, Dynamik stabil").
// The seeded rate variables (services/metadata/seed/catalog.json) get their kind and base here: 0021 predates both.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';

const seedUrl = new URL('../services/metadata/seed/catalog.json', import.meta.url);

interface SeedVariable {
  id: string;
  value_kind?: string;
  rate_base?: unknown;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE variable DROP CONSTRAINT IF EXISTS variable_value_kind_check`.execute(db);
  await sql`ALTER TABLE variable ADD CONSTRAINT variable_value_kind_check CHECK (value_kind IN ('count', 'measure', 'rate'))`.execute(db);
  await sql`ALTER TABLE variable ADD COLUMN rate_base jsonb`.execute(db);
  // a rate always refers to a base, and only a rate has one; rates are not summed up the hierarchy
  await sql`ALTER TABLE variable ADD CONSTRAINT variable_rate_base_check
    CHECK ((value_kind = 'rate') = (rate_base IS NOT NULL) AND (value_kind <> 'rate' OR aggregation = 'none'))`.execute(db);
  const seed = JSON.parse(readFileSync(seedUrl, 'utf8')) as { variables: SeedVariable[] };
  for (const v of seed.variables.filter((x) => x.value_kind === 'rate')) {
    await sql`UPDATE variable SET value_kind = 'rate', rate_base = ${JSON.stringify(v.rate_base)}::jsonb WHERE id = ${v.id}`.execute(db);
  }
  await sql`ALTER TABLE indicator_value ADD COLUMN dynamics_label text, ADD COLUMN combined_label text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE indicator_value DROP COLUMN IF EXISTS combined_label, DROP COLUMN IF EXISTS dynamics_label`.execute(db);
  await sql`ALTER TABLE variable DROP CONSTRAINT IF EXISTS variable_rate_base_check`.execute(db);
  await sql`UPDATE variable SET value_kind = 'measure' WHERE value_kind = 'rate'`.execute(db);
  await sql`ALTER TABLE variable DROP COLUMN IF EXISTS rate_base`.execute(db);
  await sql`ALTER TABLE variable DROP CONSTRAINT IF EXISTS variable_value_kind_check`.execute(db);
  await sql`ALTER TABLE variable ADD CONSTRAINT variable_value_kind_check CHECK (value_kind IN ('count', 'measure'))`.execute(db);
}
