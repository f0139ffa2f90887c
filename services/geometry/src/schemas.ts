// Zod contracts of the geometry service's own routes (the hierarchy API); OGC routes use ogc-schemas.ts.
import { lorLevelSchema } from '@datenpool/contracts';
import { z } from 'zod';

export const versionParams = z.object({ version: z.string().describe('LOR version: 2006 or 2021') });
export const unitParams = versionParams.extend({ id: z.string().describe('unit id, e.g. 01011101; 0 is Berlin') });

export const lorUnitSchema = z.object({
  version: z.string(),
  level: lorLevelSchema,
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  areaM2: z.number().nullable(),
  hasGeometry: z.boolean().describe('false for units whose geometry is not yet imported (2021 Bezirksregion, Planungsraum)'),
  href: z.string().describe('this unit in the hierarchy API'),
  featureHref: z.string().describe('this unit as an OGC API feature'),
});

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
  levelsWithoutGeometry: z.array(lorLevelSchema).describe('levels of this version whose units have no geometry yet'),
});
