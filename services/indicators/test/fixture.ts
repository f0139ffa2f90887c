// Test fixture: realistic counts for every Planungsraum of Friedrichshain-Kreuzberg (LOR 2021), 2019–2022, own variables and indicators.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DatabaseHandle } from '@datenpool/db';
import { enqueueBatchRecompute } from '../../ingest/src/queries/recompute-queue.ts';
import { indicatorsCaughtUp } from '../../../test/support/indicators.ts';

export const DISTRICT = '02';
export const VERSION = '2021';
const unitsCsv = new URL('../../../../shared/data/lor/lor-2021-units.csv', import.meta.url);

export interface Obs {
  variable: string;
  unit: string;
  date: string;
  breakdown: string;
  value: number;
}

export interface Fixture {
  plr: Array<{ id: string; name: string; bzr: string; bzrName: string; pgr: string; pgrName: string }>;
  observations: Obs[];
  batchOf: Record<string, string>;
}

/** deterministic pseudo-random numbers (mulberry32) so the fixture is the same on every run */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planungsraeume(): Fixture['plr'] {
  const lines = readFileSync(unitsCsv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).filter(Boolean);
  return lines
    .map((line) => line.split(','))
    .filter((c) => c[1]?.startsWith(DISTRICT))
    .map((c) => ({ id: c[1] as string, name: c[2] as string, bzr: c[3] as string, bzrName: c[4] as string, pgr: c[5] as string, pgrName: c[6] as string }));
}

export const years = [2019, 2020, 2021, 2022];
/** residents are counted twice in 2021 (the latest, 31 December, counts) and only at mid-year in 2022 */
export const residentDates: Record<number, string[]> = {
  2019: ['2019-12-31'],
  2020: ['2020-12-31'],
  2021: ['2021-06-30', '2021-12-31'],
  2022: ['2022-06-30'],
};
/** two deliberately small Planungsräume: one under the minimum base, one with a count under the disclosure threshold */
export const tinyUnit = (plr: Fixture['plr']) => plr[1]?.id as string;
export const smallCountUnit = (plr: Fixture['plr']) => plr[plr.length - 5]?.id as string;

export function buildObservations(plr: Fixture['plr']): Obs[] {
  const rnd = random(20260101);
  const out: Obs[] = [];
  const tiny = tinyUnit(plr);
  const small = smallCountUnit(plr);
  for (const unit of plr) {
    const size = unit.id === tiny ? 40 : Math.round(2500 + rnd() * 12000);
    const sgbRate = 0.05 + rnd() * 0.3;
    const foreign = 0.15 + rnd() * 0.3;
    for (const year of years) {
      const drift = 1 + (year - 2019) * (rnd() * 0.04 - 0.01);
      for (const date of residentDates[year] ?? []) {
        const total = Math.round(size * drift * (date.endsWith('06-30') ? 0.995 : 1));
        const u6 = Math.round(total * (0.05 + rnd() * 0.03));
        const a615 = Math.round(total * (0.07 + rnd() * 0.03));
        const o65 = Math.round(total * (0.1 + rnd() * 0.1));
        const a1565 = total - u6 - a615 - o65;
        const aus = Math.round(total * foreign);
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: '', value: total });
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: 'age=unter6', value: u6 });
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: 'age=6-15', value: a615 });
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: 'age=15-65', value: a1565 });
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: 'age=65plus', value: o65 });
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: 'citizenship=auslaendisch', value: aus });
        out.push({ variable: 'tx_ew', unit: unit.id, date, breakdown: 'citizenship=deutsch', value: total - aus });
      }
      const date = `${year}-12-31`;
      const base = Math.round(size * drift);
      const sgb = unit.id === small ? 2 : Math.round(base * 0.86 * sgbRate * (1 + (rnd() - 0.5) * 0.1));
      const sgbAus = unit.id === small ? 1 : Math.round(sgb * (foreign + 0.1));
      out.push({ variable: 'tx_sgb2', unit: unit.id, date, breakdown: '', value: sgb });
      out.push({ variable: 'tx_sgb2', unit: unit.id, date, breakdown: 'citizenship=auslaendisch', value: sgbAus });
      out.push({ variable: 'tx_sgb2', unit: unit.id, date, breakdown: 'citizenship=deutsch', value: sgb - sgbAus });
      out.push({ variable: 'tx_zuzug', unit: unit.id, date, breakdown: '', value: Math.round(base * (0.08 + rnd() * 0.06)) });
      out.push({ variable: 'tx_fortzug', unit: unit.id, date, breakdown: '', value: Math.round(base * (0.08 + rnd() * 0.06)) });
      out.push({ variable: 'tx_plaetze', unit: unit.id, date, breakdown: '', value: Math.round(base * 0.065 * (0.6 + rnd() * 0.6)) });
      out.push({ variable: 'tx_spielflaeche', unit: unit.id, date, breakdown: '', value: Math.round(base * (0.5 + rnd() * 2) * 10) / 10 });
      const einfach = Math.round(base * rnd() * 0.6);
      const gut = Math.round((base - einfach) * rnd() * 0.5);
      out.push({ variable: 'tx_wohnlage', unit: unit.id, date, breakdown: '', value: base });
      out.push({ variable: 'tx_wohnlage', unit: unit.id, date, breakdown: 'wohnlage=einfach', value: einfach });
      out.push({ variable: 'tx_wohnlage', unit: unit.id, date, breakdown: 'wohnlage=mittel', value: base - einfach - gut });
      out.push({ variable: 'tx_wohnlage', unit: unit.id, date, breakdown: 'wohnlage=gut', value: gut });
    }
  }
  return out;
}

