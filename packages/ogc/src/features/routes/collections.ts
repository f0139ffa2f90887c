// OGC API Features: /conformance, /collections, /collections/{id} and its queryables, schema, sortables.
import { readHandle } from '@datenpool/db';
import { type App, NotFound, negotiateFormat, problemResponses, publicBaseUrl, sendHtml } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';
import { CRS84, supportedCrs } from '../../crs.ts';
import { rejectUnknownParameters } from '../../items-query.ts';
import { mediaTypes, requestQuery, selfAndAlternate } from '../../links.ts';
import type { CollectionDescription, CollectionLookup, FeatureCollectionSource } from '../../provider.ts';
import { featureSchema, queryablesSchema, sortablesSchema } from '../../schema.ts';
import { sendText } from '../../send.ts';
import { collectionPage, collectionsPage, conformancePage } from '../html/pages.ts';
import type { FeaturesContext } from '../plugin.ts';
import { collectionParams, collectionSchema, collectionsSchema, conformanceSchema, formatQuery, jsonSchemaDocument } from '../schemas.ts';

const TRS = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian';

export function formatOf(request: FastifyRequest, json: string = mediaTypes.json) {
  return negotiateFormat(request, ['json', 'html'] as const, {
    json: [json, 'application/json', 'application/geo+json'],
    html: ['text/html', 'application/xhtml+xml'],
  });
}

export async function requireCollection(app: App, collections: CollectionLookup, id: string): Promise<FeatureCollectionSource> {
  // features are read where reads may lag (a streaming standby when DATABASE_READ_URL is set)
  const source = await collections.find(readHandle(app.database), id);
  if (!source) throw new NotFound(`There is no collection ${id}.`);
  return source;
}

export type Describe = (source: FeatureCollectionSource) => Promise<CollectionDescription>;

async function collectionDocument(source: FeatureCollectionSource, base: string, describe: Describe, context: FeaturesContext) {
  const d = await describe(source);
  const path = `${base}/collections/${d.id}`;
  return {
    id: d.id,
    title: d.title,
    ...(d.description ? { description: d.description } : {}),
    extent: {
      ...(d.extent.spatial ? { spatial: { bbox: d.extent.spatial.bbox, crs: CRS84 } } : {}),
      ...(d.extent.temporal
        ? {
            temporal: {
              interval: d.extent.temporal.interval.map((i) => i.map((v) => (v ? `${v}T00:00:00Z` : null))),
              trs: TRS,
            },
          }
        : {}),
    },
    itemType: 'feature' as const,
    crs: supportedCrs.map((c) => c.uri),
    storageCrs: d.storageCrs,
    links: [
      { href: path, rel: 'self', type: mediaTypes.json, title: 'This collection' },
      { href: `${path}?f=html`, rel: 'alternate', type: mediaTypes.html, title: 'This collection as HTML' },
      { href: `${path}/items`, rel: 'items', type: mediaTypes.geojson, title: 'The features as GeoJSON' },
      { href: `${path}/items?f=html`, rel: 'items', type: mediaTypes.html, title: 'The features as HTML' },
      { href: `${path}/queryables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: mediaTypes.schema, title: 'Queryables' },
      { href: `${path}/schema`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/schema', type: mediaTypes.schema, title: 'Schema' },
      { href: `${path}/sortables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/sortables', type: mediaTypes.schema, title: 'Sortables' },
      ...context.collectionLinks(path),
    ],
  };
}

export async function collectionRoutes(app: App, context: FeaturesContext, describe: Describe): Promise<void> {
  const { collections } = context;
  const base = (request: FastifyRequest) => publicBaseUrl(request);

  app.get(
    '/conformance',
    {
      schema: {
        tags: ['ogc'],
        summary: 'The conformance classes this server implements',
        querystring: formatQuery,
        response: { 200: conformanceSchema, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      rejectUnknownParameters(requestQuery(request), ['f']);
      const classes = [...context.conformance];
      if (formatOf(request) === 'html') return sendHtml(reply, conformancePage(classes, base(request)));
      return { conformsTo: classes };
    },
  );

  app.get(
    '/collections',
    {
      schema: {
        tags: ['ogc'],
        summary: 'The feature collections',
        querystring: formatQuery,
        response: { 200: collectionsSchema, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      rejectUnknownParameters(requestQuery(request), ['f']);
      const b = base(request);
      const documents = await Promise.all((await collections.list(readHandle(app.database))).map((s) => collectionDocument(s, b, describe, context)));
      const format = formatOf(request);
      if (format === 'html') return sendHtml(reply, collectionsPage(documents, b));
      return {
        links: selfAndAlternate((f) => `${b}/collections?f=${f}`, mediaTypes.json, format),
        collections: documents,
      };
    },
  );

  app.get(
    '/collections/:collectionId',
    {
      schema: {
        tags: ['ogc'],
        summary: 'One feature collection',
        params: collectionParams,
        querystring: formatQuery,
        response: { 200: collectionSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      rejectUnknownParameters(requestQuery(request), ['f']);
      const b = base(request);
      const doc = await collectionDocument(await requireCollection(app, collections, request.params.collectionId), b, describe, context);
      if (formatOf(request) === 'html') return sendHtml(reply, collectionPage(doc, b));
      return doc;
    },
  );

  const schemaRoutes = [
    ['queryables', 'The properties a filter may use (JSON Schema)', queryablesSchema],
    ['schema', 'The schema of the features (JSON Schema with OGC roles)', featureSchema],
    ['sortables', 'The properties sortby accepts (JSON Schema)', sortablesSchema],
  ] as const;
  for (const [name, summary, build] of schemaRoutes) {
    app.get(
      `/collections/:collectionId/${name}`,
      {
        schema: {
          tags: ['ogc'],
          summary,
          params: collectionParams,
          querystring: formatQuery,
          response: { 200: jsonSchemaDocument, ...problemResponses(400, 404) },
        },
      },
      async (request, reply) => {
        rejectUnknownParameters(requestQuery(request), ['f']);
        const source = await requireCollection(app, collections, request.params.collectionId);
        const d = await describe(source);
        const doc = build(`${base(request)}/collections/${d.id}/${name}`, d, source.queryables);
        return sendText(reply, mediaTypes.schema, JSON.stringify(doc));
      },
    );
  }
}
