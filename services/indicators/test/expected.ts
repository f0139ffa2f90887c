// Indicator values computed by hand from the fixture, in plain TypeScript and independently of the service's SQL.
import { DISTRICT, type Obs, indexThresholds, targets, years } from './fixture.ts';

export interface Expected {
  indicator: string;
  level: string;
  unit: string;
  year: number;
  breakdown: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
  suppression?: string;
  class?: number | null;
  dynamics?: number | null;
  target?: number | null;
}

const levelPrefix: Array<[string, number]> = [['planungsraum', 8], ['bezirksregion', 6], ['prognoseraum', 4], ['bezirk', 2], ['berlin', 0]];
const parentLength: Record<string, number> = { planungsraum: 6, bezirksregion: 4, prognoseraum: 2, bezirk: 0 };
const idAt = (plr: string, len: number) => (len === 0 ? '0' : plr.slice(0, len));

/** sums of one variable per level, unit, year (its latest date in the year) and breakdown */
export class Sums {
  private readonly sums = new Map<string, number>();
  readonly units = new Map<string, Set<string>>();
  readonly dateOf = new Map<string, string>();
  constructor(observations: Obs[]) {
    for (const o of observations) {
      const key = `${o.variable}|${o.date.slice(0, 4)}`;
      if ((this.dateOf.get(key) ?? '') < o.date) this.dateOf.set(key, o.date);
    }
    for (const o of observations) {
      if (this.dateOf.get(`${o.variable}|${o.date.slice(0, 4)}`) !== o.date) continue;
      for (const [level, len] of levelPrefix) {
        const unit = idAt(o.unit, len);
        const k = `${o.variable}|${o.date.slice(0, 4)}|${level}|${unit}|${o.breakdown}`;
        this.sums.set(k, (this.sums.get(k) ?? 0) + o.value);
        const units = this.units.get(level) ?? new Set<string>();
        units.add(unit);
        this.units.set(level, units);
      }
    }
  }
  get(variable: string, year: number, level: string, unit: string, breakdowns: string[]): number | undefined {
    let total = 0;
    for (const b of breakdowns) {
      const v = this.sums.get(`${variable}|${year}|${level}|${unit}|${b}`);
      if (v === undefined) return undefined;
      total += v;
    }
    return total;
  }
}

type Simple = { num: number; den: number; counts: number[]; thresholds: number[] };

function push(out: Expected[], indicator: string, level: string, unit: string, year: number, breakdown: string, s: Simple, factor: number, minBase: number) {
  const value = s.den === 0 ? null : (s.num / s.den) * factor;
  const belowBase = s.den < minBase;
  const disclosed = s.counts.some((c, i) => c < (s.thresholds[i] ?? 0));
  const suppressed = belowBase || disclosed;
  out.push({ indicator, level, unit, year, breakdown, value, numerator: s.num, denominator: s.den, suppressed, ...(suppressed ? { suppression: belowBase ? 'min_base' : 'disclosure' } : {}) });
}

/** the shares, ratios, balances, volumes and distributions of the fixture indicators, before secondary suppression */
export function simpleValues(sums: Sums): Expected[] {
  const out: Expected[] = [];
  const under65 = ['age=unter6', 'age=6-15', 'age=15-65'];
  for (const year of years) {
    for (const [level] of levelPrefix) {
      for (const unit of sums.units.get(level) ?? []) {
        const g = (v: string, b: string[] = ['']) => sums.get(v, year, level, unit, b) as number;
        push(out, 'tx_sgb2_anteil', level, unit, year, '', { num: g('tx_sgb2'), den: g('tx_ew', under65), counts: [g('tx_sgb2')], thresholds: [3] }, 100, 100);
        for (const b of ['', 'citizenship=deutsch', 'citizenship=auslaendisch']) {
          push(out, 'tx_sgb2_quote', level, unit, year, b, { num: g('tx_sgb2', [b]), den: g('tx_ew', [b]), counts: [g('tx_sgb2', [b])], thresholds: [3] }, 100, 100);
        }
        push(out, 'tx_kita', level, unit, year, '', { num: g('tx_plaetze'), den: g('tx_ew', ['age=unter6']), counts: [], thresholds: [] }, 100, 0);
        push(out, 'tx_spiel', level, unit, year, '', { num: g('tx_spielflaeche'), den: g('tx_ew'), counts: [], thresholds: [] }, 1, 0);
        const zu = g('tx_zuzug');
        const fort = g('tx_fortzug');
        push(out, 'tx_wanderung', level, unit, year, '', { num: zu - fort, den: g('tx_ew'), counts: [zu, fort], thresholds: [3, 3] }, 100, 0);
        push(out, 'tx_volumen', level, unit, year, '', { num: zu + fort, den: g('tx_ew'), counts: [zu, fort], thresholds: [3, 3] }, 100, 0);
        for (const code of ['einfach', 'mittel', 'gut']) {
          const part = g('tx_wohnlage', [`wohnlage=${code}`]);
          push(out, 'tx_wohnlage_vert', level, unit, year, `wohnlage=${code}`, { num: part, den: g('tx_wohnlage'), counts: [part], thresholds: [3] }, 100, 0);
        }
      }
    }
  }
  return out;
}

