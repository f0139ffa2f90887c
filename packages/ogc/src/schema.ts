// JSON Schemas of a collection (Part 3 queryables, Part 5 schema and sortables), built from its queryables.
import { GEOMETRY_QUERYABLE } from './cql2/check.ts';
import type { CollectionDescription, Queryable } from './provider.ts';

export const schemaConformance = [
  'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas',
  'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features',
] as const;

const JSON_SCHEMA = 'https://json-schema.org/draft/2020-12/schema';

function geometrySchema(collection: CollectionDescription): Record<string, unknown> {
  return {
    title: 'Geometry',
    format: `geometry-${collection.geometryType.toLowerCase()}`,
    $ref: `https://geojson.org/schema/${collection.geometryType}.json`,
  };
}

function propertySchema(q: Queryable): Record<string, unknown> {
  return {
    title: q.title,
    ...(q.description ? { description: q.description } : {}),
    ...(q.type === 'date' ? { type: 'string', format: 'date' } : { type: q.type }),
  };
}

/** `/collections/{id}/queryables`: every property that `filter` may use, and the geometry */
export function queryablesSchema(id: string, collection: CollectionDescription, queryables: readonly Queryable[]) {
  return {
    $schema: JSON_SCHEMA,
    $id: id,
    type: 'object',
    title: collection.title,
    properties: {
      ...Object.fromEntries(queryables.map((q) => [q.name, propertySchema(q)])),
      [GEOMETRY_QUERYABLE]: geometrySchema(collection),
    },
    additionalProperties: false,
  };
}

/** `/collections/{id}/sortables`: the properties `sortby` accepts */
export function sortablesSchema(id: string, collection: CollectionDescription, queryables: readonly Queryable[]) {
  return {
    $schema: JSON_SCHEMA,
    $id: id,
    type: 'object',
    title: collection.title,
    properties: Object.fromEntries(queryables.filter((q) => q.sortable).map((q) => [q.name, propertySchema(q)])),
    additionalProperties: false,
  };
}

/** `/collections/{id}/schema`: the features' properties with their roles (Part 5) */
export function featureSchema(id: string, collection: CollectionDescription, queryables: readonly Queryable[]) {
  return {
    $schema: JSON_SCHEMA,
    $id: id,
    type: 'object',
    title: collection.title,
    properties: {
      ...Object.fromEntries(
        queryables.map((q, i) => [
          q.name,
          { ...propertySchema(q), ...(q.isId ? { 'x-ogc-role': 'id' } : {}), 'x-ogc-propertySeq': i + 1 },
        ]),
      ),
      [GEOMETRY_QUERYABLE]: { ...geometrySchema(collection), 'x-ogc-role': 'primary-geometry' },
    },
  };
}
