// Upgrades: a database created at the previous head, with data and API edits, migrated to the head has the catalog a
// fresh database has (the one its migrations wrote), keeps its data and edits, and the newest seed migration holds
// services/metadata/seed/catalog.json as it is (an edit of that file needs a new migration). PostgreSQL and PGlite.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createDb, createMigrator, type DatabaseHandle, type Kysely, migrateToLatest, migrationsFolder, sql } from '@datenpool/db';
import pg from 'pg';
import t, { type Test } from 'tap';
import { serverUrl, urlForDatabase } from './support/database.ts';

type Row = Record<string, unknown> & { id: string };
interface SeedFile {
  defaults: { variable: Record<string, unknown>; indicator: Record<string, unknown> };
  agencies: Row[];
  variables: Row[];
  indicators: Row[];
  targets: unknown[];
}

const seed = JSON.parse(readFileSync(new URL('../services/metadata/seed/catalog.json', import.meta.url), 'utf8')) as SeedFile;
const oldSeed = JSON.parse(readFileSync(new URL('../migrations/0021_catalog_seed.json', import.meta.url), 'utf8')) as SeedFile;
const fields = {
  agency: ['name', 'kind', 'contact'],
  variable: ['label_de', 'label_en', 'description', 'unit', 'value_kind', 'aggregation', 'rate_base', 'finest_level', 'periodicity', 'reference_date', 'breakdowns', 'disclosure_threshold', 'agency_id', 'licence', 'access', 'status'],
  indicator: ['zielbereich', 'label_de', 'label_en', 'description', 'unit', 'formula', 'polarity', 'core', 'lowest_level', 'min_base', 'availability', 'status', 'version', 'agency_id'],
} as const;

/** JSON with sorted keys (jsonb does not keep key order) */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** the catalog a database holds: every seeded field of agencies, variables and indicators, the indicator versions */
async function catalogOf(db: Kysely<any>) {
  const rows = async (table: keyof typeof fields) =>
    new Map(((await db.selectFrom(table).select(['id', ...fields[table]]).orderBy('id').execute()) as Row[]).map((r) => [r.id, canonical(r)]));
  const versions = await db
    .selectFrom('indicator_version')
    .select(['indicator_id', 'version', 'formula', 'min_base', 'lowest_level', 'created_by', sql<boolean>`valid_to IS NULL`.as('current')])
    .orderBy('indicator_id')
    .orderBy('version')
    .execute();
  const targets = await db.selectFrom('indicator_target').select(['indicator_id', 'scope', 'period_from', 'period_to', 'target_value']).orderBy('id').execute();
  return {
    agency: await rows('agency'),
    variable: await rows('variable'),
    indicator: await rows('indicator'),
    versions: new Map(versions.map((v) => [`${v.indicator_id} v${v.version}`, canonical(v)])),
    targets: targets.map(canonical),
  };
}

/** the names of the migrations in order, and the one before the newest catalog migration */
const migrationNames = readdirSync(migrationsFolder).filter((f) => /^\d{4}_.*\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
const seedMigrations = readdirSync(migrationsFolder).filter((f) => /^\d{4}_catalog_seed\.json$/.test(f)).sort();
const newestSeed = seedMigrations.at(-1)!;
const previousHead = migrationNames[migrationNames.indexOf(newestSeed.replace(/\.json$/, '')) - 1]!;

/** the seed without its comments (`$comment`): a comment changes no row */
function withoutComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutComments);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('$')).map(([k, v]) => [k, withoutComments(v)]));
}

t.test('the newest catalog migration holds services/metadata/seed/catalog.json as it is', async (t) => {
  const frozen = JSON.parse(readFileSync(new URL(`../migrations/${newestSeed}`, import.meta.url), 'utf8')) as { seed: SeedFile };
  t.equal(
    canonical(withoutComments(frozen.seed)),
    canonical(withoutComments(seed)),
    `catalog.json differs from ${newestSeed}: an edited seed needs a new migration that brings it about`,
  );
  t.not(canonical(oldSeed), canonical(seed), '0021 keeps the seed it was written with');
});

