// zod contracts of the ingest routes: push parameters, batch reports, observation reads.
import { calendarDateSchema, instantSchema, lorLevelSchema, lorVersionSchema } from '@datenpool/contracts';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === '');

export const variableParams = z.object({ variableId: z.string().min(1).max(200) });

export const pushQuery = z.object({
  lorVersion: lorVersionSchema.default('2021').describe('LOR version the unit ids refer to'),
  mode: z.enum(['atomic', 'partial']).default('atomic').describe('atomic: one invalid row rejects all; partial: store the valid rows'),
  dryRun: booleanFlag.describe('validate and report only; nothing but the batch record is stored'),
  decimal: z.enum(['point', 'comma']).default('point').describe('decimal separator of CSV values (comma: German 1.234,5)'),
  date: calendarDateSchema.optional().describe('facilities: the reference date of the counts'),
  capacityVariable: z.string().min(1).max(200).optional().describe('facilities: the variable that receives the summed capacity'),
  capacityProperty: z.string().min(1).max(200).optional().describe('facilities: the feature property holding the capacity'),
});
export type PushQuery = z.infer<typeof pushQuery>;

export const rowErrorSchema = z.object({
  row: z.number().int().describe('data row, counted from 1 (a CSV header is row 0); 0 for the whole body'),
  field: z.string(),
  code: z.string(),
  message: z.string(),
});

export const batchReportSchema = z.object({
  id: z.string().uuid(),
  variable: z.string().nullable(),
  lorVersion: z.string().nullable(),
  agency: z.string().nullable(),
  source: z.string().nullable(),
  status: z.enum(['running', 'accepted', 'partial', 'rejected', 'failed']),
  mode: z.enum(['atomic', 'partial']),
  dryRun: z.boolean(),
  contentType: z.string().nullable(),
  checksum: z.string().nullable().describe('sha256 of the body'),
  rows: z.object({
    total: z.number().int(),
    valid: z.number().int(),
    invalid: z.number().int(),
    new: z.number().int(),
    revised: z.number().int(),
    unchanged: z.number().int(),
  }),
  errors: z.array(rowErrorSchema).describe('the first 1000 row errors'),
  totalErrors: z.number().int(),
  warnings: z.array(z.record(z.string(), z.unknown())),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type BatchReport = z.infer<typeof batchReportSchema>;

export const facilitiesReportSchema = z.object({
  level: z.string().describe('the finest level with geometry the points were joined to'),
  points: z.number().int(),
  batches: z.array(batchReportSchema),
});

export const batchParams = z.object({ id: z.string().uuid() });
export const batchListQuery = z.object({
  variable: z.string().optional(),
  status: z.enum(['running', 'accepted', 'partial', 'rejected', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const observationQuery = z.object({
  lorVersion: lorVersionSchema.default('2021'),
  unit: z.string().regex(/^\d{1,8}(,\d{1,8})*$/).optional().describe('LOR unit id(s), comma-separated'),
  level: lorLevelSchema.optional().describe('values at this level; sum variables are rolled up from the finest level delivered'),
  date: calendarDateSchema.optional(),
  from: calendarDateSchema.optional(),
  to: calendarDateSchema.optional(),
  breakdown: z.string().max(500).optional().describe("canonical breakdown `dim=code;dim=code`, or `total`; all when omitted"),
  asOf: instantSchema.optional().describe('the values as they were at this instant'),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
  offset: z.coerce.number().int().min(0).default(0),
  f: z.enum(['json', 'csv']).optional(),
});
export type ObservationQuery = z.infer<typeof observationQuery>;

export const observationSchema = z.object({
  unit: z.string(),
  level: z.string(),
  date: z.string(),
  breakdown: z.record(z.string(), z.string()),
  value: z.number().nullable(),
  status: z.string(),
  derived: z.boolean().describe('true where the value is a roll-up of finer units'),
  suppression: z
    .enum(['disclosure', 'secondary', 'pending'])
    .nullable()
    .describe('why the value is withheld (status suppressed): disclosure (a count below the variable\'s disclosureThreshold), secondary (a complementary cell: it would reveal a withheld one through a published sum), pending (not evaluated yet); null where published'),
});

export const observationListSchema = z.object({
  variable: z.string(),
  lorVersion: z.string(),
  asOf: z.string().nullable(),
  numberReturned: z.number().int(),
  observations: z.array(observationSchema),
});

export const historyQuery = z.object({
  lorVersion: lorVersionSchema.default('2021'),
  unit: z.string().regex(/^\d{1,8}$/),
  date: calendarDateSchema,
  breakdown: z.string().max(500).default(''),
});

export const revisionSchema = z.object({
  value: z.number().nullable(),
  deleted: z.boolean(),
  status: z.string(),
  suppression: z
    .enum(['disclosure', 'secondary', 'pending'])
    .nullable()
    .describe('why the value is withheld (status suppressed): disclosure (a count below the variable\'s disclosureThreshold), secondary (a complementary cell: it would reveal a withheld one through a published sum), pending (not evaluated yet); null where published'),
  batch: z.string(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
});

export const historySchema = z.object({
  variable: z.string(),
  lorVersion: z.string(),
  unit: z.string(),
  date: z.string(),
  breakdown: z.record(z.string(), z.string()),
  revisions: z.array(revisionSchema),
});

export const sourceParams = z.object({ id: z.string().min(1).max(200) });
export const harvestQuery = z.object({
  mode: z.enum(['atomic', 'partial']).default('atomic'),
  dryRun: booleanFlag,
});
