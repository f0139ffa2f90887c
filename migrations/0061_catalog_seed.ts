// Brings a database's catalog to the seed of now (0061_catalog_seed.json: services/metadata/seed/catalog.json as of
// this migration, frozen). Earlier seeds were read by 0021 from that file as it stood on the day a database was
// created, so older databases kept older definitions (the index formula without its second standardisation, the
// MSS variables under their 2021 names). A value a database holds from an earlier seed is brought to the seed; a
// value changed through the API stays. A changed definition of an indicator that has values is a new version (the
// old one explains the values computed under it); one without values is rewritten in place.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';

type Row = Record<string, unknown> & { id: string };
type Kind = 'agencies' | 'variables' | 'indicators';

interface CatalogFile {
  seed: {
    defaults: { variable: Record<string, unknown>; indicator: Record<string, unknown> };
    agencies: Row[];
    variables: Row[];
    indicators: Row[];
    targets: Array<Record<string, unknown>>;
  };
  /** per kind and row id, the values of fields that earlier seeds held other than the seed */
  earlier: Record<Kind, Record<string, Record<string, unknown[]>>>;
  /** ids of rows earlier seeds had and the seed has not */
  vanished: Record<Kind, string[]>;
}

const catalogUrl = new URL('./0061_catalog_seed.json', import.meta.url);

/** the catalog's tables, the seeded fields of each, and which of them are jsonb */
const shapes: Record<Kind, { table: string; fields: string[]; json: string[] }> = {
  agencies: { table: 'agency', fields: ['name', 'kind', 'contact'], json: [] },
  variables: {
    table: 'variable',
    fields: [
      'label_de', 'label_en', 'description', 'unit', 'value_kind', 'aggregation', 'rate_base', 'finest_level', 'periodicity',
      'reference_date', 'breakdowns', 'disclosure_threshold', 'agency_id', 'licence', 'access', 'status',
    ],
    json: ['breakdowns', 'rate_base'],
  },
  indicators: {
    table: 'indicator',
    fields: ['zielbereich', 'label_de', 'label_en', 'description', 'unit', 'formula', 'polarity', 'core', 'lowest_level', 'min_base', 'availability', 'status'],
    json: ['formula'],
  },
};

/** a change of these is a new definition of an indicator (indicator_version) */
const definitionFields = ['formula', 'min_base', 'lowest_level'];

/** JSON with sorted keys: jsonb does not keep the key order a seed was written in */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function columns(kind: Kind, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) out[field] = shapes[kind].json.includes(field) && value !== null ? JSON.stringify(value) : value;
  return out;
}

/** the seed's row with the defaults it omits, every seeded field present (null where the seed has none) */
function seeded(kind: Kind, row: Row, defaults: CatalogFile['seed']['defaults']): Row {
  const base = kind === 'variables' ? defaults.variable : kind === 'indicators' ? defaults.indicator : {};
  const full = { ...base, ...row };
  return Object.fromEntries([['id', row.id], ...shapes[kind].fields.map((f) => [f, full[f] ?? null])]) as Row;
}

/** whether the row is referenced anywhere (a foreign key to its table): then it is retired, not deleted */
async function referenced(db: Kysely<any>, table: string, id: string): Promise<boolean> {
  const keys = await sql<{ source: string; column: string }>`
    SELECT c.conrelid::regclass::text AS source, a.attname AS column
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.confrelid = ${table}::regclass`.execute(db);
  for (const key of keys.rows) {
    // names from the system catalog, not from input
    const found = await sql`SELECT 1 FROM ${sql.raw(key.source)} WHERE ${sql.ref(key.column)} = ${id} LIMIT 1`.execute(db);
    if (found.rows.length > 0) return true;
  }
  return false;
}

