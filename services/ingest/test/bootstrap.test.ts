// The bundled real data as a new user finds it: residents, MSS indicators and Kitas, loaded as batches.
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

t.test('residents of 30 June 2022 per Planungsraum are the published totals', async (t) => {
  const published = new Map(table('einwohner-plr-2022-06-30.csv').filter((r) => /^\d+$/.test(r.Gesamt!)).map((r) => [r['PLR-ID']!, Number(r.Gesamt)]));
  const res = await app.inject({ url: '/v1/variables/einwohner/observations?level=planungsraum&date=2022-06-30&breakdown=total' });
  t.equal(res.statusCode, 200);
  const got = new Map(res.json().observations.map((o: { unit: string; value: number }) => [o.unit, o.value]));
  t.same(got, published);
  const berlin = await app.inject({ url: '/v1/variables/einwohner/observations?level=berlin&date=2022-06-30&breakdown=total' });
  const total = [...published.values()].reduce((a, b) => a + b, 0);
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

t.test('MSS 2021 context indicators and residents of 31.12.2020 are loaded', async (t) => {
  const rows = table('mss-2021-kontextindikatoren-plr.csv');
  const row = rows.find((r) => r.K06?.startsWith('-'))!;
  const res = await app.inject({ url: `/v1/variables/mss_k06/observations?unit=${row['PLR-ID']}` });
  // the rates come from the open-lifeworlds MSS 2021 file (5 decimals); the context table has them to 2 decimals
  const native = res.json().observations.filter((o: { version?: string; lorVersion?: string }) => (o.lorVersion ?? o.version ?? '2021') === '2021');
  t.same(native.map((o: { value: number; date: string }) => [o.date, o.value.toFixed(2)]), [['2020-12-31', Number(row.K06).toFixed(2)]], 'negative rates in Prozentpunkte are kept');
  const ew = await app.inject({ url: `/v1/variables/einwohner/observations?unit=${row['PLR-ID']}&date=2020-12-31` });
  t.equal(ew.json().observations[0].value, Number(row['EW 31.12.2020']));
});

t.test('Kitas are joined to Prognoseräume: counts and places add up to the file', async (t) => {
  const doc = JSON.parse(readFileSync(new URL('facilities/kitas-2022-12.geojson', sharedData), 'utf8')) as { features: { properties: { e_platz: string } }[] };
  const places = doc.features.reduce((n, f) => n + Number(f.properties.e_platz), 0);
  const kitas = await app.inject({ url: '/v1/variables/kitas/observations?level=berlin&date=2022-12-31' });
  const plaetze = await app.inject({ url: '/v1/variables/kita_plaetze/observations?level=berlin&date=2022-12-31' });
  t.equal(kitas.json().observations[0].value, doc.features.length);
  t.equal(plaetze.json().observations[0].value, places);
  const levels = await sql<{ level: string; n: number }>`SELECT level, count(*)::int AS n FROM observation WHERE variable_id = 'kitas' GROUP BY level`.execute(db);
  const pgr = await db.selectFrom('lor_unit').select('id').where('version', '=', '2021').where('level', '=', 'prognoseraum').execute();
  t.same(levels.rows, [{ level: 'prognoseraum', n: pgr.length }], 'one count per Prognoseraum, zeros included');
});

t.test('everything came in as accepted batches of the pipeline, with finished_at', async (t) => {
  const batches = await db.selectFrom('ingest_batch').select(['variable_id', 'status', 'finished_at']).execute();
  t.ok(batches.length >= 18);
  t.ok(batches.every((b) => b.status === 'accepted' && b.finished_at), JSON.stringify(batches.filter((b) => b.status !== 'accepted')));
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
