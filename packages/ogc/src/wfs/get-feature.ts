// GetFeature: one feature type's features for BBOX, RESOURCEID or FILTER, sorted, paged with COUNT/STARTINDEX, in
// srsName, as a GML 3.2 wfs:FeatureCollection or GeoJSON; RESULTTYPE=hits counts only. Rendered from the
// collection's relation, so that the features are the ones items gives for the same selection.
import type { DatabaseHandle } from '@datenpool/db';
import type { RawBuilder } from 'kysely';
import { parseBbox } from '../bbox.ts';
import type { CrsDefinition } from '../crs.ts';
import { itemsSummary } from '../matched.ts';
import { neighbours, type Page } from '../paging.ts';
import type { CollectionDescription, FeatureCollectionSource, RowsQuery } from '../provider.ts';
import { parseSortby } from '../sorting.ts';
import { typeProperties } from './describe-feature-type.ts';
import { asWfsException, WfsException } from './exception.ts';
import { aggregatedPage, countMatched, estimateMatched, type FeatureSelection, geoJsonFeatureSql, gmlMemberSql, streamedPage } from './feature-sql.ts';
import { parseWfsFilter } from './fes.ts';
import type { Kvp, OutputFormat } from './kvp.ts';
import { crsUrn, defaultCrsOf, parseSrsName } from './srs.ts';
import { escapeXml, FEATURE_NS, FEATURE_PREFIX, featureIdOf, GML_NS, WFS_NS, WFS_SCHEMA_LOCATION, XSI_NS } from './xml.ts';

/** pages up to this many features are joined by the database in one statement; larger ones come through a cursor */
export const STREAM_ABOVE = 1000;

export interface FeatureRequest {
  selection: FeatureSelection;
  page: Page;
  hits: boolean;
  format: OutputFormat;
}

/** the type names a GetFeature reads: TYPENAMES, else the collections its RESOURCEIDs name (the part before the dot) */
export function requestedTypes(kvp: Kvp): string[] {
  const names = kvp.typeNames();
  if (names) return names;
  const ids = kvp.get('RESOURCEID') ?? kvp.get('FEATUREID');
  if (ids !== undefined) return [...new Set(ids.split(',').map((id) => id.trim().split('.')[0] ?? ''))];
  throw new WfsException('MissingParameterValue', 'typeNames', 'typeNames is required (or resourceId).');
}

function exclusive(kvp: Kvp): void {
  const given = ['BBOX', 'RESOURCEID', 'FEATUREID', 'FILTER'].filter((k) => kvp.get(k) !== undefined);
  if (given.length > 1) {
    const names = given.map((g) => ({ BBOX: 'bbox', RESOURCEID: 'resourceId', FEATUREID: 'featureId', FILTER: 'filter' })[g]);
    throw new WfsException('InvalidParameterValue', names[1], `${names.join(', ')} exclude each other; combine them in a filter.`);
  }
}

/** BBOX=minx,miny,maxx,maxy[,crs] in the CRS's axis order, the type's DefaultCRS when no CRS is given */
function bboxOf(value: string, defaultCrs: CrsDefinition): RowsQuery['bbox'] {
  const parts = value.split(',');
  const named = parts.length === 5 || parts.length === 7 ? parts.pop()?.trim() : undefined;
  if (parts.length !== 4 && parts.length !== 6) {
    throw new WfsException('InvalidParameterValue', 'bbox', `bbox=${value} needs four numbers and an optional CRS.`);
  }
  const crs = named === undefined ? defaultCrs : parseSrsName(named, defaultCrs, 'bbox', 'query');
  return parseBbox(parts.join(','), crs.uri);
}

/** SORTBY=name ASC,area_m2 DESC (or the 1.1 spelling A, D) over the sortables */
function sortbyOf(value: string, source: FeatureCollectionSource, propertyOf: (element: string) => string) {
  const terms = value.split(',').map((term) => {
    const [name = '', direction = 'ASC', ...rest] = term.trim().split(/\s+/);
    if (rest.length > 0 || !/^(ASC|DESC|A|D)$/i.test(direction)) {
      throw new WfsException('InvalidParameterValue', 'sortBy', `sortBy: ${term.trim()} is not "property ASC|DESC".`);
    }
    const property = propertyOf(name.replace(/^[^:]*:/, ''));
    return `${/^D/i.test(direction) ? '-' : ''}${property}`;
  });
  return parseSortby(terms.join(','), source.queryables);
}

