// zod contracts of the indicator routes: query parameters, values, series, profile, recompute report.
import { isCalendarDate, instantSchema, lorLevels } from '@datenpool/contracts';
import { z } from 'zod';

const version = z.string().regex(/^\d{4}$/).default('2021').describe('LOR version (2006 or 2021)');
const date = z
  .string()
  .refine((d) => /^\d{4}$/.test(d) || isCalendarDate(d), 'must be a year YYYY or a calendar date YYYY-MM-DD')
  .describe('reference year (YYYY) or any date of it; values are dated 31 December of their year');
const unit = z.string().regex(/^(0|\d{2}|\d{4}|\d{6}|\d{8})$/).describe('LOR unit id (0 = Berlin)');
const breakdown = z
  .string()
  .max(200)
  .describe("canonical breakdown `dim=code;…`, empty for the total (default), `*` for every breakdown");

export const csvOptions = {
  f: z.enum(['json', 'csv', 'csvw', 'html', 'xlsx']).optional().describe('format: json (default), csv, csvw (CSVW metadata of the CSV), xlsx (Excel)'),
  sep: z.enum(['comma', 'semicolon']).default('comma').describe('CSV field separator (semicolon for German Excel)'),
  decimal: z.enum(['point', 'comma']).default('point').describe('CSV decimal mark'),
};

export const idParams = z.object({ id: z.string().min(1).max(100) });
export const unitParams = z.object({ unitId: unit });

export const valuesQuery = z.object({
  version,
  level: z.enum(lorLevels).optional(),
  date: date.optional(),
  breakdown: breakdown.default(''),
  unit: unit.optional(),
  asOf: instantSchema.optional().describe('compute from the observation revisions valid at this time'),
  ...csvOptions,
});

export const seriesQuery = z.object({
  version,
  unit: unit.default('0'),
  breakdown: breakdown.default(''),
  ...csvOptions,
});

export const profileQuery = z.object({
  version,
  date: date.optional(),
  f: z.enum(['json', 'html', 'csv', 'xlsx']).optional().describe('format: json, html, csv (German Excel dialect by default) or xlsx'),
  sep: z.enum(['comma', 'semicolon']).default('semicolon').describe('CSV field separator (default semicolon: German Excel)'),
  decimal: z.enum(['point', 'comma']).default('comma').describe('CSV decimal mark (default comma: German Excel)'),
});

const nullableNumber = z.number().nullable();

export const indicatorValueSchema = z.object({
  indicator: z.string(),
  version: z.string(),
  level: z.string(),
  unit: z.string(),
  unitName: z.string().nullable(),
  date: z.string(),
  breakdown: z.string(),
  value: nullableNumber,
  numerator: nullableNumber,
  denominator: nullableNumber,
  status: z.enum(['ok', 'suppressed', 'provisional', 'estimated']),
  suppression: z.string().nullable(),
  berlin: nullableNumber,
  district: nullableNumber,
  rank: z.number().int().nullable().describe('rank within the units of the level in Berlin (1 = highest value)'),
  rankDistrict: z.number().int().nullable().describe("rank within the units of the level in the unit's district (1 = highest value)"),
  percentile: nullableNumber,
  change1y: nullableNumber,
  changeNy: nullableNumber,
  target: nullableNumber,
  targetDistance: nullableNumber,
  class: z.number().int().nullable(),
  classLabel: z.string().nullable(),
  dynamics: nullableNumber,
  dynamicsClass: z.number().int().nullable(),
  dynamicsLabel: z.string().nullable().describe('index values: the label of the dynamics class (MSS: positiv, stabil, negativ)'),
  combinedLabel: z.string().nullable().describe('index values: status and dynamics together, as the MSS publishes them ("Status mittel, Dynamik stabil")'),
  provenance: z.object({
    batches: z.array(z.string()),
    inputDates: z.record(z.string(), z.string()).optional(),
    from: z.array(z.string()).optional(),
  }).passthrough(),
  computedAt: z.string(),
});

export const valuesResponse = z.object({
  indicator: z.string(),
  version: z.string(),
  date: z.string().nullable(),
  asOf: z.string().nullable(),
  computedAt: z.string().nullable().describe('when the last recompute committed (asOf: when these values were computed, now): the values read are those of that state (null: never computed); the header Datenpool-Pending counts the changes queued behind it'),
  values: z.array(indicatorValueSchema),
});

export const seriesResponse = z.object({
  indicator: z.string(),
  version: z.string(),
  unit: z.string(),
  breakdown: z.string(),
  series: z.array(indicatorValueSchema),
  district: z.array(indicatorValueSchema),
  berlin: z.array(indicatorValueSchema),
  computedAt: z.string().nullable().describe('when the last recompute committed: the values read are those of that state (null: never computed); the header Datenpool-Pending counts the changes queued behind it'),
});

const profileEntry = z.object({
  indicator: z.string(),
  label: z.string(),
  unitOfMeasure: z.string(),
  polarity: z.string(),
  description: z.string().describe('where the values come from (the catalog note), or why there are none'),
  /** the value at the requested date, else the indicator's latest value for the unit */
  value: indicatorValueSchema.nullable(),
  /** units of the level with a value at the value's date, in Berlin and in the unit's district (for "rank 3 of 12") */
  unitsRanked: z.object({ berlin: z.number().int(), district: z.number().int().nullable() }).nullable(),
  series: z.array(
    z.object({
      date: z.string(),
      value: nullableNumber,
      district: nullableNumber,
      berlin: nullableNumber,
      target: nullableNumber,
      targetDistance: nullableNumber,
      status: z.string(),
    }),
  ),
});

export const profileResponse = z.object({
  unit: z.object({
    id: z.string(),
    level: z.string(),
    levelLabel: z.string().describe('the level by its German name (Bezirksregion, Planungsraum, …)'),
    name: z.string(),
    areaM2: nullableNumber,
    district: z.object({ id: z.string(), name: z.string() }).nullable(),
  }),
  version: z.string(),
  date: z.string().nullable().describe('the requested date, else the latest date of any value of the unit'),
  withData: z.number().int().describe('core indicators with a value'),
  zielbereiche: z.array(z.object({ zielbereich: z.string(), indicators: z.array(profileEntry) })),
  computedAt: z.string().nullable().optional().describe('when the last recompute committed: the values read are those of that state (null: never computed); the header Datenpool-Pending counts the changes queued behind it'),
});
export type ProfileResponse = z.infer<typeof profileResponse>;

export const recomputeResponse = z.object({
  mode: z.enum(['full', 'incremental', 'none']),
  indicators: z.array(z.string()),
  valuesWritten: z.number().int(),
  valuesRemoved: z.number().int(),
  seconds: z.number(),
});

export const statusResponse = z.object({
  pending: z.number().int().describe('queued changes (scopes) the values do not reflect yet'),
  oldestPendingAt: z.string().nullable().describe('when the oldest queued change was enqueued'),
  queue: z.object({ full: z.number().int(), indicators: z.number().int(), observations: z.number().int() }),
  running: z.array(z.object({ pid: z.number().int(), what: z.string(), since: z.string().nullable() })).describe('recomputes running now, in any process'),
  lastRecompute: z
    .object({
      mode: z.string(),
      entries: z.number().int(),
      indicators: z.number().int(),
      valuesWritten: z.number().int(),
      valuesRemoved: z.number().int(),
      seconds: z.number(),
      finishedAt: z.string(),
    })
    .nullable(),
});