async function withServerDatabase(t: Test): Promise<DatabaseHandle> {
  const name = `dp_upgrade_${randomBytes(6).toString('hex')}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: serverUrl() });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name} TEMPLATE template0`);
  const handle = await createDb({ databaseUrl: urlForDatabase(name), dataDir: '', poolMax: 2, statementTimeoutMs: 120_000 });
  t.teardown(async () => {
    await handle.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return handle;
}

/**
 * at the previous head: observations of a variable the seed kept and of one it dropped (mss2021_k01, referenced: it
 * is retired, not deleted), an indicator value of an indicator whose formula the seed changed, two edits made through
 * the API, and a recompute queue the worker has consumed
 */
async function loadAtPreviousHead(db: Kysely<any>): Promise<void> {
  const batch = randomUUID();
  await db.insertInto('ingest_batch').values({ id: batch, variable_id: 'einwohner', lor_version: '2021', status: 'accepted' }).execute();
  await db
    .insertInto('observation')
    .values([
      { variable_id: 'einwohner', lor_version: '2021', level: 'planungsraum', unit_id: '01100101', ref_date: '2023-12-31', value: 4711, batch_id: batch },
      { variable_id: 'mss2021_k01', lor_version: '2021', level: 'planungsraum', unit_id: '01100101', ref_date: '2020-12-31', value: 7.5, batch_id: batch },
    ])
    .execute();
  await db
    .insertInto('indicator_value')
    .values({ indicator_id: 'status_dynamik_index', lor_version: '2021', level: 'planungsraum', unit_id: '01100101', ref_date: '2020-12-31', breakdown: '', value: 1, status: 'ok' })
    .execute();
  await db.updateTable('variable').set({ disclosure_threshold: 5 }).where('id', '=', 'einwohner').execute();
  await db.updateTable('indicator').set({ label_en: 'Old-age dependency (edited)' }).where('id', '=', 'altenquotient').execute();
  await db.deleteFrom('indicator_recompute_queue').execute();
}

async function upgradeAgainstFresh(t: Test, upgraded: Kysely<any>, fresh: Kysely<any>): Promise<void> {
  const migrator = createMigrator(upgraded);
  const to = await migrator.migrateTo(previousHead);
  t.error(to.error, `migrated to ${previousHead}`);
  t.equal(canonical((await upgraded.selectFrom('indicator').select('formula').where('id', '=', 'status_dynamik_index').executeTakeFirstOrThrow()).formula),
    canonical(oldSeed.indicators.find((i) => i.id === 'status_dynamik_index')!.formula), 'the older database has the old index formula');
  await loadAtPreviousHead(upgraded);
  const head = await migrator.migrateToLatest();
  t.error(head.error, 'migrated to the head');
  t.same(head.results?.map((r) => r.status), head.results?.map(() => 'Success'));
  await migrateToLatest(fresh);

  const mine = await catalogOf(upgraded);
  const theirs = await catalogOf(fresh);
  t.same([...mine.agency], [...theirs.agency], 'agencies as fresh');
  t.same(mine.targets, theirs.targets, 'targets as fresh');

  // the edits made through the API and the data stay; everything else is the fresh catalog
  const kept = (table: 'variable' | 'indicator', id: string, patch: Record<string, unknown>) => {
    const row = JSON.parse(theirs[table].get(id)!) as Record<string, unknown>;
    return canonical({ ...row, ...patch });
  };
  const expectVariables = new Map(theirs.variable);
  expectVariables.set('einwohner', kept('variable', 'einwohner', { disclosure_threshold: 5 }));
  const oldK01 = { ...oldSeed.defaults.variable, ...oldSeed.variables.find((v) => v.id === 'mss2021_k01')!, rate_base: null, status: 'retired' };
  expectVariables.set('mss2021_k01', canonical(Object.fromEntries(['id', ...fields.variable].map((f) => [f, oldK01[f as keyof typeof oldK01] ?? null]))));
  t.same([...mine.variable].sort(), [...expectVariables].sort(), 'variables as fresh, but the edited threshold and the retired variable that has data');
  t.notOk(mine.variable.has('mss2021_k02'), 'a dropped variable without data is deleted');

  const expectIndicators = new Map(theirs.indicator);
  expectIndicators.set('altenquotient', kept('indicator', 'altenquotient', { label_en: 'Old-age dependency (edited)' }));
  expectIndicators.set('status_dynamik_index', kept('indicator', 'status_dynamik_index', { version: 2 }));
  t.same([...mine.indicator].sort(), [...expectIndicators].sort(), 'indicators as fresh, but the edited label and the new version of the one with values');

  const index = JSON.parse(theirs.versions.get('status_dynamik_index v1')!) as Record<string, unknown>;
  const expectVersions = new Map(theirs.versions);
  expectVersions.set('status_dynamik_index v1', canonical({ ...index, formula: oldSeed.indicators.find((i) => i.id === 'status_dynamik_index')!.formula, current: false }));
  expectVersions.set('status_dynamik_index v2', canonical({ ...index, version: 2 }));
  t.same([...mine.versions].sort(), [...expectVersions].sort(), 'versions as fresh; the indicator computed under the old formula keeps it as version 1');

  const observations = await upgraded.selectFrom('observation').select(['variable_id', 'value']).orderBy('variable_id').execute();
  t.same(observations, [{ variable_id: 'einwohner', value: 4711 }, { variable_id: 'mss2021_k01', value: 7.5 }], 'observations kept');
  const queued = await upgraded.selectFrom('indicator_recompute_queue').select(['kind', 'indicator_id', 'variable_id']).execute();
  const changedFormulas = seed.indicators
    .filter((i) => {
      const before = oldSeed.indicators.find((o) => o.id === i.id);
      return before && canonical(before.formula) !== canonical(i.formula);
    })
    .map((i) => i.id);
  t.ok(changedFormulas.length > 0, `${changedFormulas.length} formulas changed since 0021`);
  for (const id of changedFormulas) t.ok(queued.some((q) => q.kind === 'indicator' && q.indicator_id === id), `the recompute of ${id} is queued`);
  const freshQueue = await fresh.selectFrom('indicator_recompute_queue').select(['kind', 'reason']).execute();
  t.same(freshQueue, [{ kind: 'full', reason: 'migration 0054' }], 'a fresh database queues one full recompute, as before');
}

t.test(`a PostgreSQL database created at ${previousHead} and migrated to the head has the fresh catalog`, async (t) => {
  const upgraded = await withServerDatabase(t);
  const fresh = await withServerDatabase(t);
  await upgradeAgainstFresh(t, upgraded.db, fresh.db);

  // the fresh catalog is the seed, field by field (derived from catalog.json here, not from the migration)
  const theirs = await catalogOf(fresh.db);
  const fromSeed = (defaults: Record<string, unknown>, row: Row, names: readonly string[]) =>
    canonical(Object.fromEntries(['id', ...names].map((f) => [f, ({ ...defaults, ...row } as Record<string, unknown>)[f] ?? null])));
  t.same([...theirs.agency].sort(), seed.agencies.map((a) => [a.id, fromSeed({}, a, fields.agency)]).sort(), 'agencies of the seed');
  t.same([...theirs.variable].sort(), seed.variables.map((v) => [v.id, fromSeed(seed.defaults.variable, v, fields.variable)]).sort(), 'variables of the seed');
  t.same(
    [...theirs.indicator].sort(),
    seed.indicators.map((i) => [i.id, fromSeed({ ...seed.defaults.indicator, version: 1, agency_id: null }, i, fields.indicator)]).sort(),
    'indicators of the seed, each at version 1',
  );
});

t.test(`a PGlite database created at ${previousHead} and migrated to the head has the fresh catalog`, async (t) => {
  const upgraded = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 120_000 });
  t.teardown(() => upgraded.close());
  const fresh = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 120_000 });
  t.teardown(() => fresh.close());
  await upgradeAgainstFresh(t, upgraded.db, fresh.db);
});