/** where exactly one child of a parent is suppressed, the unsuppressed sibling with the smallest denominator is too */
export function applySecondary(values: Expected[]): void {
  const groups = new Map<string, Expected[]>();
  for (const v of values) {
    if (v.level === 'berlin') continue;
    const key = `${v.indicator}|${v.year}|${v.breakdown}|${v.level}|${idAt(v.unit, parentLength[v.level] ?? 0)}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  for (const siblings of groups.values()) {
    if (siblings.filter((s) => s.suppressed).length !== 1) continue;
    const next = siblings
      .filter((s) => !s.suppressed)
      .sort((a, b) => (a.denominator ?? Infinity) - (b.denominator ?? Infinity) || a.unit.localeCompare(b.unit))[0];
    if (next) {
      next.suppressed = true;
      next.suppression = 'secondary';
    }
  }
}

const key = (v: { indicator: string; level: string; unit: string; year: number; breakdown: string }) =>
  `${v.indicator}|${v.level}|${v.unit}|${v.year}|${v.breakdown}`;

export function byKey(values: Expected[]): Map<string, Expected> {
  return new Map(values.map((v) => [key(v), v]));
}

/** change against `years` earlier: difference, or relative in percent */
export function changeValues(base: Expected[], indicator: string, from: string, span: number, relative: boolean): Expected[] {
  const index = byKey(base.filter((v) => v.indicator === from));
  const out: Expected[] = [];
  for (const cur of index.values()) {
    const prev = index.get(key({ ...cur, year: cur.year - span }));
    if (!prev) continue;
    const suppressed = cur.suppressed || prev.suppressed;
    let value: number | null = null;
    if (!suppressed && cur.value !== null && prev.value !== null) {
      value = relative ? (prev.value === 0 ? null : (cur.value / prev.value - 1) * 100) : cur.value - prev.value;
    }
    out.push({ indicator, level: cur.level, unit: cur.unit, year: cur.year, breakdown: cur.breakdown, value, numerator: null, denominator: null, suppressed });
  }
  return out;
}

function zScores(values: Map<string, number>): Map<string, number> {
  const list = [...values.values()];
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  const sd = Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length);
  return new Map([...values].map(([k, v]) => [k, (v - mean) / sd]));
}

export const classOf = (score: number) => 1 + indexThresholds.filter((t) => score > t).length;

/** status index (z-scores over the Planungsräume, weighted sum, classes) and dynamics over two years */
export function indexValues(
  base: Expected[],
  members: Array<{ indicator: string; weight: number }>,
  dynamicsYears: number,
  standardize: boolean,
): Expected[] {
  const memberValue = (indicator: string, unit: string, year: number) => {
    const v = base.find((x) => x.indicator === indicator && x.level === 'planungsraum' && x.unit === unit && x.year === year && x.breakdown === '');
    return v && !v.suppressed && v.value !== null ? v.value : undefined;
  };
  const units = [...new Set(base.filter((v) => v.level === 'planungsraum').map((v) => v.unit))];
  const out: Expected[] = [];
  for (const year of years) {
    const complete = units.filter((u) => members.every((m) => memberValue(m.indicator, u, year) !== undefined));
    const score = new Map<string, number>(complete.map((u) => [u, 0]));
    const dynamics = new Map<string, { sum: number; n: number }>();
    for (const m of members) {
      const z = zScores(new Map(complete.map((u) => [u, memberValue(m.indicator, u, year) as number])));
      for (const [u, zu] of z) score.set(u, (score.get(u) ?? 0) + m.weight * zu);
      const changes = new Map<string, number>();
      for (const u of complete) {
        const prev = memberValue(m.indicator, u, year - dynamicsYears);
        if (prev !== undefined) changes.set(u, (memberValue(m.indicator, u, year) as number) - prev);
      }
      if (changes.size === 0) continue;
      for (const [u, zu] of zScores(changes)) {
        const d = dynamics.get(u) ?? { sum: 0, n: 0 };
        dynamics.set(u, { sum: d.sum + m.weight * zu, n: d.n + 1 });
      }
    }
    // the sums standardised again over the units (standardize: true), as the MSS classes them
    const scores = standardize ? zScores(score) : score;
    const sums = new Map([...dynamics].filter(([, d]) => d.n === members.length).map(([u, d]) => [u, d.sum]));
    const dynamicsOf = standardize && sums.size > 0 ? zScores(sums) : sums;
    for (const [unit, s] of scores) {
      out.push({
        indicator: 'tx_index', level: 'planungsraum', unit, year, breakdown: '', value: s, numerator: null, denominator: null,
        suppressed: false, class: classOf(s), dynamics: dynamicsOf.get(unit) ?? null,
      });
    }
  }
  return out;
}

/** the target a value is measured against: its district's for the year, else Berlin's */
export function targetOf(indicator: string, unit: string, year: number, breakdown: string): number | null {
  if (breakdown !== '') return null;
  const date = `${year}-12-31`;
  const applicable = targets.filter((t) => t.indicator_id === indicator && t.period_from <= date && date <= t.period_to);
  const district = unit !== '0' ? applicable.find((t) => t.scope === unit.slice(0, 2) && t.scope === DISTRICT) : undefined;
  return (district ?? applicable.find((t) => t.scope === 'berlin'))?.target_value ?? null;
}
