// OGC API Features collections indicator-{id}: units of a level with the values of a date, for choropleths.
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { applySecondary, byKey, Sums, simpleValues } from './expected.ts';
import { DISTRICT, loadFixture } from './fixture.ts';

const { app, database } = await testGateway(t);
const fixture = await loadFixture(database);
const simple = simpleValues(new Sums(fixture.observations));
applySecondary(simple);
const hand = byKey(simple);
const close = (a: number | null | undefined, b: number | null | undefined) =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9);

interface Feature {
  id: string;
  properties: { level: string; date: string; value: number | null; status: string; name: string | null; district: number | null };
}

t.test('the collections list an indicator layer per indicator', async (t) => {
  const res = await app.inject({ url: '/collections?f=json' });
  t.equal(res.statusCode, 200);
  const ids = res.json().collections.map((c: { id: string }) => c.id);
  t.ok(ids.includes('indicator-tx_volumen'));
  const one = await app.inject({ url: '/collections/indicator-tx_volumen?f=json' });
  t.equal(one.statusCode, 200);
  t.match(one.json().extent.temporal.interval, [['2019-12-31', '2022-12-31']]);
});

t.test('items default to the Planungsräume of the latest year, with the hand-computed values', async (t) => {
  const res = await app.inject({ url: '/collections/indicator-tx_volumen/items?f=json&limit=100' });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.numberMatched, fixture.plr.length);
  for (const f of body.features as Feature[]) {
    const unit = f.id.split('_')[0];
    const e = hand.get(`tx_volumen|planungsraum|${unit}|2022|`);
    if (f.properties.level !== 'planungsraum' || f.properties.date !== '2022-12-31' || !close(f.properties.value, e?.suppressed ? null : (e?.value ?? null))) {
      t.fail(JSON.stringify(f));
    }
  }
  t.pass('every feature checked');
});

t.test('datetime selects the year, a CQL2 filter on level the level', async (t) => {
  const res = await app.inject({ url: `/collections/indicator-tx_volumen/items?f=json&datetime=2020-12-31&filter=${encodeURIComponent("level='bezirk'")}` });
  t.equal(res.statusCode, 200);
  const features = res.json().features as Feature[];
  t.equal(features.length, 1);
  t.equal(features[0]?.id, `${DISTRICT}_2020`);
  t.ok(close(features[0]?.properties.value, hand.get(`tx_volumen|bezirk|${DISTRICT}|2020|`)?.value));
  const regions = await app.inject({ url: `/collections/indicator-tx_volumen/items?f=json&filter=${encodeURIComponent("level='bezirksregion'")}` });
  t.equal(regions.json().numberMatched, new Set(fixture.plr.map((p) => p.bzr)).size);
});

t.test('bbox selects the units it touches, in CRS84 and beyond the storage CRS', async (t) => {
  const { sql } = await import('@datenpool/db');
  // a small box around a point inside the fixture's district, and one inside another district (no values there)
  const { rows } = await sql<{ id: string; x: number; y: number }>`SELECT id, ST_X(p) AS x, ST_Y(p) AS y
    FROM (SELECT id, ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM lor_unit
      WHERE version = '2021' AND level = 'bezirk' AND id IN (${DISTRICT}, '05')) q ORDER BY id`.execute(database.db);
  const box = (r: { x: number; y: number }) => [r.x - 0.001, r.y - 0.001, r.x + 0.001, r.y + 0.001].join(',');
  const items = async (bbox: string) => {
    const res = await app.inject({
      url: `/collections/indicator-tx_volumen/items?f=json&bbox=${bbox}&filter=${encodeURIComponent("level='bezirk'")}`,
    });
    t.equal(res.statusCode, 200, bbox);
    return (res.json().features as Feature[]).map((f) => f.id.split('_')[0]);
  };
  const inside = rows.find((r) => r.id === DISTRICT);
  const elsewhere = rows.find((r) => r.id !== DISTRICT);
  t.ok(inside && elsewhere, 'both districts have geometry');
  t.same(await items(box(inside!)), [DISTRICT]);
  t.same(await items(box(elsewhere!)), []);
  // a world-wide box lies mostly outside what UTM 33 can represent: clipped before the transform, not an error
  t.same(await items('-180,-90,180,90'), [DISTRICT]);
});

t.test('one feature by id; suppressed values have no value', async (t) => {
  const unit = fixture.plr[1]?.id as string;
  const res = await app.inject({ url: `/collections/indicator-tx_sgb2_anteil/items/${unit}_2022?f=json` });
  t.equal(res.statusCode, 200);
  t.match(res.json().properties, { status: 'suppressed', value: null });
  t.equal((await app.inject({ url: '/collections/indicator-tx_sgb2_anteil/items/nope?f=json' })).statusCode, 404);
});