t.test('a database whose 0021 read the seed of the day before 0061 (as 0021 did until then) is left as it is', async (t) => {
  const upgraded = await withServerDatabase(t);
  const fresh = await withServerDatabase(t);
  const db = upgraded.db as Kysely<any>;
  const migrator = createMigrator(db);
  t.error((await migrator.migrateTo('0020_metadata')).error);
  // what 0021 wrote while it read services/metadata/seed/catalog.json: that file, rate kinds left to 0052
  await db.insertInto('agency').values(seed.agencies).execute();
  await db
    .insertInto('variable')
    .values(
      seed.variables.map((v) => {
        const { rate_base: _base, ...row } = { ...seed.defaults.variable, ...v } as Record<string, unknown>;
        return { ...row, value_kind: row.value_kind === 'rate' ? 'measure' : row.value_kind, breakdowns: JSON.stringify(row.breakdowns) };
      }),
    )
    .execute();
  await db.insertInto('indicator').values(seed.indicators.map((i) => ({ ...seed.defaults.indicator, ...i, formula: JSON.stringify(i.formula) }))).execute();
  await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('0021_catalog_seed', ${new Date().toISOString()})`.execute(db);
  t.error((await migrator.migrateTo(previousHead)).error, `migrated to ${previousHead}`);
  await db
    .insertInto('indicator_value')
    .values({ indicator_id: 'status_dynamik_index', lor_version: '2021', level: 'planungsraum', unit_id: '01100101', ref_date: '2020-12-31', breakdown: '', value: 1, status: 'ok' })
    .execute();
  await db.deleteFrom('indicator_recompute_queue').execute();
  t.error((await migrator.migrateToLatest()).error, 'migrated to the head');
  await migrateToLatest(fresh.db);
  const mine = await catalogOf(upgraded.db);
  const theirs = await catalogOf(fresh.db);
  for (const part of ['agency', 'variable', 'indicator', 'versions'] as const) t.same([...mine[part]].sort(), [...theirs[part]].sort(), `${part} as fresh`);
  t.same(await db.selectFrom('indicator_recompute_queue').select('kind').execute(), [], 'nothing changed, nothing to recompute');
});
