// Target indicators: the targets API (who may set and end them, audit, bad input) and the distance to the target
// in values, series and profile after the recompute that a target change triggers; ended targets stop applying.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { indicatorsCaughtUp } from '../../../test/support/indicators.ts';
import { issueKey } from '../../metadata/test/fixtures/keys.ts';
import { DISTRICT, loadFixture } from './fixture.ts';

const { app, database } = await testGateway(t);
const db = database.db;
const fixture = await loadFixture(database);
const unit = fixture.plr[3]?.id as string;
const admin = await issueKey(db, ['admin']);
const office = await issueKey(db, ['metadata:write'], 'afs');
const officeUnbound = await issueKey(db, ['metadata:write']);
const agencyWriter = await issueKey(db, ['metadata:write'], 'senbjf');
const reader = await issueKey(db, ['read:restricted']);
const indicator = 'tx_volumen';
const url = `/v1/indicators/${indicator}/targets`;

const auditRows = async (action: string) =>
  (await sql<{ actor: string; target: string; detail: unknown }>`SELECT actor, target, detail FROM audit_log WHERE action = ${action} ORDER BY id`.execute(db)).rows;

t.test('setting a target needs a key (401), the metadata:write scope (403) and the statistics office (403)', async (t) => {
  const body = { scope: DISTRICT, periodFrom: '2020', periodTo: '2021', targetValue: 1 };
  const anonymous = await app.inject({ method: 'POST', url, payload: body });
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.headers['content-type'], /application\/problem\+json/);
  t.equal((await app.inject({ method: 'POST', url, payload: body, headers: reader.auth })).statusCode, 403, 'a key without metadata:write');
  const other = await app.inject({ method: 'POST', url, payload: body, headers: agencyWriter.auth });
  t.equal(other.statusCode, 403, 'a metadata:write key of another agency');
  t.match(other.json().detail, /statistics office/);
  t.equal((await app.inject({ method: 'POST', url: `${url.replace(indicator, 'tx_volumen')}/1/end`, headers: agencyWriter.auth })).statusCode, 403, 'nor end one');
  t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, 'reading is public');
  t.equal((await auditRows('indicator_target.create')).length, 0, 'nothing audited');
});

t.test('bad input is a 400 problem naming the field', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ scope: '13', periodFrom: '2020', periodTo: '2021', targetValue: 1 }, 'scope'],
    [{ scope: '0', periodFrom: '2020-02-30', periodTo: '2021', targetValue: 1 }, 'periodFrom'],
    [{ scope: '0', periodFrom: '2022', periodTo: '2021', targetValue: 1 }, 'periodTo'],
    [{ scope: '0', periodFrom: '2020', periodTo: '2021', targetValue: 'viel' }, 'targetValue'],
    [{ scope: '0', periodFrom: '2020', periodTo: '2021' }, 'targetValue'],
  ];
  for (const [payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url, payload, headers: admin.auth });
    t.equal(res.statusCode, 400, `${JSON.stringify(payload)} → 400`);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    const params = (res.json().invalidParams ?? []) as Array<{ pointer: string; name?: string }>;
    t.ok(params.some((p) => p.pointer.endsWith(`/${field}`) || p.name === field), `names ${field}: ${JSON.stringify(params)}`);
  }
  const missing = await app.inject({ method: 'POST', url: '/v1/indicators/kein_indikator/targets', payload: { scope: '0', periodFrom: '2020', periodTo: '2021', targetValue: 1 }, headers: admin.auth });
  t.equal(missing.statusCode, 404);
});

let districtTarget = 0;
let berlinTarget = 0;

t.test('the statistics office sets targets; each is audited; an overlapping one of the same scope is a 409', async (t) => {
  const district = await app.inject({
    method: 'POST',
    url,
    payload: { scope: DISTRICT, periodFrom: '2020', periodTo: '2021', targetValue: 4.5, note: 'Ziel des Bezirks' },
    headers: office.auth,
  });
  t.equal(district.statusCode, 201, district.body);
  t.match(district.json(), { indicatorId: indicator, scope: DISTRICT, periodFrom: '2020-01-01', periodTo: '2021-12-31', targetValue: 4.5, active: true, endedAt: null });
  districtTarget = district.json().id;
  const berlin = await app.inject({ method: 'POST', url, payload: { scope: 'berlin', periodFrom: '2019-01-01', periodTo: '2022-12-31', targetValue: 5 }, headers: officeUnbound.auth });
  t.equal(berlin.statusCode, 201, berlin.body);
  t.equal(berlin.json().scope, '0', 'Berlin is scope 0');
  berlinTarget = berlin.json().id;
  const clash = await app.inject({ method: 'POST', url, payload: { scope: '0', periodFrom: '2022', periodTo: '2023', targetValue: 6 }, headers: admin.auth });
  t.equal(clash.statusCode, 409);
  t.equal(clash.json().conflictingTarget, berlinTarget);
  const audits = await auditRows('indicator_target.create');
  t.equal(audits.length, 2, 'two creations audited');
  t.equal(audits[0]?.actor, `key:${office.id}`);
  t.equal(audits[0]?.target, `indicator:${indicator}/target:${districtTarget}`);
  t.match(audits[0]?.detail, { scope: DISTRICT, targetValue: 4.5, periodFrom: '2020-01-01' });
  const list = (await app.inject({ url })).json();
  t.same(list.targets.map((x: { id: number }) => x.id).sort(), [districtTarget, berlinTarget].sort());
});

