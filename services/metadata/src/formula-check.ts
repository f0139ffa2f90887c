// Checks an indicator formula sent by a client: its shape (formulaSchema) and that everything it names exists.
import { formulaSchema, type IndicatorFormula, type VariableRef } from '@datenpool/contracts';
import { type InvalidParam, Unprocessable } from '@datenpool/service-kit';
import type { CatalogGraph } from './queries/indicators.ts';

const base = '/body/formula';

function refProblems(graph: CatalogGraph, ref: VariableRef, pointer: string): InvalidParam[] {
  const variableId = typeof ref === 'string' ? ref : ref.variable;
  const variable = graph.variables.get(variableId);
  const at = typeof ref === 'string' ? pointer : `${pointer}/variable`;
  if (!variable) return [{ pointer: at, reason: `unknown variable ${variableId}` }];
  if (typeof ref === 'string') return [];
  const problems: InvalidParam[] = [];
  for (const [dimension, codes] of Object.entries(ref.breakdown)) {
    const allowed = variable.breakdowns[dimension];
    if (!allowed) {
      problems.push({ pointer: `${pointer}/breakdown/${dimension}`, reason: `variable ${variableId} has no breakdown ${dimension}` });
      continue;
    }
    for (const code of Array.isArray(codes) ? codes : [codes]) {
      if (!allowed.includes(code)) {
        problems.push({ pointer: `${pointer}/breakdown/${dimension}`, reason: `${code} is not a code of ${variableId}.${dimension}` });
      }
    }
  }
  return problems;
}

function indicatorProblems(graph: CatalogGraph, selfId: string, indicatorId: string, pointer: string): InvalidParam[] {
  if (indicatorId === selfId) return [{ pointer, reason: 'an indicator cannot be built from itself' }];
  if (!graph.indicators.has(indicatorId)) return [{ pointer, reason: `unknown indicator ${indicatorId}` }];
  const dependsOnSelf = (id: string, seen: Set<string>): boolean => {
    if (id === selfId) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    const f = graph.indicators.get(id)?.formula as IndicatorFormula | undefined;
    if (f?.kind === 'change') return dependsOnSelf(f.indicator, seen);
    if (f?.kind === 'index') return f.members.some((m) => dependsOnSelf(m.indicator, seen) || (!!m.dynamics && dependsOnSelf(m.dynamics, seen)));
    return false;
  };
  if (dependsOnSelf(indicatorId, new Set())) return [{ pointer, reason: `${indicatorId} is built from ${selfId}: a cycle` }];
  return [];
}

