// WFS 2.0 at /wfs (KVP over GET): GetCapabilities, DescribeFeatureType, GetFeature (with the GetFeatureById stored
// query), ListStoredQueries, DescribeStoredQueries over the collections a lookup gives, every error an ExceptionReport.
import { type DatabaseHandle, readHandle, startedStream } from '@datenpool/db';
import { type App, publicBaseUrl } from '@datenpool/service-kit';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { answerConditionally, entityTag } from '../caching.ts';
import { requestQuery } from '../links.ts';
import { neighbours } from '../paging.ts';
import { type CollectionDescription, type CollectionLookup, createDescriptionCache, type FeatureCollectionSource } from '../provider.ts';
import { capabilitiesDocument, requestedSections, STORED_QUERY_GET_FEATURE_BY_ID } from './capabilities.ts';
import { schemaDocument } from './describe-feature-type.ts';
import { asWfsException, EXCEPTION_MEDIA_TYPE, exceptionReport, WfsException } from './exception.ts';
import { aggregatedPage, geoJsonFeatureSql, gmlMemberSql } from './feature-sql.ts';
import { featureDocument, featureRequest, requestedTypes } from './get-feature.ts';
import { GML_MEDIA_TYPE, JSON_MEDIA_TYPE, Kvp, outputFormat, SCHEMA_MEDIA_TYPE, schemaFormat, VERSION } from './kvp.ts';
import { describeStoredQueries, listStoredQueries } from './stored-queries.ts';
import { FEATURE_NS, FEATURE_PREFIX, GML_NS, WFS_NS } from './xml.ts';

export interface WfsOptions {
  title?: string;
  abstract?: string;
  provider?: string;
}

const CAPABILITIES_MEDIA_TYPE = 'text/xml; charset=utf-8';

const param = (description: string) => z.string().optional().describe(description);

/** the parameters as WFS 2.0 spells them; names are case-insensitive, so `TYPENAMES` and `typenames` are the same */
export const wfsQuery = z.object({
  service: param('WFS'),
  request: param('GetCapabilities, DescribeFeatureType, GetFeature, ListStoredQueries or DescribeStoredQueries'),
  version: param('2.0.0 (or 2.0.2); required by all but GetCapabilities'),
  acceptVersions: param('GetCapabilities: versions the client speaks, e.g. 2.0.0'),
  sections: param('GetCapabilities: All or a list of ServiceIdentification, ServiceProvider, OperationsMetadata, FeatureTypeList, Filter_Capabilities'),
  typeNames: param('feature types (collection ids, prefixed datenpool: or not); GetFeature takes one'),
  typeName: param('typeNames as WFS 1.1 clients spell it'),
  outputFormat: param('GetFeature: application/gml+xml; version=3.2 (default) or application/json'),
  count: param('features per page: default and maximum 10000'),
  startIndex: param('features to skip (next links carry it)'),
  resultType: param('results (default) or hits (numberMatched only)'),
  srsName: param('output CRS: urn:ogc:def:crs:EPSG::25833 (default), urn:ogc:def:crs:EPSG::4326 (lat/lon), urn:ogc:def:crs:EPSG::3857'),
  bbox: param('minx,miny,maxx,maxy[,crs] in the CRS\'s axis order (EPSG:4326: lat,lon), the type\'s CRS when none is given'),
  resourceId: param('comma-separated feature ids as the GML gml:id gives them: {typeName}.{id}'),
  filter: param('FES 2.0 Filter (XML): And, Or, Not, comparisons, PropertyIsLike, PropertyIsNull, PropertyIsBetween, BBOX, spatial operators, ResourceId'),
  sortBy: param('property ASC|DESC, comma-separated'),
  propertyName: param('the properties to return, comma-separated'),
  storedQuery_id: param(`GetFeature, DescribeStoredQueries: ${STORED_QUERY_GET_FEATURE_BY_ID}`),
  id: param('GetFeatureById: the resource id'),
});