/** PROPERTYNAME (one type: a list, in parentheses or not): the properties to write, in the type's order; the geometry where named */
function propertiesOf(value: string | undefined, all: Array<[string, string]>): { properties: Array<[string, string]>; geometry: boolean } {
  if (value === undefined) return { properties: all, geometry: true };
  const names = value.replace(/^\((.*)\)$/, '$1').split(',').map((n) => n.trim().replace(/^[^:]*:/, ''));
  for (const name of names) {
    if (name !== 'geometry' && !all.some(([p, e]) => p === name || e === name)) {
      throw new WfsException('InvalidParameterValue', 'propertyName', `propertyName: ${name} is not a property of this type; properties: ${all.map(([, e]) => e).join(', ')}, geometry.`);
    }
  }
  return { properties: all.filter(([p, e]) => names.includes(p) || names.includes(e)), geometry: names.includes('geometry') };
}

/** parses a GetFeature over one source into what feature-sql reads */
export function featureRequest(kvp: Kvp, source: FeatureCollectionSource, description: CollectionDescription, format: OutputFormat): FeatureRequest {
  exclusive(kvp);
  const defaultCrs = defaultCrsOf(description.storageCrs);
  const all = typeProperties(source);
  const propertyOf = (element: string) => all.find(([, e]) => e === element)?.[0] ?? element;
  const query: RowsQuery = {};
  let featureIds: string[] | undefined;
  try {
    const bbox = kvp.get('BBOX');
    if (bbox !== undefined) query.bbox = bboxOf(bbox, defaultCrs);
    const sortby = kvp.get('SORTBY');
    if (sortby !== undefined) query.sortby = sortbyOf(sortby, source, propertyOf);
  } catch (error) {
    throw asWfsException(error) ?? error;
  }
  const resourceIds = kvp.get('RESOURCEID') ?? kvp.get('FEATUREID');
  const filterText = kvp.get('FILTER');
  const language = kvp.get('FILTER_LANGUAGE');
  if (language !== undefined && !/^urn:ogc:def:query(?:Language)?:OGC-FES:Filter$/i.test(language.trim())) {
    throw new WfsException('InvalidParameterValue', 'filter_language', `filter_language=${language} is not supported; use urn:ogc:def:queryLanguage:OGC-FES:Filter.`);
  }
  let ids = resourceIds?.split(',').map((r) => r.trim());
  if (filterText !== undefined) {
    const parsed = parseWfsFilter(filterText, { queryables: source.queryables, propertyOfElement: propertyOf, defaultCrs });
    if (parsed.expression) query.filter = { expression: parsed.expression, crs: parsed.crs };
    ids = parsed.resourceIds;
  }
  if (ids !== undefined) {
    featureIds = ids.map((rid) => {
      const id = featureIdOf(source.id, rid);
      if (id === undefined) throw new WfsException('InvalidParameterValue', resourceIds === undefined ? 'filter' : 'resourceId', `${rid} is not a resource id of ${source.id} (${source.id}.<feature id>).`);
      return id;
    });
  }
  const crs = parseSrsName(kvp.get('SRSNAME'), defaultCrs, 'srsName');
  const resultType = (kvp.get('RESULTTYPE') ?? 'results').toLowerCase();
  if (resultType !== 'results' && resultType !== 'hits') {
    throw new WfsException('InvalidParameterValue', 'resultType', `resultType=${kvp.get('RESULTTYPE')} is not results or hits.`);
  }
  return {
    selection: {
      collectionId: source.id,
      relation: source.relation(query),
      ...(featureIds === undefined ? {} : { featureIds }),
      ...propertiesOf(kvp.get('PROPERTYNAME'), all),
      crs,
      multi: description.geometryType.startsWith('Multi'),
    },
    page: { limit: kvp.count(), offset: kvp.integer('STARTINDEX') ?? 0 },
    hits: resultType === 'hits',
    format,
  };
}

export interface FeatureCollectionHead {
  numberMatched?: number;
  numberReturned: number;
  timeStamp: string;
  next?: string;
  previous?: string;
  /** DescribeFeatureType of the type, for xsi:schemaLocation */
  schemaUrl: string;
  crs: CrsDefinition;
}

function gmlHead(head: FeatureCollectionHead, empty: boolean): string {
  const links = `${head.next === undefined ? '' : ` next="${escapeXml(head.next)}"`}${head.previous === undefined ? '' : ` previous="${escapeXml(head.previous)}"`}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:FeatureCollection xmlns:wfs="${WFS_NS}" xmlns:gml="${GML_NS}" xmlns:${FEATURE_PREFIX}="${FEATURE_NS}" xmlns:xsi="${XSI_NS}" xsi:schemaLocation="${WFS_SCHEMA_LOCATION} ${FEATURE_NS} ${escapeXml(head.schemaUrl)}" timeStamp="${head.timeStamp}" numberMatched="${head.numberMatched ?? 'unknown'}" numberReturned="${head.numberReturned}"${links}${empty ? '/>\n' : '>\n'}`;
}

