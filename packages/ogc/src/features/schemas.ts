// Zod contracts of the OGC API Features routes (documentation and validation of the JSON documents).
import { z } from 'zod';
import type { ItemsFormat } from './formats.ts';

export const formatQuery = z.object({ f: z.enum(['json', 'html']).optional().describe('json or html; Accept otherwise') });

export const collectionParams = z.object({ collectionId: z.string().describe('e.g. lor-2006-planungsraum') });
export const featureParams = collectionParams.extend({ featureId: z.string().describe('the unit id, e.g. 01011101') });

const param = (description: string) => z.string().optional().describe(description);

const itemsQuery = z.object({
  f: param('json (GeoJSON) or html'),
  // documented as the integer it is (clients such as GDAL read default and maximum from here);
  // validated by parsePage, which clamps instead of refusing values above the maximum
  limit: param('page size: default 100, values above 10000 are clamped to 10000').meta({
    type: 'integer',
    minimum: 1,
    maximum: 10_000,
    default: 100,
  }),
  offset: param('number of features to skip (next links carry it)'),
  bbox: param('minx,miny,maxx,maxy (or 6 numbers) in bbox-crs'),
  'bbox-crs': param('CRS of bbox, default CRS84'),
  crs: param('output CRS: CRS84 (default), EPSG:4326 (lat/lon), EPSG:25833, EPSG:3857'),
  datetime: param('instant or interval (a/b, ../b, a/..); matches a version whose validity it meets'),
  properties: param('comma-separated properties to include'),
  filter: param('CQL2 filter over the queryables'),
  'filter-lang': param('cql2-text (default) or cql2-json'),
  'filter-crs': param('CRS of geometry literals in filter, default CRS84'),
  sortby: param('comma-separated sortables, - for descending: -area_m2,name'),
});

/** the items query; with extra items formats, `f` documents their names too (negotiateFormat validates it) */
export function itemsQuerySchema(formats: readonly ItemsFormat[]) {
  if (formats.length === 0) return itemsQuery;
  const names = ['json', 'html', ...formats.map((f) => f.name)];
  return itemsQuery.extend({
    f: param(`json (GeoJSON), html, ${formats.map((f) => `${f.name} (${f.title})`).join(', ')}`).meta({ enum: names }),
  });
}

export const featureQuery = z.object({
  f: param('json (GeoJSON) or html'),
  crs: param('output CRS: CRS84 (default), EPSG:4326 (lat/lon), EPSG:25833, EPSG:3857'),
  properties: param('comma-separated properties to include'),
});

export const linkSchema = z.object({
  href: z.string(),
  rel: z.string(),
  type: z.string().optional(),
  title: z.string().optional(),
});

export const conformanceSchema = z.object({ conformsTo: z.array(z.string()) });

export const collectionSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  extent: z.object({
    spatial: z.object({ bbox: z.array(z.array(z.number())), crs: z.string() }).optional(),
    temporal: z.object({ interval: z.array(z.array(z.string().nullable())), trs: z.string() }).optional(),
  }),
  itemType: z.literal('feature'),
  crs: z.array(z.string()),
  storageCrs: z.string(),
  links: z.array(linkSchema),
});

export const collectionsSchema = z.object({
  links: z.array(linkSchema),
  collections: z.array(collectionSchema),
});

export const jsonSchemaDocument = z.record(z.string(), z.unknown()).describe('a JSON Schema (2020-12)');

export const featureCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    numberMatched: z.number().int().optional(),
    numberReturned: z.number().int(),
    links: z.array(linkSchema),
    features: z.array(z.unknown()),
  })
  .describe('GeoJSON FeatureCollection (application/geo+json)');

export const featureSchema = z
  .object({ type: z.literal('Feature'), id: z.string(), geometry: z.unknown(), properties: z.unknown(), links: z.array(linkSchema) })
  .describe('GeoJSON Feature (application/geo+json)');