type VariableRow = { id: string; unit: string; value_kind: 'count' | 'measure'; disclosure_threshold: number; breakdowns: Record<string, string[]> };
const variables: VariableRow[] = [
  { id: 'tx_ew', unit: 'persons', value_kind: 'count', disclosure_threshold: 3, breakdowns: { age: ['unter6', '6-15', '15-65', '65plus'], citizenship: ['deutsch', 'auslaendisch'] } },
  { id: 'tx_sgb2', unit: 'persons', value_kind: 'count', disclosure_threshold: 3, breakdowns: { citizenship: ['deutsch', 'auslaendisch'] } },
  { id: 'tx_zuzug', unit: 'persons', value_kind: 'count', disclosure_threshold: 3, breakdowns: {} },
  { id: 'tx_fortzug', unit: 'persons', value_kind: 'count', disclosure_threshold: 3, breakdowns: {} },
  { id: 'tx_plaetze', unit: 'places', value_kind: 'count', disclosure_threshold: 0, breakdowns: {} },
  { id: 'tx_spielflaeche', unit: 'm2', value_kind: 'measure', disclosure_threshold: 0, breakdowns: {} },
  { id: 'tx_wohnlage', unit: 'persons', value_kind: 'count', disclosure_threshold: 3, breakdowns: { wohnlage: ['einfach', 'mittel', 'gut'] } },
];

export const indexThresholds = [-1, 0, 1];
export const indicators: Array<{ id: string; formula: Record<string, unknown>; min_base?: number; zielbereich?: string }> = [
  { id: 'tx_sgb2_anteil', formula: { kind: 'share', numerator: 'tx_sgb2', denominator: { variable: 'tx_ew', breakdown: { age: ['unter6', '6-15', '15-65'] } }, factor: 100 }, min_base: 100, zielbereich: 'Armut' },
  { id: 'tx_sgb2_quote', formula: { kind: 'share', numerator: 'tx_sgb2', denominator: 'tx_ew', factor: 100 }, min_base: 100, zielbereich: 'Armut' },
  { id: 'tx_kita', formula: { kind: 'ratio', numerator: 'tx_plaetze', denominator: { variable: 'tx_ew', breakdown: { age: 'unter6' } }, factor: 100 }, zielbereich: 'Familie' },
  { id: 'tx_spiel', formula: { kind: 'ratio', numerator: 'tx_spielflaeche', denominator: 'tx_ew', factor: 1 }, zielbereich: 'Familie' },
  { id: 'tx_wanderung', formula: { kind: 'balance', inflow: 'tx_zuzug', outflow: 'tx_fortzug', base: 'tx_ew', factor: 100 }, zielbereich: 'Wohnen' },
  { id: 'tx_volumen', formula: { kind: 'volume', inflow: 'tx_zuzug', outflow: 'tx_fortzug', base: 'tx_ew', factor: 100 }, zielbereich: 'Wohnen' },
  { id: 'tx_wohnlage_vert', formula: { kind: 'distribution', variable: 'tx_wohnlage', dimension: 'wohnlage', factor: 100 }, zielbereich: 'Wohnen' },
  { id: 'tx_sgb2_change', formula: { kind: 'change', indicator: 'tx_sgb2_anteil', years: 1, mode: 'difference' }, zielbereich: 'Armut' },
  { id: 'tx_volumen_rel', formula: { kind: 'change', indicator: 'tx_volumen', years: 2, mode: 'relative' }, zielbereich: 'Wohnen' },
  {
    id: 'tx_index',
    formula: {
      kind: 'index',
      members: [{ indicator: 'tx_sgb2_anteil', weight: 1 }, { indicator: 'tx_volumen', weight: 0.5 }, { indicator: 'tx_kita', weight: -1 }],
      level: 'planungsraum',
      thresholds: indexThresholds,
      classLabels: ['hoch', 'mittel', 'niedrig', 'sehr niedrig'],
      dynamicsYears: 2,
      standardize: true,
    },
    zielbereich: 'Gesamtbild',
  },
];
export const targets = [
  { indicator_id: 'tx_sgb2_anteil', scope: 'berlin', period_from: '2019-01-01', period_to: '2030-12-31', target_value: 10 },
  { indicator_id: 'tx_sgb2_anteil', scope: DISTRICT, period_from: '2022-01-01', period_to: '2022-12-31', target_value: 12.5 },
];

