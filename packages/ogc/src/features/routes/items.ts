// OGC API Features: /collections/{id}/items and /items/{fid}, GeoJSON assembled from PostGIS text, HTML, or an extra
// items format the plugin was given (handed the validated query).
import { readHandle } from '@datenpool/db';
import { type App, NotFound, negotiateFormat, problemResponses, publicBaseUrl, sendHtml } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { answerConditionally, entityTag } from '../../caching.ts';
import { contentCrsHeader, type CrsDefinition, EPSG_25833, parseCrs } from '../../crs.ts';
import { collectBytes, featureCollectionChunks, featureText } from '../../feature-collection.ts';
import { featureParameters, parseItemsQuery, parseProperties, rejectUnknownParameters } from '../../items-query.ts';
import { type Link, mediaTypes, requestQuery, selfAndAlternate, withQuery } from '../../links.ts';
import { neighbours } from '../../paging.ts';
import { sendStream, sendText } from '../../send.ts';
import type { ItemsFormat } from '../formats.ts';
import { featurePage, itemsPage } from '../html/pages.ts';
import type { FeaturesContext } from '../plugin.ts';
import { collectionParams, featureCollectionSchema, featureParams, featureQuery, featureSchema, itemsQuerySchema } from '../schemas.ts';
import { formatOf, requireCollection } from './collections.ts';

/** the HTML map draws in metres; whole metres are enough for a 640 px picture */
const htmlMapCrs: CrsDefinition = { ...parseCrs(EPSG_25833, 'crs'), precision: 0 };

/** json, html or one of the extra formats: `f` names it, else the Accept header (the extra formats by media type) */
function itemsFormatOf(request: FastifyRequest, formats: readonly ItemsFormat[]): string {
  if (formats.length === 0) return formatOf(request, mediaTypes.geojson);
  const offered = ['json', 'html', ...formats.map((f) => f.name)];
  const types: Record<string, string[]> = {
    json: [mediaTypes.geojson, 'application/json'],
    html: ['text/html', 'application/xhtml+xml'],
  };
  for (const f of formats) types[f.name] = [f.mediaType];
  return negotiateFormat(request, offered, types);
}