function jsonHead(head: FeatureCollectionHead): string {
  const links = [
    ...(head.next === undefined ? [] : [{ href: head.next, rel: 'next', type: 'application/json', title: 'Next page' }]),
    ...(head.previous === undefined ? [] : [{ href: head.previous, rel: 'prev', type: 'application/json', title: 'Previous page' }]),
  ];
  const crs = { type: 'name', properties: { name: crsUrn(head.crs.srid) } };
  return `{"type":"FeatureCollection",${head.numberMatched === undefined ? '' : `"numberMatched":${head.numberMatched},`}"numberReturned":${head.numberReturned},"timeStamp":"${head.timeStamp}","crs":${JSON.stringify(crs)},"links":${JSON.stringify(links)},"features":[`;
}

export interface FeatureDocument {
  /** the document in chunks: its head once the first rows are read, then the features, then its end */
  chunks: AsyncGenerator<string>;
  streamed: boolean;
  /** the format written: the requested one, GML for hits */
  format: OutputFormat;
}

/**
 * The response of a GetFeature. A page up to STREAM_ABOVE is one statement that joins the features (numberMatched by
 * the same statement where the collection counts exactly, else by its policy); a larger one comes through a cursor
 * whose rows carry the count of all matches, so that the head (numberMatched, numberReturned, next) is written from
 * the first batch and the rest streams.
 */
export async function featureDocument(
  database: DatabaseHandle,
  source: FeatureCollectionSource,
  request: FeatureRequest,
  head: (counts: { numberMatched?: number; numberReturned: number }) => FeatureCollectionHead,
): Promise<FeatureDocument> {
  const { selection, page, format } = request;
  const policy = source.numberMatched;
  const count = { exact: () => countMatched(database, selection), estimate: () => estimateMatched(database, selection) };
  const open = (h: FeatureCollectionHead, empty: boolean) => (format === 'gml' ? gmlHead(h, empty) : jsonHead(h));
  const close = format === 'gml' ? '</wfs:FeatureCollection>\n' : ']}';
  if (request.hits) {
    // a count is the wfs:FeatureCollection it is in every output format: GDAL reads hits as XML even where it
    // asked for GeoJSON features
    const numberMatched = policy === 'exact' ? await count.exact() : policy === 'estimate' ? await count.estimate() : undefined;
    const h = head({ ...(numberMatched === undefined ? {} : { numberMatched }), numberReturned: 0 });
    return { chunks: single(gmlHead(h, true)), streamed: false, format: 'gml' };
  }
  const feature: RawBuilder<string> = format === 'gml' ? gmlMemberSql(selection) : geoJsonFeatureSql(selection);
  const separator = format === 'gml' ? '\n' : ',';
  if (page.limit <= STREAM_ABOVE) {
    const result = await aggregatedPage(database, selection, feature, separator, page, policy === 'exact');
    const summary = await itemsSummary(policy, page, result.n, {
      exact: async () => result.matched ?? (await count.exact()),
      estimate: count.estimate,
    });
    const h = head(summary);
    const empty = result.n === 0 && format === 'gml';
    return { chunks: single(empty ? open(h, true) : `${open(h, false)}${result.text}${format === 'gml' ? '\n' : ''}${close}`), streamed: false, format };
  }
  const batches = streamedPage(database, selection, feature, page, STREAM_ABOVE);
  async function* chunks(): AsyncGenerator<string> {
    const first = await batches.next();
    const rows = first.done ? [] : first.value;
    const total = rows[0]?.total === undefined ? undefined : Number(rows[0].total);
    const numberMatched = total ?? (page.offset === 0 ? 0 : await count.exact());
    const numberReturned = Math.max(0, Math.min(page.limit, numberMatched - page.offset));
    const h = head({ numberMatched, numberReturned });
    if (rows.length === 0) {
      yield format === 'gml' ? open(h, true) : `${open(h, true)}${close}`;
      return;
    }
    yield `${open(h, false)}${rows.map((r) => r.f).join(separator)}`;
    for await (const batch of batches) yield `${separator}${batch.map((r) => r.f).join(separator)}`;
    yield `${format === 'gml' ? '\n' : ''}${close}`;
  }
  return { chunks: chunks(), streamed: true, format };
}

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}

/** the offsets of the neighbouring pages as STARTINDEX values; next only where more match (or may, when not counted) */
export function pageNeighbours(page: Page, numberReturned: number, numberMatched: number | undefined, exact: boolean) {
  return neighbours(page, numberReturned, exact ? numberMatched : undefined);
}