/** the parsed formula, or a 422 whose invalidParams name each offending pointer */
export function checkFormula(raw: unknown, graph: CatalogGraph, selfId: string): IndicatorFormula {
  const parsed = formulaSchema.safeParse(raw);
  if (!parsed.success) {
    const invalidParams = parsed.error.issues.map((issue) => ({
      pointer: [base, ...issue.path.map(String)].join('/'),
      reason: issue.message,
    }));
    throw new Unprocessable(`The formula is invalid: ${invalidParams.map((p) => `${p.pointer}: ${p.reason}`).join('; ')}`, { invalidParams });
  }
  const f = parsed.data;
  const problems: InvalidParam[] = [];
  switch (f.kind) {
    case 'share':
    case 'ratio':
      problems.push(...refProblems(graph, f.numerator, `${base}/numerator`), ...refProblems(graph, f.denominator, `${base}/denominator`));
      break;
    case 'balance':
    case 'volume':
      problems.push(
        ...refProblems(graph, f.inflow, `${base}/inflow`),
        ...refProblems(graph, f.outflow, `${base}/outflow`),
        ...refProblems(graph, f.base, `${base}/base`),
      );
      break;
    case 'distribution': {
      const variable = graph.variables.get(f.variable);
      if (!variable) problems.push({ pointer: `${base}/variable`, reason: `unknown variable ${f.variable}` });
      else if (!variable.breakdowns[f.dimension]) {
        problems.push({ pointer: `${base}/dimension`, reason: `variable ${f.variable} has no breakdown ${f.dimension}` });
      }
      break;
    }
    case 'rate': {
      const variable = graph.variables.get(f.rate);
      if (!variable) problems.push({ pointer: `${base}/rate`, reason: `unknown variable ${f.rate}` });
      else if (variable.valueKind !== 'rate') {
        problems.push({ pointer: `${base}/rate`, reason: `variable ${f.rate} is a ${variable.valueKind}, not a rate` });
      }
      if (f.base) problems.push(...refProblems(graph, f.base, `${base}/base`));
      break;
    }
    case 'change':
      problems.push(...indicatorProblems(graph, selfId, f.indicator, `${base}/indicator`));
      break;
    case 'index':
      f.members.forEach((m, i) => {
        problems.push(...indicatorProblems(graph, selfId, m.indicator, `${base}/members/${i}/indicator`));
        if (m.dynamics) problems.push(...indicatorProblems(graph, selfId, m.dynamics, `${base}/members/${i}/dynamics`));
        if (m.fromYear !== undefined && m.toYear !== undefined && m.toYear < m.fromYear) {
          problems.push({ pointer: `${base}/members/${i}/toYear`, reason: 'toYear is before fromYear' });
        }
      });
      if (f.minBase && !graph.variables.has(f.minBase.variable)) {
        problems.push({ pointer: `${base}/minBase/variable`, reason: `unknown variable ${f.minBase.variable}` });
      }
      if (f.dynamicsLabels && f.dynamicsLabels.length !== (f.dynamicsThresholds ?? f.thresholds).length + 1) {
        problems.push({ pointer: `${base}/dynamicsLabels`, reason: `expected ${(f.dynamicsThresholds ?? f.thresholds).length + 1} labels, one per dynamics class` });
      }
      if (f.dynamicsThresholds?.some((t, i) => i > 0 && t <= (f.dynamicsThresholds?.[i - 1] as number))) {
        problems.push({ pointer: `${base}/dynamicsThresholds`, reason: 'thresholds must ascend' });
      }
      if (f.classLabels && f.classLabels.length !== f.thresholds.length + 1) {
        problems.push({ pointer: `${base}/classLabels`, reason: `expected ${f.thresholds.length + 1} labels, one per class` });
      }
      if (f.thresholds.some((t, i) => i > 0 && t <= (f.thresholds[i - 1] as number))) {
        problems.push({ pointer: `${base}/thresholds`, reason: 'thresholds must ascend' });
      }
      break;
  }
  if (problems.length > 0) {
    throw new Unprocessable(`The formula names what does not exist or does not fit: ${problems.map((p) => `${p.pointer}: ${p.reason}`).join('; ')}`, {
      invalidParams: problems,
    });
  }
  return f;
}

/** what a variable's rate fields must satisfy: a rate names its base (an existing count or measure, valid codes), is not summed */
export function rateProblems(
  graph: CatalogGraph,
  v: { id: string; valueKind: string; rateBase: VariableRef | null; aggregation: string },
): InvalidParam[] {
  const problems: InvalidParam[] = [];
  if (v.valueKind !== 'rate') {
    if (v.rateBase !== null) problems.push({ pointer: '/body/rateBase', name: 'rateBase', reason: 'only a variable of value kind rate has a base' });
    return problems;
  }
  if (v.aggregation !== 'none') {
    problems.push({ pointer: '/body/aggregation', name: 'aggregation', reason: 'a rate is not summed up the hierarchy: aggregation must be none' });
  }
  if (v.rateBase === null) {
    problems.push({ pointer: '/body/rateBase', name: 'rateBase', reason: 'a rate needs the base it refers to (a variable and breakdown)' });
    return problems;
  }
  problems.push(...refProblems(graph, v.rateBase, '/body/rateBase'));
  const baseId = typeof v.rateBase === 'string' ? v.rateBase : v.rateBase.variable;
  if (baseId === v.id || graph.variables.get(baseId)?.valueKind === 'rate') {
    problems.push({ pointer: '/body/rateBase', name: 'rateBase', reason: `the base ${baseId} must be a count or measure, not a rate` });
  }
  return problems;
}
