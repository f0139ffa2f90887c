// The bundled real data as a new user finds it, loaded as batches (the datasets' own checks: bundle-ewr, facilities-bundle and mss tests).
import { readFileSync } from 'node:fs';
import { sql } from '@datenpool/db';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import { parse } from 'csv-parse/sync';
import type { FastifyBaseLogger } from 'fastify';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { testDatabase } from '../../../test/support/database.ts';
import { bootstrapIngest } from '../src/bootstrap.ts';
import { sharedData } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;
const table = (file: string) =>
  parse(readFileSync(new URL(`stats/${file}`, sharedData)), { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];

t.test('residents of 30 June 2022 per Planungsraum equal a second publication of that date', async (t) => {
  // jascha-je/Data-Visualization's copy of the same Stichtag, published apart from the Einwohnerregister files loaded
  const published = new Map(table('einwohner-plr-2022-06-30.csv').filter((r) => /^\d+$/.test(r.Gesamt!)).map((r) => [r['PLR-ID']!, Number(r.Gesamt)]));
  const res = await app.inject({ url: '/v1/variables/einwohner/observations?level=planungsraum&date=2022-06-30&breakdown=total&limit=10000' });
  t.equal(res.statusCode, 200);
  const got = new Map(res.json().observations.map((o: { unit: string; value: number }) => [o.unit, o.value]));
  t.equal(got.size, 542);
  t.same([...published].filter(([id, v]) => got.get(id) !== v), [], 'every published Planungsraum total is the stored one');
  const berlin = await app.inject({ url: '/v1/variables/einwohner/observations?level=berlin&date=2022-06-30&breakdown=total' });
  const total = [...got.values()].reduce((a: number, b) => a + (b as number), 0);
  t.same(berlin.json().observations.map((o: { value: number; derived: boolean }) => [o.value, o.derived]), [[total, true]], 'Berlin is the roll-up');
});

t.test('age bands, women and foreigners are one-dimension marginals', async (t) => {
  const rows = table('einwohner-plr-2022-06-30.csv');
  const under6 = rows.reduce((n, r) => n + (/^\d+$/.test(r.unter6!) ? Number(r.unter6) : 0), 0);
  const res = await app.inject({ url: '/v1/variables/einwohner/observations?level=berlin&date=2022-06-30&breakdown=age=unter6' });
  t.equal(res.json().observations[0].value, under6);
  const codes = await sql<{ breakdown: string }>`SELECT DISTINCT breakdown FROM observation WHERE variable_id = 'einwohner' AND ref_date = '2022-06-30' ORDER BY 1`.execute(db);
  t.same(codes.rows.map((r) => r.breakdown), ['', 'age=15-18', 'age=18-27', 'age=27-45', 'age=45-55', 'age=55-65', 'age=6-15', 'age=65undmehr', 'age=unter6', 'citizenship=auslaendisch', 'sex=weiblich']);
});

t.test('everything came in as batches of the pipeline, with finished_at; partial ones only by documented defects', async (t) => {
  const batches = await db.selectFrom('ingest_batch').select(['variable_id', 'status', 'finished_at', 'errors']).execute();
  t.ok(batches.length >= 100, `${batches.length} batches`);
  t.ok(batches.every((b) => (b.status === 'accepted' || b.status === 'partial') && b.finished_at), JSON.stringify(batches.filter((b) => b.status !== 'accepted' && b.status !== 'partial').map((b) => b.variable_id)));
  // the crime atlas's unassignable BB9900 rows and its one "Eso" cell (data/stats/SOURCES.md)
  t.same([...new Set(batches.filter((b) => b.status === 'partial').map((b) => b.variable_id))], ['straftaten']);
  const orphans = await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation o WHERE NOT EXISTS (SELECT 1 FROM ingest_batch b WHERE b.id = o.batch_id)`.execute(db);
  t.equal(orphans.rows[0]!.n, 0);
});

t.test('bootstrap again on a database with observations does nothing', async (t) => {
  const before = await db.selectFrom('ingest_batch').select('id').execute();
  await bootstrapIngest({ config: serviceConfigFromEnv({}), database }, app.log);
  const after = await db.selectFrom('ingest_batch').select('id').execute();
  t.equal(after.length, before.length);
});

t.test('without LOR units the bootstrap skips with a warning instead of failing', async (t) => {
  const empty = await testDatabase(t, { empty: true });
  const lines: string[] = [];
  const record = (_obj: unknown, msg?: string) => void lines.push(String(msg));
  const log = { warn: record, info: record, error: record, debug: () => {}, trace: () => {}, fatal: record } as unknown as FastifyBaseLogger;
  await bootstrapIngest({ config: serviceConfigFromEnv({}), database: empty }, log);
  const n = await empty.db.selectFrom('observation').select('id').execute();
  t.equal(n.length, 0);
  t.ok(lines.some((l) => /skipped/.test(l)), 'a warning names what was skipped');
});
