// Zod contracts of the metadata routes: agencies, variables, indicators, sources, API keys.
import { instantSchema, lorLevelSchema, variableRefSchema } from '@datenpool/contracts';
import { readGrantPattern, scopes } from '@datenpool/service-kit';
import { z } from 'zod';

const status = z.enum(['draft', 'active', 'retired']);
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, `_` and `-`, at most 64 characters');
/** the LOR levels in their order, as packages/contracts defines them */
const lorLevel = lorLevelSchema;
const referenceDate = z
  .string()
  .regex(/^(any|\d{2}-\d{2}(,\d{2}-\d{2})*)$/, '`MM-DD`, a comma list of `MM-DD`, or `any`');
const breakdowns = z
  .record(z.string().min(1), z.array(z.string().min(1)).min(1))
  .describe('allowed breakdown dimensions and their codes, e.g. `{ "citizenship": ["deutsch", "auslaendisch"] }`');

export const idParams = z.object({ id: z.string().min(1).max(200) });

// --- agencies
export const agencyKinds = z.enum(['senatsverwaltung', 'bezirksamt', 'statistikamt', 'other']);
export const agencySchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: agencyKinds,
  contact: z.string().nullable(),
});
export const agencyBody = z.object({ id, name: z.string().min(1), kind: agencyKinds, contact: z.string().nullable().default(null) }).strict();

// --- variables
export const variableSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  supersedes: z.string().nullable(),
  labelDe: z.string(),
  labelEn: z.string(),
  description: z.string(),
  unit: z.string(),
  valueKind: z.enum(['count', 'measure', 'rate']),
  rateBase: variableRefSchema.nullable().describe('what a rate refers to (value kind `rate`): a variable, optionally restricted to breakdown codes'),
  aggregation: z.enum(['sum', 'none']),
  finestLevel: z.string(),
  periodicity: z.string(),
  referenceDate: z.string(),
  breakdowns: z.record(z.string(), z.array(z.string())),
  disclosureThreshold: z.number().int(),
  agencyId: z.string(),
  licence: z.string(),
  access: z.enum(['public', 'restricted']),
  status,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type VariableOut = z.infer<typeof variableSchema>;

export const variableQuery = z.object({
  agency: z.string().optional().describe('only variables of this agency'),
  status: status.optional(),
  access: z.enum(['public', 'restricted']).optional(),
});

const variableFields = {
  labelDe: z.string().min(1),
  labelEn: z.string().min(1),
  description: z.string(),
  unit: z.string().min(1),
  valueKind: z
    .enum(['count', 'measure', 'rate'])
    .describe('`rate`: a share or rate per unit (unit `%`: 0–100; other units such as `Prozentpunkte` may be negative), with `rateBase`'),
  rateBase: variableRefSchema
    .nullable()
    .describe('the base a rate refers to, e.g. `{ "variable": "einwohner", "breakdown": { "age": ["unter6", "6-15"] } }`; required for value kind `rate`'),
  aggregation: z.enum(['sum', 'none']),
  finestLevel: lorLevel,
  periodicity: z.enum(['annual', 'semiannual', 'quarterly', 'monthly', 'biennial', 'irregular']),
  referenceDate,
  breakdowns,
  disclosureThreshold: z.number().int().min(0),
  agencyId: z.string().min(1),
  licence: z.string().min(1),
  access: z.enum(['public', 'restricted']),
  status,
};

export const variableCreateBody = z.object({
  id,
  supersedes: z.string().min(1).optional().describe('the variable this one replaces as a new version'),
  ...variableFields,
  description: variableFields.description.default(''),
  valueKind: variableFields.valueKind.default('count'),
  rateBase: variableFields.rateBase.default(null),
  periodicity: variableFields.periodicity.default('annual'),
  referenceDate: variableFields.referenceDate.default('12-31'),
  breakdowns: variableFields.breakdowns.default({}),
  disclosureThreshold: variableFields.disclosureThreshold.default(0),
  licence: variableFields.licence.default('dl-de/by-2-0'),
  access: variableFields.access.default('public'),
  status: variableFields.status.default('draft'),
}).strict();
export type VariableCreate = z.infer<typeof variableCreateBody>;

export const variablePatchBody = z.object(variableFields).partial().strict();
export type VariablePatch = z.infer<typeof variablePatchBody>;