/** catalog rows, LOR units (without geometry) and one landed batch per variable */
export async function loadFixture(database: DatabaseHandle): Promise<Fixture> {
  const { db } = database;
  const plr = planungsraeume();
  const units = [
    { level: 'berlin', id: '0', name: 'Berlin', parent_id: null as string | null },
    { level: 'bezirk', id: DISTRICT, name: 'Friedrichshain-Kreuzberg', parent_id: '0' },
    ...[...new Map(plr.map((p) => [p.pgr, { level: 'prognoseraum', id: p.pgr, name: p.pgrName, parent_id: DISTRICT }])).values()],
    ...[...new Map(plr.map((p) => [p.bzr, { level: 'bezirksregion', id: p.bzr, name: p.bzrName, parent_id: p.pgr }])).values()],
    ...plr.map((p) => ({ level: 'planungsraum', id: p.id, name: p.name, parent_id: p.bzr })),
  ];
  await db.insertInto('lor_unit').values(units.map((u) => ({ ...u, version: VERSION }))).onConflict((oc) => oc.doNothing()).execute();
  await db.insertInto('agency').values({ id: 'tx-agency', name: 'Test agency', kind: 'other' }).onConflict((oc) => oc.doNothing()).execute();
  await db
    .insertInto('variable')
    .values(
      variables.map((v) => ({
        id: v.id, label_de: v.id, label_en: v.id, unit: v.unit, value_kind: v.value_kind, aggregation: 'sum' as const,
        finest_level: 'planungsraum', reference_date: 'any', breakdowns: JSON.stringify(v.breakdowns),
        disclosure_threshold: v.disclosure_threshold, agency_id: 'tx-agency', status: 'active' as const,
      })),
    )
    .execute();
  await db
    .insertInto('indicator')
    .values(
      indicators.map((i) => ({
        id: i.id, zielbereich: i.zielbereich ?? 'Test', label_de: `Test ${i.id}`, label_en: `Test ${i.id}`,
        formula: JSON.stringify(i.formula), polarity: 'risk' as const, core: true, min_base: i.min_base ?? 0,
      })),
    )
    .execute();
  await db.insertInto('indicator_target').values(targets).execute();
  const observations = buildObservations(plr);
  const batchOf: Record<string, string> = {};
  for (const v of variables) {
    const id = randomUUID();
    batchOf[v.id] = id;
    await db.insertInto('ingest_batch').values({ id, variable_id: v.id, lor_version: VERSION, agency_id: 'tx-agency', status: 'accepted', errors: '[]', warnings: '[]', finished_at: new Date() }).execute();
    const rows = observations
      .filter((o) => o.variable === v.id)
      .map((o) => ({ variable_id: o.variable, lor_version: VERSION, level: 'planungsraum', unit_id: o.unit, ref_date: o.date, breakdown: o.breakdown, value: o.value, batch_id: id }));
    for (let i = 0; i < rows.length; i += 2000) await db.insertInto('observation').values(rows.slice(i, i + 2000)).execute();
    // what the batch pipeline writes with the observations: the recompute queue's entry
    await enqueueBatchRecompute(db, id, v.id, VERSION);
  }
  // the values as the worker leaves them once the fixture landed
  await indicatorsCaughtUp(database);
  return { plr, observations, batchOf };
}
