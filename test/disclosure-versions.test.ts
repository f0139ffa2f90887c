// Disclosure across LOR versions: Bezirke and Berlin are the same territory in 2006 and 2021, so a landing in 2021 that
// withholds a Bezirk's count withholds the same Bezirk's 2006 count too (else the published one gives the withheld one
// away). The 2006 indicators that read that count must follow: the landing queues them with its own, and once they
// are recomputed they show no numerator the observations withhold.
import t from 'tap';
import { addKey } from '../services/ingest/test/fixtures.ts';
import { testGateway } from './support/app.ts';
import { indicatorsCaughtUp } from './support/indicators.ts';

const COUNT = 'dv_count';
const BASE = 'dv_base';
const INDICATOR = 'dv_share';
const DATE = '2024-12-31';

const { app, database } = await testGateway(t);
const { db } = database;
const admin = await addKey(db, null, ['admin']);
const bezirke = (await db.selectFrom('lor_unit').select('id').where('version', '=', '2021').where('level', '=', 'bezirk').orderBy('id').execute()).map(
  (r) => r.id,
);
const [first] = bezirke as [string];

await db.insertInto('agency').values({ id: 'dv-agency', name: 'Disclosure versions test agency', kind: 'other' }).execute();
for (const [id, threshold] of [[COUNT, 5], [BASE, 0]] as const) {
  await db
    .insertInto('variable')
    .values({
      id, label_de: id, label_en: id, unit: 'persons', value_kind: 'count', aggregation: 'sum', finest_level: 'bezirk',
      reference_date: '12-31', breakdowns: '{}', disclosure_threshold: threshold, agency_id: 'dv-agency', status: 'active',
    })
    .execute();
}
await db
  .insertInto('indicator')
  .values({
    id: INDICATOR, zielbereich: 'Demografie', label_de: 'Anteil', label_en: 'share', polarity: 'neutral', core: false, min_base: 0,
    formula: JSON.stringify({ kind: 'share', numerator: COUNT, denominator: BASE, factor: 100 }),
  })
  .execute();

async function push(variable: string, version: string, value: (unit: string) => number) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/variables/${variable}/observations?lorVersion=${version}`,
    headers: { authorization: `Bearer ${admin}` },
    payload: { observations: bezirke.map((unit) => ({ unit, date: DATE, value: value(unit) })) },
  });
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
}

const count2006 = async () =>
  (await app.inject({ url: `/v1/variables/${COUNT}/observations?lorVersion=2006&level=bezirk&date=${DATE}&unit=${first}` })).json().observations[0];
const share2006 = () =>
  db.selectFrom('indicator_value').select(['status', 'value', 'numerator']).where('indicator_id', '=', INDICATOR).where('lor_version', '=', '2006')
    .where('level', '=', 'bezirk').where('unit_id', '=', first).where('ref_date', '=', DATE).executeTakeFirst();

for (const version of ['2006', '2021']) await push(BASE, version, () => 1000);
await push(COUNT, '2006', () => 100);
await indicatorsCaughtUp(database);

t.test('before: the 2006 count and the share computed from it are published', async (t) => {
  t.match(await count2006(), { value: 100, suppression: null });
  t.match(await share2006(), { status: 'ok', value: 10, numerator: 100 });
});

t.test('a 2021 landing that withholds a Bezirk withholds it in 2006 too, and queues the 2006 indicators', async (t) => {
  await db.deleteFrom('indicator_recompute_queue').execute();
  await push(COUNT, '2021', (unit) => (unit === first ? 2 : 100));
  t.match(await count2006(), { value: null, suppression: 'secondary' }, 'the same territory in 2006 is withheld with it');
  const queued = await db.selectFrom('indicator_recompute_queue').select(['lor_version', 'ref_years', 'reason']).where('variable_id', '=', COUNT).execute();
  t.ok(
    queued.some((e) => e.lor_version === '2006' && e.ref_years?.includes(2024)),
    `the 2006 values of the year are queued with the landing (queued: ${JSON.stringify(queued)})`,
  );
  await indicatorsCaughtUp(database);
  t.match(await share2006(), { status: 'suppressed', value: null }, 'the 2006 share is withheld where its count is');
  const published = await db.selectFrom('indicator_value_published').select(['numerator', 'value']).where('indicator_id', '=', INDICATOR)
    .where('lor_version', '=', '2006').where('level', '=', 'bezirk').where('unit_id', '=', first).where('ref_date', '=', DATE).executeTakeFirst();
  t.match(published, { value: null, numerator: null }, 'and publishes no numerator that gives the count away');
});