export async function wfsRoutes(app: App, collections: CollectionLookup, options: WfsOptions = {}): Promise<void> {
  // extents are scans of every geometry: kept per collection and data version, for this app
  const describe = createDescriptionCache();
  /** the description of a source at a data version already read: a GetFeature then reads the version once */
  const described = new Map<string, { tag: string; description: CollectionDescription }>();
  async function describedAt(source: FeatureCollectionSource, tag: string): Promise<CollectionDescription> {
    const hit = described.get(source.id);
    if (hit?.tag === tag) return hit.description;
    const description = await describe(source);
    if (described.size >= 10_000) described.clear();
    described.set(source.id, { tag, description });
    return description;
  }
  const information = (base: string) => ({
    title: options.title ?? 'Datenpool Berlin: LOR units, facilities and indicator layers (WFS 2.0)',
    abstract:
      options.abstract ??
      'The collections of the OGC API Features at /collections as WFS 2.0 feature types (type name = collection id): GML 3.2 and GeoJSON, EPSG:25833, EPSG:4326 and EPSG:3857.',
    provider: options.provider ?? 'Datenpool Berlin',
    endpoint: `${base}/wfs`,
    countDefault: 10_000,
  });

  app.get(
    '/wfs',
    {
      schema: {
        tags: ['ogc'],
        summary: 'WFS 2.0 (KVP): capabilities, feature type schemas and features of the collections',
        description:
          'The same collections as /collections, as WFS 2.0 feature types. Answers XML (capabilities, XML Schema, GML 3.2) or GeoJSON (GetFeature with outputFormat=application/json; resultType=hits is the wfs:FeatureCollection XML in either format); every error is an OWS ExceptionReport (text/xml) whose locator names the parameter.',
        querystring: wfsQuery,
        produces: [CAPABILITIES_MEDIA_TYPE, GML_MEDIA_TYPE, JSON_MEDIA_TYPE],
        response: {
          200: z.any().describe('WFS_Capabilities, an XML Schema, a wfs:FeatureCollection (GML 3.2) or GeoJSON'),
          400: {
            description: 'OWS ExceptionReport: exceptionCode and the parameter at fault as locator',
            content: { [EXCEPTION_MEDIA_TYPE]: { schema: z.any().describe('ows:ExceptionReport') } },
          },
          404: {
            description: 'OWS ExceptionReport: GetFeatureById names no feature',
            content: { [EXCEPTION_MEDIA_TYPE]: { schema: z.any().describe('ows:ExceptionReport') } },
          },
        },
      },
      errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        const validation = error.validation?.[0] as { instancePath?: string } | undefined;
        let exception =
          asWfsException(error) ??
          (validation ? new WfsException('InvalidParameterValue', validation.instancePath?.split('/')[1], `The request is invalid: ${error.message}`) : undefined);
        if (!exception) {
          const status = error.statusCode ?? 500;
          if (status >= 500) request.log.error({ err: error }, 'WFS request failed');
          exception =
            status >= 500
              ? new WfsException('NoApplicableCode', undefined, 'The server failed to answer the request.')
              : new WfsException('NoApplicableCode', undefined, error.message, status);
        }
        reply.headers(exception.headers);
        return reply.code(exception.status).type(EXCEPTION_MEDIA_TYPE).send(exceptionReport(exception));
      },
    },
    async (request, reply) => {
      const raw = requestQuery(request);
      const kvp = Kvp.read(raw);
      const operation = kvp.operation();
      const database = readHandle(app.database);
      const base = publicBaseUrl(request);
      switch (operation) {
        case 'GetCapabilities': {
          const sections = requestedSections(kvp);
          const types = sections.has('FeatureTypeList') ? await Promise.all((await collections.list(database)).map(describe)) : [];
          return reply.type(CAPABILITIES_MEDIA_TYPE).send(capabilitiesDocument(information(base), types, sections));
        }
        case 'DescribeFeatureType': {
          schemaFormat(kvp);
          const names = kvp.typeNames();
          const sources = names ? await Promise.all(names.map((n) => requireType(collections, database, n, kvp.get('TYPENAMES') ? 'typeNames' : 'typeName'))) : await collections.list(database);
          const types = await Promise.all(sources.map(async (source) => ({ source, description: await describe(source) })));
          return reply.type(SCHEMA_MEDIA_TYPE).send(schemaDocument(types));
        }
        case 'ListStoredQueries':
          return reply.type(CAPABILITIES_MEDIA_TYPE).send(listStoredQueries((await collections.list(database)).map((s) => s.id)));
        case 'DescribeStoredQueries':
          return reply.type(CAPABILITIES_MEDIA_TYPE).send(describeStoredQueries(kvp.get('STOREDQUERY_ID')));
        case 'GetFeature':
          if (kvp.get('STOREDQUERY_ID') !== undefined) return featureById(kvp, database, reply);
          return features(request, reply, kvp, raw, database, base);
      }
    },
  );

  async function features(request: FastifyRequest, reply: FastifyReply, kvp: Kvp, raw: URLSearchParams, database: DatabaseHandle, base: string) {
    if (kvp.get('ID') !== undefined) throw new WfsException('InvalidParameterValue', 'id', 'id is a parameter of the stored query GetFeatureById (storedQuery_id).');
    const types = requestedTypes(kvp);
    const locator = kvp.get('TYPENAMES') !== undefined ? 'typeNames' : kvp.get('TYPENAME') !== undefined ? 'typeName' : 'resourceId';
    if (types.length !== 1) throw new WfsException('OptionNotSupported', locator, `${types.length} feature types: a GetFeature here reads one.`);
    const source = await requireType(collections, database, types[0] as string, locator);
    // one read of the data version for the description and the ETag (the description cache would read it again)
    const version = await source.dataVersion();
    const description = await describedAt(source, version.tag);
    const format = outputFormat(kvp);
    const parsed = featureRequest(kvp, source, description, format);
    if (answerConditionally(request, reply, version, entityTag(version, request, base, format))) return reply;
    const exact = source.numberMatched === 'exact';
    const document = await featureDocument(database, source, parsed, (counts) => {
      const { next, prev } = neighbours(parsed.page, counts.numberReturned, exact || parsed.hits ? counts.numberMatched : undefined);
      return {
        ...counts,
        timeStamp: version.lastModified.toISOString(),
        ...(next === undefined || parsed.hits ? {} : { next: pageUrl(base, raw, next) }),
        ...(prev === undefined || parsed.hits ? {} : { previous: pageUrl(base, raw, prev) }),
        schemaUrl: `${base}/wfs?service=WFS&version=${VERSION}&request=DescribeFeatureType&typeNames=${FEATURE_PREFIX}:${source.id}`,
        crs: parsed.selection.crs,
      };
    });
    const mediaType = document.format === 'gml' ? GML_MEDIA_TYPE : JSON_MEDIA_TYPE;
    if (document.streamed) return reply.type(mediaType).send(await startedStream(document.chunks, { stallMs: app.config.exportStallMs }));
    let text = '';
    for await (const chunk of document.chunks) text += chunk;
    return reply.type(`${mediaType}; charset=utf-8`).send(text);
  }

  /** the stored query GetFeatureById: the feature alone, or NotFound */
  async function featureById(kvp: Kvp, database: DatabaseHandle, reply: FastifyReply) {
    const id = kvp.get('STOREDQUERY_ID') as string;
    if (id !== STORED_QUERY_GET_FEATURE_BY_ID) {
      throw new WfsException('InvalidParameterValue', 'storedQuery_id', `storedQuery_id=${id} is not a stored query here; stored queries: ${STORED_QUERY_GET_FEATURE_BY_ID}.`);
    }
    for (const name of ['TYPENAMES', 'TYPENAME', 'BBOX', 'RESOURCEID', 'FEATUREID', 'FILTER', 'SORTBY', 'COUNT', 'MAXFEATURES', 'STARTINDEX', 'RESULTTYPE']) {
      if (kvp.get(name) !== undefined) throw new WfsException('InvalidParameterValue', name.toLowerCase(), `${name.toLowerCase()} does not apply to the stored query GetFeatureById.`);
    }
    const rid = kvp.require('ID');
    const typeName = rid.split('.')[0] ?? '';
    const source = await collections.find(database, typeName);
    if (!source) throw new WfsException('NotFound', 'id', `There is no feature ${rid}.`);
    const description = await describe(source);
    const format = outputFormat(kvp);
    const parsed = featureRequest(Kvp.read(new URLSearchParams({ RESOURCEID: rid, ...propagated(kvp) })), source, description, format);
    const feature = format === 'gml' ? gmlMemberSql(parsed.selection) : geoJsonFeatureSql(parsed.selection);
    const page = await aggregatedPage(database, parsed.selection, feature, '', { limit: 1, offset: 0 }, false);
    if (page.n === 0) throw new WfsException('NotFound', 'id', `There is no feature ${rid}.`);
    if (format === 'json') return reply.type(`${JSON_MEDIA_TYPE}; charset=utf-8`).send(page.text);
    // the member's feature as the document element, with the namespaces it uses
    const element = page.text.replace(/^<wfs:member>/, '').replace(/<\/wfs:member>$/, '');
    const declared = element.replace(/^<([^\s>]+)/, `<$1 xmlns:${FEATURE_PREFIX}="${FEATURE_NS}" xmlns:gml="${GML_NS}" xmlns:wfs="${WFS_NS}"`);
    return reply.type(`${GML_MEDIA_TYPE}; charset=utf-8`).send(`<?xml version="1.0" encoding="UTF-8"?>\n${declared}\n`);
  }
}

/** the parameters of GetFeatureById that shape its answer */
function propagated(kvp: Kvp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['SRSNAME', 'OUTPUTFORMAT', 'PROPERTYNAME']) {
    const value = kvp.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

async function requireType(collections: CollectionLookup, database: DatabaseHandle, id: string, locator: string): Promise<FeatureCollectionSource> {
  const source = await collections.find(database, id);
  if (!source) throw new WfsException('InvalidParameterValue', locator, `${locator}: there is no feature type ${FEATURE_PREFIX}:${id}.`);
  return source;
}

/** this request with STARTINDEX set (in the client's spelling of the name), every other parameter as sent */
function pageUrl(base: string, raw: URLSearchParams, startIndex: number): string {
  const next = new URLSearchParams();
  let name = 'STARTINDEX';
  for (const [key, value] of raw) {
    if (key.toUpperCase() === 'STARTINDEX') name = key;
    else next.append(key, value);
  }
  next.append(name, String(startIndex));
  return `${base}/wfs?${next.toString()}`;
}

