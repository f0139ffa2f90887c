// zod contracts of the SDMX routes: path parameters and query parameters of structure and data queries.
import { z } from 'zod';

const formatParam = z
  .string()
  .max(40)
  .optional()
  .describe('output format; wins over Accept. Data: csv (SDMX-CSV 2.0), json (SDMX-JSON 2.0), xml (SDMX-ML 2.1 StructureSpecific). Structures: xml, json');

const agency = z.string().max(50).describe('maintenance agency: DATENPOOL, or all');
const resourceId = z.string().max(100).describe('resource id, or all');
const resourceVersion = z.string().max(20).describe('1.0, latest or all');

/** the path parameters of a structure query by how many segments follow the resource */
export const structurePathParams = [
  z.object({}),
  z.object({ agency }),
  z.object({ agency, id: resourceId }),
  z.object({ agency, id: resourceId, version: resourceVersion }),
] as const;
export type StructurePath = { agency?: string; id?: string; version?: string };

export const structureQuery = z.object({
  references: z
    .enum(['none', 'parents', 'parentsandsiblings', 'children', 'descendants', 'all', 'dataflow', 'datastructure', 'codelist', 'conceptscheme'])
    .default('none')
    .describe('referenced structures to include (SDMX REST 2.1)'),
  detail: z.enum(['full', 'allstubs', 'referencestubs', 'allcompletestubs', 'referencecompletestubs', 'referencepartial']).default('full').describe('accepted; always full'),
  format: formatParam,
});

const flow = z.string().min(1).max(200).describe('dataflow: `DF_X`, `DATENPOOL,DF_X` or `DATENPOOL,DF_X,1.0`');
const key = z
  .string()
  .max(20000)
  .describe('series key: dimension values in DSD order separated by `.`, alternatives joined with `+`, empty for all; `all` for everything');

/** without and with the key segment */
export const dataPathParams = [z.object({ flow }), z.object({ flow, key })] as const;
export type DataPath = { flow: string; key?: string };

export const dataQuery = z.object({
  startPeriod: z.string().max(20).optional().describe('first period (YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM or YYYY-MM-DD)'),
  endPeriod: z.string().max(20).optional().describe('last period (same forms)'),
  updatedAfter: z.string().max(40).optional().describe('only what changed after this instant (ISO 8601 with offset); deletions come as ACTION D'),
  includeHistory: z.enum(['true', 'false']).default('false').describe('every revision with its validity (VALID_FROM, VALID_TO)'),
  asOf: z.string().max(40).optional().describe('the data as they were known at this instant (ISO 8601 with offset)'),
  dimensionAtObservation: z.string().max(40).default('TIME_PERIOD').describe('TIME_PERIOD, AllDimensions or a dimension id'),
  detail: z.enum(['full', 'dataonly']).default('full').describe('full, or dataonly (no attributes)'),
  format: formatParam,
});
export type DataQueryParams = z.infer<typeof dataQuery>;
