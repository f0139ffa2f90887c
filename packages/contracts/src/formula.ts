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
    kind: z.literal('rate'),
    /** a variable of value kind `rate`: a share or rate delivered per unit (e.g. the MSS status indicator S4) */
    rate: z.string().min(1),
    /**
     * what the rate refers to, for the base-weighted means of coarser levels; defaults to the variable's `rateBase`.
     * Where the base has no value in a year, the units are weighted by the base variable's total of that year instead
     */
    base: variableRefSchema.optional(),
    factor,
  }),
  z.object({
    kind: z.literal('index'),
    members: z
      .array(
        z.object({
          indicator: z.string().min(1),
          weight: z.number().default(1),
          /** reference years the member belongs to the index (an edition's set of indicators); open when absent */
          fromYear: z.number().int().optional(),
          toYear: z.number().int().optional(),
          /**
           * an indicator holding the member's change as delivered (e.g. the MSS dynamics indicators D1…D4, in points);
           * without it the change is the member's value minus its value `dynamicsYears` earlier
           */
          dynamics: z.string().min(1).optional(),
        }),
      )
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
    /** ascending upper bounds of the dynamics classes (MSS: positiv below -1, stabil, negativ above +1); else `thresholds` */
    dynamicsThresholds: z.array(z.number()).min(1).optional(),
    dynamicsLabels: z.array(z.string()).optional(),
    /**
     * the combined label of a unit, `{status}` and `{dynamics}` replaced by the two class labels (MSS: "Status {status},
     * Dynamik {dynamics}")
     */
    combinedLabel: z.string().optional(),
    /**
     * units whose value of this variable (the total, at the index level and date) is below `min` are left out of the
     * standardisation and written as suppressed (`min_base`), as the MSS leaves out Planungsräume under 300 residents
     */
    minBase: z.object({ variable: z.string().min(1), min: z.number().nonnegative() }).optional(),
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
    case 'rate':
      // the base's variable is read too, but only known here when the formula names it (else: the rate variable's base)
      return formula.base ? [formula.rate, refVariableId(formula.base)] : [formula.rate];
    case 'index':
      return formula.minBase ? [formula.minBase.variable] : [];
    case 'change':
      return [];
  }
}

/** indicators a formula is built from */
export function formulaIndicators(formula: IndicatorFormula): string[] {
  if (formula.kind === 'change') return [formula.indicator];
  if (formula.kind === 'index') return [...new Set(formula.members.flatMap((m) => (m.dynamics ? [m.indicator, m.dynamics] : [m.indicator])))];
  return [];
}
