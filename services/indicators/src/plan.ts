// Indicator definitions as the calculator plans them: input references, dependency order, affected sets.
import { formulaIndicators, formulaVariables, type IndicatorFormula, type VariableRef } from '@datenpool/contracts';

export interface IndicatorDefinition {
  id: string;
  zielbereich: string;
  labelDe: string;
  labelEn: string;
  unit: string;
  polarity: 'risk' | 'potential' | 'neutral';
  core: boolean;
  minBase: number;
  formula: IndicatorFormula;
}

/** one variable input of a simple formula under a role name the SQL pivots on */
export interface InputRef {
  role: 'num' | 'den' | 'inflow' | 'outflow' | 'base';
  variable: string;
  /** breakdown restriction: dimension → codes (several codes of one dimension are summed) */
  restriction: Record<string, string[]>;
  /** number of code combinations a complete cell sums */
  combos: number;
  /** a count on the numerator side: checked against the variable's disclosure threshold */
  countRole: boolean;
}

export function inputRef(role: InputRef['role'], ref: VariableRef, countRole: boolean): InputRef {
  if (typeof ref === 'string') return { role, variable: ref, restriction: {}, combos: 1, countRole };
  const restriction: Record<string, string[]> = {};
  let combos = 1;
  for (const [dim, codes] of Object.entries(ref.breakdown)) {
    const list = Array.isArray(codes) ? [...new Set(codes)] : [codes];
    restriction[dim] = list;
    combos *= list.length;
  }
  return { role, variable: ref.variable, restriction, combos, countRole };
}

/** the inputs of a share, ratio, balance or volume formula */
export function inputRefs(formula: IndicatorFormula): InputRef[] {
  switch (formula.kind) {
    case 'share':
    case 'ratio':
      return [inputRef('num', formula.numerator, true), inputRef('den', formula.denominator, false)];
    case 'balance':
    case 'volume':
      return [
        inputRef('inflow', formula.inflow, true),
        inputRef('outflow', formula.outflow, true),
        inputRef('base', formula.base, false),
      ];
    default:
      return [];
  }
}

/** definitions ordered so that every indicator comes after the indicators it is derived from; cycles and unknown members are dropped */
export function dependencyOrder(definitions: IndicatorDefinition[]): IndicatorDefinition[] {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const ordered: IndicatorDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done' | 'invalid'>();
  const visit = (id: string): boolean => {
    const s = state.get(id);
    if (s === 'done') return true;
    if (s === 'visiting' || s === 'invalid') return false;
    const definition = byId.get(id);
    if (!definition) return false;
    state.set(id, 'visiting');
    const ok = formulaIndicators(definition.formula).every(visit);
    state.set(id, ok ? 'done' : 'invalid');
    if (ok) ordered.push(definition);
    return ok;
  };
  for (const d of definitions) visit(d.id);
  return ordered;
}

/** the given indicators and every indicator they are derived from */
export function withPrerequisites(definitions: IndicatorDefinition[], ids: Iterable<string>): Set<string> {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const out = new Set<string>();
  const add = (id: string) => {
    if (out.has(id) || !byId.has(id)) return;
    out.add(id);
    for (const dep of formulaIndicators((byId.get(id) as IndicatorDefinition).formula)) add(dep);
  };
  for (const id of ids) add(id);
  return out;
}

/** every variable an indicator reads, directly or through the indicators it is derived from */
export function variablesOf(definitions: IndicatorDefinition[], id: string): Set<string> {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const out = new Set<string>();
  for (const dep of withPrerequisites(definitions, [id])) {
    const definition = byId.get(dep);
    if (definition) for (const v of formulaVariables(definition.formula)) out.add(v);
  }
  return out;
}

/** years each indicator must be recomputed for, given the years in which its variables changed (per LOR version) */
export function affectedScope(
  ordered: IndicatorDefinition[],
  changed: Array<{ variable: string; version: string; year: number }>,
): Map<string, { versions: Set<string>; years: Set<number> }> {
  const scope = new Map<string, { versions: Set<string>; years: Set<number> }>();
  const add = (id: string, versions: Iterable<string>, years: Iterable<number>) => {
    const entry = scope.get(id) ?? { versions: new Set<string>(), years: new Set<number>() };
    for (const v of versions) entry.versions.add(v);
    for (const y of years) entry.years.add(y);
    scope.set(id, entry);
  };
  for (const definition of ordered) {
    const reads = new Set(formulaVariables(definition.formula));
    for (const c of changed) if (reads.has(c.variable)) add(definition.id, [c.version], [c.year]);
    const f = definition.formula;
    if (f.kind === 'change' || f.kind === 'index') {
      const shift = f.kind === 'change' ? f.years : f.dynamicsYears;
      for (const dep of formulaIndicators(f)) {
        const s = scope.get(dep);
        if (!s) continue;
        add(definition.id, s.versions, [...s.years].flatMap((y) => [y, y + shift]));
      }
    }
  }
  return scope;
}

/** what the consumed queue entries say changed */
export interface QueuedChanges {
  /** observation revisions of a variable for a LOR version and reference year */
  observations: Array<{ variable: string; version: string; year: number }>;
  /** variables every value of which counts as changed (their rules changed) */
  variables: Set<string>;
  /** indicators whose definition or targets changed */
  indicators: Set<string>;
}

/**
 * the scope each indicator must be recomputed for: every version and year (null) where its definition, targets or an
 * input variable's rules changed, or where it derives from such an indicator; else the versions and years of the
 * observation changes it reads (directly or through change and index)
 */
export function queuedScope(
  ordered: IndicatorDefinition[],
  changes: QueuedChanges,
): Map<string, { versions: string[]; years: number[] } | null> {
  const partial = affectedScope(ordered, changes.observations);
  const all = new Set<string>();
  for (const d of ordered) {
    if (
      changes.indicators.has(d.id) ||
      formulaVariables(d.formula).some((v) => changes.variables.has(v)) ||
      formulaIndicators(d.formula).some((x) => all.has(x))
    ) {
      all.add(d.id);
    }
  }
  const out = new Map<string, { versions: string[]; years: number[] } | null>();
  for (const d of ordered) {
    if (all.has(d.id)) out.set(d.id, null);
    else {
      const s = partial.get(d.id);
      if (s) out.set(d.id, { versions: [...s.versions].sort(), years: [...s.years].sort((a, b) => a - b) });
    }
  }
  return out;
}
