// Zod contracts of the geometry service's own routes (the hierarchy API); OGC routes are packages/ogc/src/features.
import { idLengthByLevel, lorLevelSchema, lorVersionSchema } from '@datenpool/contracts';
import { z } from 'zod';
import { linkSchema } from '@datenpool/ogc';

export const versionParams = z.object({ version: z.string().describe('LOR version: 2006 or 2021') });
export const unitParams = versionParams.extend({ id: z.string().describe('unit id, e.g. 01011101; 0 is Berlin') });

export const lorUnitSchema = z.object({
  version: z.string(),
  level: lorLevelSchema,
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  areaM2: z.number().nullable(),
  hasGeometry: z.boolean().describe('false for a unit imported without geometry (every bundled unit has its polygon)'),
  href: z.string().describe('this unit in the hierarchy API'),
  featureHref: z.string().describe('this unit as an OGC API feature'),
});

export const unitSearchQuery = z.object({
  q: z.string().trim().min(2).max(100).describe('part of a unit name (case-insensitive) or the beginning of a unit id'),
  level: lorLevelSchema.optional().describe('only units of this level'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const unitSearchResponse = z.object({ version: z.string(), units: z.array(lorUnitSchema) });

export const unitResponse = lorUnitSchema.extend({
  ancestors: z.array(lorUnitSchema).describe('coarse to fine, Berlin first'),
  children: z.array(lorUnitSchema),
});

export const locateQuery = z.object({
  lon: z.string().optional().describe('longitude (CRS84); with lat'),
  lat: z.string().optional().describe('latitude (CRS84); with lon'),
  x: z.string().optional().describe('easting / longitude in crs; with y'),
  y: z.string().optional().describe('northing / latitude in crs; with x'),
  crs: z.string().optional().describe('CRS of x and y (default CRS84): CRS84, EPSG:4326, EPSG:25833, EPSG:3857'),
});

export const locateResponse = z.object({
  version: z.string(),
  point: z.object({ x: z.number(), y: z.number(), crs: z.string() }),
  units: z.array(lorUnitSchema).describe('the unit of every level with geometry that contains the point, coarse to fine'),
  levelsWithoutGeometry: z.array(lorLevelSchema).describe('levels of this version in which no unit with geometry contains the point (none in the bundled set)'),
});

/** the levels whose units were redrawn in the 2021 reform; Bezirke and Berlin are the same in both versions */
export const crosswalkLevels = ['planungsraum', 'bezirksregion', 'prognoseraum'] as const;

export const crosswalkQuery = z
  .object({
    from: lorVersionSchema.describe('LOR version of the source units: 2006 or 2021'),
    to: lorVersionSchema.describe('LOR version of the target units, the other one'),
    level: z.enum(crosswalkLevels).describe('planungsraum, bezirksregion or prognoseraum'),
    unit: z
      .string()
      .regex(/^\d{4}(\d{2}){0,2}$/)
      .optional()
      .describe('only the weights of this source unit (an id of the level in the from version)'),
    f: z.enum(['json', 'csv']).optional().describe('json (default) or csv; Accept: text/csv otherwise'),
  })
  .superRefine((q, ctx) => {
    if (q.from === q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be the other LOR version than from' });
    if (q.unit !== undefined && q.unit.length !== idLengthByLevel[q.level]) {
      ctx.addIssue({ code: 'custom', path: ['unit'], message: `a ${q.level} id has ${idLengthByLevel[q.level]} digits` });
    }
  });

export const crosswalkWeightSchema = z.object({
  fromId: z.string(),
  fromName: z.string().nullable().describe('name of the source unit (null where it is not in the pool)'),
  toId: z.string(),
  toName: z.string().nullable(),
  weight: z.number().describe("share of the source unit's additive value carried to the target unit; sums to 1 per source unit"),
  overlapM2: z.number().describe('area of the overlap of both units (m², EPSG:25833)'),
  shareOfFrom: z.number().describe('overlap / area of the source unit'),
  shareOfTo: z.number().describe('overlap / area of the target unit'),
  method: z.string().describe('how the weight was derived, e.g. area'),
});

export const crosswalkResponse = z.object({
  from: z.string(),
  to: z.string(),
  level: z.enum(crosswalkLevels),
  unit: z.string().nullable(),
  methods: z.array(z.string()).describe('the methods of the weights listed'),
  method: z.string().describe('how the weights are derived and applied'),
  sources: z.array(z.string()).describe('the bundled tables the weights come from'),
  numberOfWeights: z.number().int(),
  links: z.array(linkSchema),
  weights: z.array(crosswalkWeightSchema),
});