async function indicatorDefinition(db: Kysely<any>, id: string, before: Row, after: Record<string, unknown>): Promise<void> {
  const current = await db.selectFrom('indicator').select(['version', 'created_at']).where('id', '=', id).executeTakeFirstOrThrow();
  const open = await db.selectFrom('indicator_version').select('version').where('indicator_id', '=', id).where('valid_to', 'is', null).executeTakeFirst();
  if (!open) {
    await db
      .insertInto('indicator_version')
      .values({
        indicator_id: id, version: current.version, formula: JSON.stringify(before.formula), min_base: before.min_base,
        lowest_level: before.lowest_level, valid_from: current.created_at, created_by: 'migration',
      })
      .execute();
  }
  const definition = { formula: JSON.stringify(after.formula), min_base: after.min_base, lowest_level: after.lowest_level };
  const computed = await db.selectFrom('indicator_value').select('indicator_id').where('indicator_id', '=', id).limit(1).executeTakeFirst();
  if (!computed) {
    await db.updateTable('indicator_version').set(definition).where('indicator_id', '=', id).where('valid_to', 'is', null).execute();
    return;
  }
  const next = current.version + 1;
  await db.updateTable('indicator_version').set({ valid_to: sql`now()` }).where('indicator_id', '=', id).where('valid_to', 'is', null).execute();
  await db.insertInto('indicator_version').values({ indicator_id: id, version: next, ...definition, valid_from: sql`now()`, created_by: 'migration' }).execute();
  await db.updateTable('indicator').set({ version: next, valid_from: sql`now()` }).where('id', '=', id).execute();
}

async function bringAbout(db: Kysely<any>, kind: Kind, catalog: CatalogFile): Promise<void> {
  const { table, fields } = shapes[kind];
  const held = new Map<string, Row>();
  for (const row of (await db.selectFrom(table).select(['id', ...fields]).execute()) as Row[]) held.set(row.id, row);
  for (const seedRow of catalog.seed[kind]) {
    const want = seeded(kind, seedRow, catalog.seed.defaults);
    const have = held.get(want.id);
    if (!have) {
      await db.insertInto(table).values(columns(kind, want)).execute();
      if (kind === 'indicators') {
        await sql`INSERT INTO indicator_version (indicator_id, version, formula, min_base, lowest_level, valid_from, created_by)
          SELECT id, version, formula, min_base, lowest_level, created_at, 'migration' FROM indicator WHERE id = ${want.id}`.execute(db);
      }
      continue;
    }
    const earlier = catalog.earlier[kind][want.id] ?? {};
    const changes: Record<string, unknown> = {};
    for (const field of fields) {
      const value = canonical(have[field]);
      if (value === canonical(want[field])) continue;
      if ((earlier[field] ?? []).some((v) => canonical(v) === value)) changes[field] = want[field];
    }
    if (Object.keys(changes).length === 0) continue;
    if (kind === 'indicators' && definitionFields.some((f) => f in changes)) {
      await indicatorDefinition(db, want.id, have, { ...have, ...changes });
    }
    await db
      .updateTable(table)
      .set({ ...columns(kind, changes), ...(kind === 'agencies' ? {} : { updated_at: sql`now()` }) })
      .where('id', '=', want.id)
      .execute();
  }
  for (const id of catalog.vanished[kind]) {
    if (!held.has(id)) continue;
    if (kind !== 'agencies' && (await referenced(db, table, id))) {
      await db.updateTable(table).set({ status: 'retired', updated_at: sql`now()` }).where('id', '=', id).execute();
    } else {
      await db.deleteFrom(table).where('id', '=', id).execute();
    }
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  const catalog = JSON.parse(readFileSync(catalogUrl, 'utf8')) as CatalogFile;
  const queued = await sql<{ last: string }>`SELECT coalesce(max(id), 0)::text AS last FROM indicator_recompute_queue`.execute(db);
  for (const kind of ['agencies', 'variables', 'indicators'] as const) await bringAbout(db, kind, catalog);
  for (const target of catalog.seed.targets) {
    const exists = await db.selectFrom('indicator_target').select('id').where('indicator_id', '=', target.indicator_id as string)
      .where('scope', '=', target.scope as string).where('period_from', '=', target.period_from as string).where('ended_at', 'is', null).executeTakeFirst();
    if (!exists) await db.insertInto('indicator_target').values({ ...target, created_by: 'migration' }).execute();
  }
  // the catalog triggers queued the recompute of what changed; a full recompute still pending (a database that never
  // computed, such as a fresh one) covers it already
  const last = queued.rows[0]?.last ?? '0';
  const full = await sql`SELECT 1 FROM indicator_recompute_queue WHERE kind = 'full' AND id <= ${last}::bigint LIMIT 1`.execute(db);
  if (full.rows.length > 0) await sql`DELETE FROM indicator_recompute_queue WHERE id > ${last}::bigint`.execute(db);
}

export async function down(): Promise<void> {
  // the definitions it replaced are not restored: which earlier seed a database had is not known (see the file's earlier values)
}
