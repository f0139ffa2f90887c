// Extra item formats of the OGC features plugin (`?f=gpkg`, …): the items route parses and validates the query as for
// GeoJSON, answers ETag and conditional requests as usual, then hands over to the format named by `f`.
import type { DatabaseHandle } from '@datenpool/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FeatureCollectionSource, ItemsQuery } from '../provider.ts';

export interface ItemsFormatInput {
  request: FastifyRequest;
  database: DatabaseHandle;
  source: FeatureCollectionSource;
  /** the parsed and validated query (page, CRS, bbox, datetime, filter, sortby, properties) */
  query: ItemsQuery;
  /** the request's query parameters as given */
  raw: URLSearchParams;
  /** the public base URL of the API (links.ts baseUrl) */
  baseUrl: string;
}

/** an items format: listed as an `alternate` link and in the OpenAPI `f` enum of the items operation */
export interface ItemsFormat {
  /** the `f` value, e.g. `gpkg` */
  name: string;
  mediaType: string;
  title: string;
  /** the file name extension of a download, without the dot */
  extension: string;
  /** sends the answer; the route has set ETag and Last-Modified already */
  send(reply: FastifyReply, input: ItemsFormatInput): Promise<FastifyReply>;
}
