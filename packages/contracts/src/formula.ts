// Indicator formulas as data: the one schema the metadata service stores and the calculator evaluates.
import { z } from 'zod';

/**
 * a variable, optionally restricted to breakdown cells: one code (`{ citizenship: 'auslaendisch' }`)
 * or the sum over several codes of one dimension (`{ age: ['unter6', '6-15'] }`: residents under 15)
 */
export const variableRefSchema = z.union([
  z.string().min(1),
  z.object({
    variable: z.string().min(1),
    breakdown: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])),
  }),
]);
export type VariableRef = z.infer<typeof variableRefSchema>;

export function refVariableId(ref: VariableRef): string {
  return typeof ref === 'string' ? ref : ref.variable;
}

const factor = z.number().positive().default(100);

export const formulaSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('share'), numerator: variableRefSchema, denominator: variableRefSchema, factor }),
  z.object({ kind: z.literal('ratio'), numerator: variableRefSchema, denominator: variableRefSchema, factor }),
  z.object({ kind: z.literal('balance'), inflow: variableRefSchema, outflow: variableRefSchema, base: variableRefSchema, factor }),
  z.object({ kind: z.literal('volume'), inflow: variableRefSchema, outflow: variableRefSchema, base: variableRefSchema, factor }),
  z.object({
    kind: z.literal('change'),
    indicator: z.string().min(1),
    years: z.number().int().positive(),
    /** `difference` in points of the indicator, or `relative` in percent */
    mode: z.enum(['difference', 'relative']).default('difference'),
  }),
  z.object({
    kind: z.literal('distribution'),
    /** counts broken down by `dimension`; each code's share of the total */
    variable: z.string().min(1),
    dimension: z.string().min(1),
    factor,
  }),
  z.object({
    kind: z.literal('index'),
    members: z
      .array(z.object({ indicator: z.string().min(1), weight: z.number().default(1) }))
      .min(1),
    /** z-scores are taken over all units of this level */
    level: z.string().default('planungsraum'),
    /** ascending upper bounds of the classes 1…n-1 of the summed z-score; the last class is open */
    thresholds: z.array(z.number()).min(1),
    classLabels: z.array(z.string()).optional(),
    /** years over which the dynamics (change) index is taken */
    dynamicsYears: z.number().int().positive().default(2),
    /**
     * the weighted sum of z-scores is standardised again over the units before it is classed (as the Monitoring
     * Soziale Stadtentwicklung does, so that the thresholds are in standard deviations); the dynamics likewise
     */
    standardize: z.boolean().default(false),
  }),
]);
export type IndicatorFormula = z.infer<typeof formulaSchema>;

/** every variable a formula reads directly (not through other indicators) */
export function formulaVariables(formula: IndicatorFormula): string[] {
  switch (formula.kind) {
    case 'share':
    case 'ratio':
      return [refVariableId(formula.numerator), refVariableId(formula.denominator)];
    case 'balance':
    case 'volume':
      return [refVariableId(formula.inflow), refVariableId(formula.outflow), refVariableId(formula.base)];
    case 'distribution':
      return [formula.variable];
    case 'change':
    case 'index':
      return [];
  }
}

/** indicators a formula is built from */
export function formulaIndicators(formula: IndicatorFormula): string[] {
  if (formula.kind === 'change') return [formula.indicator];
  if (formula.kind === 'index') return formula.members.map((m) => m.indicator);
  return [];
}
