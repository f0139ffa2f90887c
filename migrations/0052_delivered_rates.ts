// Delivered rates: a variable of value kind `rate` (a value in % or per 100 that an agency delivers instead of counts,
// such as the shares of the Monitoring Soziale Stadtentwicklung) names the base it refers to (`rate_base`: a variable
// and breakdown, as formula references do), so that coarser levels can be computed as base-weighted means. The index
// values get the label of their dynamics class and the combined label (MSS: "Status mittel, Dynamik stabil").
// The seeded rate variables get their kind and base here (0021 predates both): those of the seed when this migration
// was written (services/metadata/seed/catalog.json of commit 37f54da), so that it writes the same on every database.
import { type Kysely, sql } from 'kysely';

const seededRates: Array<{ id: string; rate_base: unknown }> = [
  { id: 'mss_s1', rate_base: { variable: 'einwohner', breakdown: { age: ['15-18', '18-27', '27-45', '45-55', '55-65'] } } },
  { id: 'mss_s2', rate_base: { variable: 'einwohner', breakdown: { age: ['15-18', '18-27', '27-45', '45-55', '55-65'] } } },
  { id: 'mss_s3', rate_base: 'einwohner' },
  { id: 'mss_s4', rate_base: { variable: 'einwohner', breakdown: { age: ['unter6', '6-15'] } } },
  { id: 'mss_d1', rate_base: { variable: 'einwohner', breakdown: { age: ['15-18', '18-27', '27-45', '45-55', '55-65'] } } },
  { id: 'mss_d2', rate_base: { variable: 'einwohner', breakdown: { age: ['15-18', '18-27', '27-45', '45-55', '55-65'] } } },
  { id: 'mss_d3', rate_base: 'einwohner' },
  { id: 'mss_d4', rate_base: { variable: 'einwohner', breakdown: { age: ['unter6', '6-15'] } } },
  { id: 'mss_k01', rate_base: { variable: 'einwohner', breakdown: { age: ['15-18', '18-27'] } } },
  { id: 'mss_k02', rate_base: { variable: 'einwohner', breakdown: { age: ['unter6', '6-15', '15-18'] } } },
  { id: 'mss_k03', rate_base: { variable: 'einwohner', breakdown: { age: ['65undmehr'] } } },
  { id: 'mss_k04', rate_base: { variable: 'einwohner', breakdown: { age: ['unter6', '6-15', '15-18'] } } },
  { id: 'mss_k05', rate_base: 'einwohner' },
  { id: 'mss_k06', rate_base: 'einwohner' },
  { id: 'mss_k07', rate_base: { variable: 'einwohner', breakdown: { citizenship: 'auslaendisch' } } },
  { id: 'mss_k08', rate_base: 'einwohner' },
  { id: 'mss_k09', rate_base: 'einwohner' },
  { id: 'mss_k10', rate_base: 'einwohner' },
  { id: 'mss_k11', rate_base: 'einwohner' },
  { id: 'mss_k12', rate_base: 'einwohner' },
  { id: 'mss_k13', rate_base: { variable: 'einwohner', breakdown: { age: ['unter6'] } } },
  { id: 'mss_k16', rate_base: 'einwohner' },
  { id: 'mss_k17', rate_base: { variable: 'einwohner', breakdown: { citizenship: 'auslaendisch' } } },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE variable DROP CONSTRAINT IF EXISTS variable_value_kind_check`.execute(db);
  await sql`ALTER TABLE variable ADD CONSTRAINT variable_value_kind_check CHECK (value_kind IN ('count', 'measure', 'rate'))`.execute(db);
  await sql`ALTER TABLE variable ADD COLUMN rate_base jsonb`.execute(db);
  // a rate always refers to a base, and only a rate has one; rates are not summed up the hierarchy
  await sql`ALTER TABLE variable ADD CONSTRAINT variable_rate_base_check
    CHECK ((value_kind = 'rate') = (rate_base IS NOT NULL) AND (value_kind <> 'rate' OR aggregation = 'none'))`.execute(db);
  for (const v of seededRates) {
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
