// Which SDMX format a request gets: the `format` parameter wins, then the Accept header (with SDMX version parameters).
import { BadRequest, NotAcceptable } from '@datenpool/service-kit';
import type { FastifyRequest } from 'fastify';

export type DataFormat = 'csv' | 'json' | 'xml';
export type StructureFormat = 'xml' | 'json';

interface Offer<F> {
  format: F;
  /** media types (lower case, without parameters) and the versions they serve; null: any version */
  types: Array<[string, RegExp | null]>;
}

const dataOffers: Offer<DataFormat>[] = [
  { format: 'csv', types: [['application/vnd.sdmx.data+csv', /^2(\.0(\.0)?)?$/], ['text/csv', null]] },
  { format: 'json', types: [['application/vnd.sdmx.data+json', /^2(\.0(\.0)?)?$/], ['application/json', null]] },
  {
    format: 'xml',
    types: [['application/vnd.sdmx.structurespecificdata+xml', /^2\.1$/], ['application/xml', null], ['text/xml', null]],
  },
];

const structureOffers: Offer<StructureFormat>[] = [
  { format: 'xml', types: [['application/vnd.sdmx.structure+xml', /^2\.1$/], ['application/xml', null], ['text/xml', null]] },
  { format: 'json', types: [['application/vnd.sdmx.structure+json', /^2(\.0(\.0)?)?$/], ['application/json', null]] },
];

export const dataFormatNames: Record<string, DataFormat> = {
  csv: 'csv',
  csvfile: 'csv',
  'sdmx-csv': 'csv',
  json: 'json',
  jsondata: 'json',
  'sdmx-json': 'json',
  xml: 'xml',
  structurespecificdata: 'xml',
};

export const structureFormatNames: Record<string, StructureFormat> = {
  xml: 'xml',
  structure: 'xml',
  'sdmx-ml': 'xml',
  json: 'json',
  'sdmx-json': 'json',
};

export const dataContentType: Record<DataFormat, string> = {
  csv: 'application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8',
  json: 'application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8',
  xml: 'application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8',
};

export const structureContentType: Record<StructureFormat, string> = {
  xml: 'application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8',
  json: 'application/vnd.sdmx.structure+json; version=2.0.0; charset=utf-8',
};

function negotiate<F extends string>(request: FastifyRequest, offers: Offer<F>[], names: Record<string, F>): F {
  const first = (offers[0] as Offer<F>).format;
  const param = (request.query as Record<string, unknown> | undefined)?.format;
  if (typeof param === 'string' && param !== '') {
    const format = names[param.toLowerCase()];
    if (!format) throw new BadRequest(`Unknown format=${param}; offered: ${Object.keys(names).join(', ')}.`, { name: 'format' });
    return format;
  }
  const accept = request.headers.accept;
  if (!accept) return first;
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...rawParams] = part.trim().split(';');
      const params = new Map(
        rawParams.map((p) => {
          const at = p.indexOf('=');
          return [p.slice(0, at).trim().toLowerCase(), p.slice(at + 1).trim().replace(/^"|"$/g, '')] as [string, string];
        }),
      );
      const q = params.has('q') ? Number(params.get('q')) : 1;
      return { type: (type ?? '').trim().toLowerCase(), version: params.get('version'), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.type === '*/*' || range.type === 'application/*') return first;
    for (const offer of offers) {
      const hit = offer.types.find(([type, versions]) => type === range.type && (!range.version || !versions || versions.test(range.version)));
      if (hit) return offer.format;
    }
  }
  const offered = offers.flatMap((o) => o.types.map(([type]) => type));
  throw new NotAcceptable(`None of the accepted media types can be served; offered: ${offered.join(', ')}.`);
}

export function dataFormat(request: FastifyRequest): DataFormat {
  return negotiate(request, dataOffers, dataFormatNames);
}

export function structureFormat(request: FastifyRequest): StructureFormat {
  return negotiate(request, structureOffers, structureFormatNames);
}