export async function itemRoutes(app: App, context: FeaturesContext): Promise<void> {
  const { collections, itemFormats } = context;

  app.get(
    '/collections/:collectionId/items',
    {
      schema: {
        tags: ['ogc'],
        summary: 'The features of a collection, a page at a time',
        description:
          'GeoJSON (application/geo+json) or HTML. Paging with limit/offset and next/prev links; numberMatched is exact, or the planner estimate or left out where OGC_NUMBER_MATCHED sets so (the last page is always exact). Unknown parameters are a 400.',
        params: collectionParams,
        querystring: itemsQuerySchema(itemFormats),
        response: { 200: featureCollectionSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const source = await requireCollection(app, collections, request.params.collectionId);
      const raw = requestQuery(request);
      const query = parseItemsQuery(raw, source);
      const format = itemsFormatOf(request, itemFormats);
      const extra = itemFormats.find((f) => f.name === format);
      const base = publicBaseUrl(request);
      // without a condition there is no 304 to answer early: the version may come with the page
      const conditional = request.headers['if-none-match'] !== undefined || request.headers['if-modified-since'] !== undefined;
      if (format === 'html' || extra || conditional) {
        const version = await source.dataVersion();
        if (answerConditionally(request, reply, version, entityTag(version, request, base, format))) return reply;
      }
      if (extra) return extra.send(reply, { request, database: readHandle(app.database), source, query, raw, baseUrl: base });
      const path = `${base}/collections/${source.id}/items`;
      const withoutF = (changes: Record<string, string | undefined>) => withQuery(path, raw, { f: undefined, ...changes });
      if (format === 'html') {
        const result = await source.items({ ...query, crs: htmlMapCrs });
        const features = [];
        for await (const chunk of result.features) if (chunk !== '') features.push(...JSON.parse(`[${chunk}]`));
        const summary = await result.summary();
        const links = pageLinks(query.page, summary, source.numberMatched === 'exact', (offset) => withQuery(path, raw, { f: 'html', offset }), 'html');
        return sendHtml(
          reply,
          itemsPage({
            collectionId: source.id,
            title: (await source.describe()).title,
            features,
            ...(summary.numberMatched === undefined ? {} : { numberMatched: summary.numberMatched }),
            offset: query.page.offset,
            links,
            jsonHref: withoutF({ f: 'json' }),
            base,
          }),
        );
      }
      const result = await source.items(query);
      if (!conditional) {
        const version = result.dataVersion ?? (await source.dataVersion());
        answerConditionally(request, reply, version, entityTag(version, request, base, format));
      }
      const chunks = featureCollectionChunks(result, (summary) => [
        ...selfAndAlternate((f) => withQuery(path, raw, { f }), mediaTypes.geojson, 'json'),
        ...itemFormats.map((f) => ({ href: withQuery(path, raw, { f: f.name }), rel: 'alternate', type: f.mediaType, title: f.title })),
        ...pageLinks(query.page, summary, source.numberMatched === 'exact', (offset) => withoutF({ offset }), 'json'),
        { href: `${base}/collections/${source.id}`, rel: 'collection', type: mediaTypes.json, title: 'The collection' },
      ]);
      reply.header('content-crs', contentCrsHeader(query.crs));
      // streamed pages go out chunked as the cursor yields them; others with a Content-Length
      if (result.streamed) return sendStream(reply, mediaTypes.geojson, Readable.from(chunks));
      return sendText(reply, mediaTypes.geojson, await collectBytes(chunks));
    },
  );

  app.get(
    '/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags: ['ogc'],
        summary: 'One feature',
        params: featureParams,
        querystring: featureQuery,
        response: { 200: featureSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { collectionId, featureId } = request.params;
      const source = await requireCollection(app, collections, collectionId);
      const raw = requestQuery(request);
      rejectUnknownParameters(raw, featureParameters);
      const crs = parseCrs(raw.get('crs') ?? undefined, 'crs');
      const properties = parseProperties(raw.get('properties') ?? undefined, source);
      const format = formatOf(request, mediaTypes.geojson);
      const base = publicBaseUrl(request);
      const version = await source.dataVersion();
      const tag = entityTag(version, request, base, format);
      const feature = await source.item(featureId, format === 'html' ? htmlMapCrs : crs, properties);
      if (feature === undefined) throw new NotFound(`Collection ${collectionId} has no feature ${featureId}.`);
      if (answerConditionally(request, reply, version, tag)) return reply;
      const path = `${base}/collections/${collectionId}/items/${encodeURIComponent(featureId)}`;
      if (format === 'html') {
        return sendHtml(
          reply,
          featurePage({ collectionId, feature: JSON.parse(feature), jsonHref: withQuery(path, raw, { f: 'json' }), base }),
        );
      }
      const links: Link[] = [
        ...selfAndAlternate((f) => withQuery(path, raw, { f }), mediaTypes.geojson, 'json'),
        { href: `${base}/collections/${collectionId}`, rel: 'collection', type: mediaTypes.json, title: 'The collection' },
      ];
      reply.header('content-crs', contentCrsHeader(crs));
      return sendText(reply, mediaTypes.geojson, featureText(feature, links));
    },
  );
}

function pageLinks(
  page: { limit: number; offset: number },
  result: { numberReturned: number; numberMatched?: number },
  exact: boolean,
  href: (offset: string) => string,
  format: 'json' | 'html',
): Link[] {
  // an estimate must not end the paging: next links then follow full pages
  const { next, prev } = neighbours(page, result.numberReturned, exact ? result.numberMatched : undefined);
  const type = format === 'html' ? mediaTypes.html : mediaTypes.geojson;
  return [
    ...(next === undefined ? [] : [{ href: href(String(next)), rel: 'next', type, title: 'Next page' }]),
    ...(prev === undefined ? [] : [{ href: href(String(prev)), rel: 'prev', type, title: 'Previous page' }]),
  ];
}