// --- indicators
const variableSummary = z.object({
  id: z.string(),
  labelDe: z.string(),
  labelEn: z.string(),
  unit: z.string(),
  agencyId: z.string(),
  access: z.enum(['public', 'restricted']),
  status,
  breakdowns: z.record(z.string(), z.array(z.string())),
});

export const indicatorSchema = z.object({
  id: z.string(),
  zielbereich: z.string(),
  labelDe: z.string(),
  labelEn: z.string(),
  description: z.string(),
  unit: z.string(),
  formula: z.record(z.string(), z.unknown()).describe('an indicator formula (see the `kind` values in the documentation)'),
  polarity: z.enum(['risk', 'potential', 'neutral']),
  core: z.boolean(),
  lowestLevel: z.string(),
  minBase: z.number().int(),
  availability: z.string(),
  status,
  access: z.enum(['public', 'restricted']).describe('restricted when any input variable is restricted'),
  version: z.number().int().describe('the version in force: a change of formula, minBase or lowestLevel of an indicator that is not a draft adds one'),
  validFrom: z.string().describe('when the version in force took effect'),
  agencyId: z.string().nullable().describe('the agency that defined the indicator and may change it; null: the statistics office'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IndicatorOut = z.infer<typeof indicatorSchema>;

export const indicatorVersionSchema = z.object({
  version: z.number().int(),
  formula: z.record(z.string(), z.unknown()),
  minBase: z.number().int(),
  lowestLevel: z.string(),
  validFrom: z.string().describe('when this definition took effect; the first version also explains values computed before it'),
  validTo: z.string().nullable().describe('when the next version replaced it; null for the version in force'),
  createdBy: z.string(),
});
export const indicatorVersionsSchema = z.object({
  indicator: z.string(),
  version: z.number().int().describe('the version in force'),
  versions: z.array(indicatorVersionSchema).describe('oldest first'),
});

export const indicatorDetailSchema = indicatorSchema.extend({
  variables: z.array(variableSummary).describe('every variable the formula reads, also through other indicators'),
  indicators: z.array(z.object({ id: z.string(), labelDe: z.string(), labelEn: z.string() })).describe('indicators the formula is built from'),
});

export const zielbereiche = ['Armut', 'Kinder', 'Demografie', 'Familie', 'Wohnen', 'Sicherheit', 'Gesamtbild'] as const;

export const indicatorQuery = z.object({
  zielbereich: z.enum(zielbereiche).optional(),
  core: z.enum(['true', 'false']).optional().describe('core (true) or optional (false) indicators'),
  status: status.optional(),
});

const indicatorFields = {
  zielbereich: z.enum(zielbereiche),
  labelDe: z.string().min(1),
  labelEn: z.string().min(1),
  description: z.string(),
  unit: z.string().min(1),
  formula: z.unknown().describe('validated against the formula schema; errors are a 422 naming the pointer'),
  polarity: z.enum(['risk', 'potential', 'neutral']),
  core: z.boolean(),
  lowestLevel: lorLevel,
  minBase: z.number().int().min(0),
  availability: z.string(),
  status,
};
export const indicatorCreateBody = z.object({
  id,
  ...indicatorFields,
  description: indicatorFields.description.default(''),
  unit: indicatorFields.unit.default('%'),
  core: indicatorFields.core.default(false),
  lowestLevel: indicatorFields.lowestLevel.default('planungsraum'),
  minBase: indicatorFields.minBase.default(0),
  availability: indicatorFields.availability.default(''),
  status: indicatorFields.status.default('draft'),
}).strict();
export type IndicatorCreate = z.infer<typeof indicatorCreateBody>;
export const indicatorPatchBody = z.object(indicatorFields).partial().strict();
export type IndicatorPatch = z.infer<typeof indicatorPatchBody>;

// --- referenced sources
const sourceKind = z.enum(['csv', 'ogcapi-features', 'sdmx-csv']);
export const sourceSchema = z.object({
  id: z.string(),
  agencyId: z.string(),
  variableId: z.string(),
  lorVersion: z.string(),
  kind: sourceKind,
  url: z.string(),
  mapping: z.record(z.string(), z.unknown()),
  schedule: z.string().nullable(),
  enabled: z.boolean(),
  lastHarvestAt: z.string().nullable(),
  lastStatus: z.string().nullable(),
  auth: z
    .object({ header: z.string(), secret: z.string() })
    .nullable()
    .describe('the header a harvest sends and the name of the setting holding its value (never the value)'),
  createdAt: z.string(),
});
export type SourceOut = z.infer<typeof sourceSchema>;

/** query parameters that carry credentials: a source's credentials go in `auth`, never in its URL */
const credentialParams = /^(api[_-]?key|apikey|access[_-]?token|token|key|secret|password|passwd|pass|auth|sig|signature|client[_-]?secret)$/i;
/** headers a source's credentials may not replace: they would change what is fetched or how */
const reservedHeaders = /^(host|content-length|transfer-encoding|connection|upgrade|te|trailer|keep-alive|proxy-.*|accept|accept-encoding|cookie2?)$/i;
const sourceFields = {
  agencyId: z.string().min(1),
  variableId: z.string().min(1),
  lorVersion: z.enum(['2006', '2021']),
  kind: sourceKind,
  url: z
    .string()
    .max(4000)
    .url()
    // zod runs every refinement even after .url() failed: new URL() must not see what it cannot parse (a TypeError, a 500)
    .refine((u) => URL.canParse(u) && /^https?:$/i.test(new URL(u).protocol), 'only http and https sources can be harvested')
    .refine((u) => {
      const url = URL.canParse(u) ? new URL(u) : undefined;
      return !url?.username && !url?.password;
    }, 'credentials in the URL (user:password@) are refused: name a HARVEST_SECRET_* setting in `auth` instead')
    .refine(
      (u) => !URL.canParse(u) || ![...new URL(u).searchParams.keys()].some((name) => credentialParams.test(name)),
      'credential-like query parameters (token, key, secret, …) are refused: name a HARVEST_SECRET_* setting in `auth` instead',
    )
    .describe('http(s) URL of the source, without credentials (see `auth`)'),
  mapping: z.record(z.string(), z.unknown()).describe('fields of the source mapped to unit, date, value and breakdowns'),
  schedule: z.string().nullable().describe('cron expression of the harvest, or null for harvest on demand'),
  enabled: z.boolean(),
  auth: z
    .object({
      header: z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'an HTTP header name')
        .refine((h) => !reservedHeaders.test(h), 'a header the harvest sets itself')
        .describe('the request header, e.g. `Authorization` or `X-API-Key`'),
      secret: z
        .string()
        .regex(/^HARVEST_SECRET_[A-Z0-9_]{1,64}$/, 'the name of a setting HARVEST_SECRET_<NAME>')
        .describe('the setting (environment variable) of the ingest process whose value is sent, e.g. `HARVEST_SECRET_SENSTADT`'),
    })
    .strict()
    .nullable()
    .describe('credentials by reference: the value comes from the named setting at harvest time and is never stored or shown'),
};
export const sourceCreateBody = z.object({
  id,
  ...sourceFields,
  mapping: sourceFields.mapping.default({}),
  schedule: sourceFields.schedule.default(null),
  enabled: sourceFields.enabled.default(true),
  auth: sourceFields.auth.default(null),
}).strict();
export type SourceCreate = z.infer<typeof sourceCreateBody>;
export const sourcePatchBody = z.object(sourceFields).partial().strict();
export type SourcePatch = z.infer<typeof sourcePatchBody>;

// --- API keys
export const keySchema = z.object({
  id: z.string(),
  prefix: z.string().describe('the public first part of the key, to recognise it; never enough to use it'),
  label: z.string(),
  agencyId: z.string().nullable(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable().describe('after this instant the key is refused with 401; null: it does not expire'),
  readRestricted: z.array(z.string()).describe('read grants for restricted data: `agency:<id>` (all its restricted variables) or `variable:<id>`'),
});
export type KeyOut = z.infer<typeof keySchema>;
export const keyCreateBody = z.object({
  label: z.string().min(1).max(200),
  agencyId: z.string().min(1).nullable().default(null),
  scopes: z.array(z.enum(scopes)).min(1),
  expiresAt: instantSchema
    .nullable()
    .default(null)
    .describe('ISO 8601 instant with offset after which the key is refused (401 naming the expiry); must lie in the future'),
  readRestricted: z
    .array(z.string().regex(readGrantPattern, '`agency:<id>` or `variable:<id>`'))
    .max(200)
    .default([])
    .describe('restricted data this key may read without read:restricted: `agency:<id>` or `variable:<id>`'),
}).strict();
export const keyCreatedSchema = keySchema.extend({
  key: z.string().describe('the API key; shown only in this answer, stored only as a hash'),
});