/** the unit's, district's and Berlin's values of an indicator per year, from the API */
async function seriesOf(indicatorId: string) {
  const res = await app.inject({ url: `/v1/indicators/${indicatorId}/series?unit=${unit}` });
  t.equal(res.statusCode, 200);
  return res.json() as { series: Array<{ date: string; value: number | null; target: number | null; targetDistance: number | null }>; berlin: Array<{ date: string; value: number; target: number | null; targetDistance: number | null }> };
}

t.test('after the recompute the distance to the target is in values, series and profile: district before Berlin', async (t) => {
  // the target changes queued their indicator; the worker recomputes it
  await indicatorsCaughtUp(database);
  const values = (await app.inject({ url: `/v1/indicators/${indicator}/values?level=planungsraum&date=2021` })).json();
  t.ok(values.values.length > 10);
  for (const v of values.values) {
    if (v.value === null) continue;
    t.equal(v.target, 4.5, `${v.unit} 2021: the district's target`);
    if (Math.abs(v.targetDistance - (v.value - 4.5)) > 1e-9) t.fail(`${v.unit}: distance ${v.targetDistance} ≠ ${v.value} − 4.5`);
  }
  const series = await seriesOf(indicator);
  const byYear = new Map(series.series.map((s) => [s.date.slice(0, 4), s]));
  t.equal(byYear.get('2019')?.target, 5, '2019: only Berlin\'s target applies');
  t.equal(byYear.get('2020')?.target, 4.5, '2020: the district\'s');
  t.equal(byYear.get('2022')?.target, 5, '2022: Berlin\'s again');
  for (const s of series.series) if (s.value !== null && s.target !== null) t.ok(Math.abs((s.targetDistance as number) - (s.value - s.target)) < 1e-9, `${s.date} distance`);
  t.ok(series.berlin.every((b) => b.target === 5), "Berlin's own values measure against Berlin's target");
  const profile = (await app.inject({ url: `/v1/units/${unit}/profile`, headers: { accept: 'application/json' } })).json();
  const entry = profile.zielbereiche.flatMap((z: { indicators: unknown[] }) => z.indicators).find((i: { indicator: string }) => i.indicator === indicator);
  t.equal(entry.value.date, '2022-12-31');
  t.equal(entry.value.target, 5);
  t.ok(Math.abs(entry.value.targetDistance - (entry.value.value - 5)) < 1e-9, 'profile: distance of the latest value');
  const s2020 = entry.series.find((s: { date: string }) => s.date === '2020-12-31');
  t.equal(s2020.target, 4.5, 'profile series carries the targets');
  const page = await app.inject({ url: `/v1/units/${unit}/profile`, headers: { accept: 'text/html' } });
  t.match(page.body, /Abstand/);
});

t.test('ending a target keeps it as history, is audited, and it stops applying', async (t) => {
  const ended = await app.inject({ method: 'POST', url: `${url}/${districtTarget}/end`, headers: office.auth });
  t.equal(ended.statusCode, 200, ended.body);
  t.match(ended.json(), { id: districtTarget, active: false, endedBy: `key:${office.id}` });
  t.ok(ended.json().endedAt);
  t.equal((await app.inject({ method: 'POST', url: `${url}/${districtTarget}/end`, headers: office.auth })).statusCode, 409, 'twice is a conflict');
  t.equal((await app.inject({ method: 'POST', url: `${url}/999999/end`, headers: office.auth })).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: `${url}/abc/end`, headers: office.auth })).statusCode, 400);
  const active = (await app.inject({ url })).json().targets.map((x: { id: number }) => x.id);
  t.same(active, [berlinTarget], 'the active list');
  const history = (await app.inject({ url: `${url}?ended=true` })).json().targets;
  t.equal(history.length, 2, 'the history keeps the ended one');
  t.match(await auditRows('indicator_target.end'), [{ actor: `key:${office.id}`, target: `indicator:${indicator}/target:${districtTarget}` }]);
  await indicatorsCaughtUp(database);
  const series = await seriesOf(indicator);
  const y2020 = series.series.find((s) => s.date === '2020-12-31');
  t.equal(y2020?.target, 5, "2020: the district's target no longer applies, Berlin's does");
  const endBerlin = await app.inject({ method: 'POST', url: `${url}/${berlinTarget}/end`, headers: admin.auth });
  t.equal(endBerlin.statusCode, 200);
  await indicatorsCaughtUp(database);
  const after = await seriesOf(indicator);
  t.ok(after.series.every((s) => s.target === null && s.targetDistance === null), 'no target, no distance');
});
