// OGC API Tiles: /tileMatrixSets, /collections/{id}/tiles, its WebMercatorQuad tileset (and TileJSON) and the tiles.
import { readHandle } from '@datenpool/db';
import { type App, BadRequest, NotFound, problemResponses, publicBaseUrl } from '@datenpool/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { answerConditionally, entityTag } from '../caching.ts';
import { parseFilter } from '../cql2/parse-filter.ts';
import { parseDatetime } from '../datetime.ts';
import { rejectUnknownParameters } from '../items-query.ts';
import { requestQuery } from '../links.ts';
import type { CollectionLookup, DataVersion, FeatureCollectionSource, RowsQuery } from '../provider.ts';
import { TileCache } from './cache.ts';
import { type TilesetContext, tileJsonDocument, tileMatrixSetsDocument, tileMediaTypes, tilesetDocument, tilesetsDocument } from './documents.ts';
import { parseTileCoordinate, requireTileMatrixSet, type TileCoordinate, webMercatorQuad } from './matrix-set.ts';
import { versionRowSql } from './queries.ts';
import { defaultRendering, renderTile, renderTileBeside, type TileRendering } from './render.ts';
import {
  collectionTilesParams,
  emptyTile,
  jsonQuery,
  mvtTile,
  tileMatrixSetParams,
  tileParams,
  tileQuery,
  tilesDocumentQuery,
  tilesetParams,
  tilesetQuery,
  tilesJsonDocument,
} from './schemas.ts';

export interface TileOptions {
  /** the highest tile matrix served (default 22) */
  maxZoom?: number;
  /** Cache-Control max-age of tiles and tileset documents in seconds (default 60; clients revalidate with the ETag) */
  maxAgeSeconds?: number;
  rendering?: Partial<TileRendering>;
  /** bytes of rendered tiles kept per app, by collection, data version and request (default 64 MiB; 0: none) */
  cacheBytes?: number;
}

/** collections whose sources the tile routes of an app keep (VersionBeside) before they start over */
const KEPT_SOURCES_MAX = 10_000;

/** the parameters that choose a tile's rows: those of the items that are not paging, output or the bbox */
const selectionParameters = ['datetime', 'filter', 'filter-lang', 'filter-crs'] as const;

function selection(query: URLSearchParams, source: FeatureCollectionSource): RowsQuery {
  const datetime = parseDatetime(query.get('datetime') ?? undefined);
  const filter = parseFilter(query.get('filter') ?? undefined, query.get('filter-lang') ?? undefined, query.get('filter-crs') ?? undefined, source.queryables);
  return { ...(datetime ? { datetime } : {}), ...(filter ? { filter } : {}) };
}

/** the selection parameters as given, for the tile URLs of a tileset document: `?datetime=…` or '' */
function selectionQuery(query: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const name of selectionParameters) {
    const value = query.get(name);
    if (value !== null) kept.set(name, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : '';
}

function jsonFormat(query: URLSearchParams, offered: readonly string[]): string {
  const f = query.get('f') ?? 'json';
  if (!offered.includes(f)) throw new BadRequest(`Unknown format f=${f}; offered: ${offered.join(', ')}.`, { name: 'f' });
  return f;
}

/** mounts the tile routes for the collections of `collections`; tilesConformance lists what they implement */
export async function tileRoutes(app: App, collections: CollectionLookup, options: TileOptions = {}): Promise<void> {
  const maxZoom = options.maxZoom ?? 22;
  const rendering = { ...defaultRendering, ...options.rendering };
  const cacheControl = `public, max-age=${options.maxAgeSeconds ?? 60}`;
  const matrixSet = webMercatorQuad(maxZoom);
  const cache = new TileCache(options.cacheBytes ?? 64 * 1024 * 1024);

  async function requireSource(id: string): Promise<FeatureCollectionSource> {
    const source = await collections.find(readHandle(app.database), id);
    if (!source) throw new NotFound(`There is no collection ${id}.`);
    return source;
  }

  /** ETag, Last-Modified, Cache-Control; the ETag, or undefined where a 304 was sent */
  async function conditional(request: FastifyRequest, reply: FastifyReply, source: FeatureCollectionSource, format: string): Promise<string | undefined> {
    const version = await source.dataVersion();
    const tag = entityTag(version, request, publicBaseUrl(request), format);
    reply.header('cache-control', cacheControl);
    return answerConditionally(request, reply, version, tag) ? undefined : tag;
  }

  async function tilesetContext(request: FastifyRequest, source: FeatureCollectionSource, query: URLSearchParams): Promise<TilesetContext> {
    const base = publicBaseUrl(request);
    return {
      description: await source.describe(),
      queryables: source.queryables,
      collectionUrl: `${base}/collections/${source.id}`,
      base,
      query: selectionQuery(query),
      minZoom: 0,
      maxZoom,
    };
  }

  /**
   * Sources whose data version can be read beside the tile (VersionBeside), kept by collection id for this app: their
   * tiles cost one statement, the version and the tile, with no look-up of the collection; a `stale` read (the source
   * rests on a state that moved) looks the collection up again. Bounded: a full map starts over.
   */
  const kept = new Map<string, FeatureCollectionSource>();

  async function keptSource(id: string): Promise<FeatureCollectionSource> {
    return kept.get(id) ?? lookUpAndKeep(id);
  }

  async function lookUpAndKeep(id: string): Promise<FeatureCollectionSource> {
    kept.delete(id);
    const source = await requireSource(id);
    if (source.versionBeside) {
      if (kept.size >= KEPT_SOURCES_MAX) kept.clear();
      kept.set(id, source);
    }
    return source;
  }

  /** the tile of the request as the source's data version has it: kept, or rendered; undefined where a 304 was sent */
  async function vectorTile(
    request: FastifyRequest,
    reply: FastifyReply,
    first: FeatureCollectionSource,
    query: URLSearchParams,
    coordinate: TileCoordinate,
  ): Promise<Uint8Array | undefined> {
    const base = publicBaseUrl(request);
    const key = `${first.id}\n${base}${request.url}`;
    const database = readHandle(app.database);
    const conditionalRequest = request.headers['if-none-match'] !== undefined || request.headers['if-modified-since'] !== undefined;
    let source = first;
    // a stale read looks the collection up again; a source that moves three times in a row is read the long way
    for (let attempt = 0; attempt < 3 && source.versionBeside; attempt++) {
      const beside = source.versionBeside;
      const rows = selection(query, source);
      const answer = (version: DataVersion): boolean => {
        reply.header('cache-control', cacheControl);
        return answerConditionally(request, reply, version, entityTag(version, request, base, 'mvt'));
      };
      if (conditionalRequest) {
        // the version alone first: a current copy needs no tile
        const { rows: found } = await versionRowSql(beside.relation).execute(database.db);
        const version = beside.read(found[0]);
        if (version === 'stale') {
          source = await lookUpAndKeep(source.id);
          continue;
        }
        if (answer(version)) return undefined;
      }
      const hit = cache.get(key);
      const result = await renderTileBeside(database, source, beside, rows, coordinate, rendering, hit?.version);
      const version = beside.read(result.row);
      if (version === 'stale') {
        source = await lookUpAndKeep(source.id);
        continue;
      }
      const versionKey = result.row?.version_key;
      let tile = result.tile;
      if (tile) {
        if (typeof versionKey === 'string') cache.set(key, { version: versionKey, tile });
      } else if (hit && hit.version === versionKey) {
        tile = hit.tile;
      } else {
        // no version row to go by: the long way
        break;
      }
      if (answer(version)) return undefined;
      return tile;
    }
    return lookedUpTile(request, reply, source, selection(query, source), coordinate, key, base);
  }

  /** the tile by the source's dataVersion (a look-up of its own), kept by its tag */
  async function lookedUpTile(
    request: FastifyRequest,
    reply: FastifyReply,
    source: FeatureCollectionSource,
    rows: RowsQuery,
    coordinate: TileCoordinate,
    key: string,
    base: string,
  ): Promise<Uint8Array | undefined> {
    const version = await source.dataVersion();
    reply.header('cache-control', cacheControl);
    if (answerConditionally(request, reply, version, entityTag(version, request, base, 'mvt'))) return undefined;
    const hit = cache.get(key);
    if (hit && hit.version === version.tag) return hit.tile;
    const tile = await renderTile(readHandle(app.database), source, rows, coordinate, rendering);
    cache.set(key, { version: version.tag, tile });
    return tile;
  }

  app.get(
    '/tileMatrixSets',
    {
      schema: {
        tags: ['ogc'],
        summary: 'The tile matrix sets of the tiles (WebMercatorQuad)',
        querystring: jsonQuery,
        response: { 200: tilesJsonDocument, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const query = requestQuery(request);
      rejectUnknownParameters(query, ['f']);
      jsonFormat(query, ['json']);
      reply.type(tileMediaTypes.json);
      return tileMatrixSetsDocument(publicBaseUrl(request));
    },
  );

  app.get(
    '/tileMatrixSets/:tileMatrixSetId',
    {
      schema: {
        tags: ['ogc'],
        summary: 'A tile matrix set (2D-TMS 2.0 JSON)',
        params: tileMatrixSetParams,
        querystring: jsonQuery,
        response: { 200: tilesJsonDocument, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const query = requestQuery(request);
      rejectUnknownParameters(query, ['f']);
      jsonFormat(query, ['json']);
      requireTileMatrixSet(request.params.tileMatrixSetId);
      return matrixSet;
    },
  );

  app.get(
    '/collections/:collectionId/tiles',
    {
      schema: {
        tags: ['ogc'],
        summary: 'The vector tilesets of a collection',
        description: 'datetime and filter, where given, select the features as for the items and are kept in the tile URLs.',
        params: collectionTilesParams,
        querystring: tilesDocumentQuery,
        response: { 200: tilesJsonDocument, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const source = await requireSource(request.params.collectionId);
      const query = requestQuery(request);
      rejectUnknownParameters(query, ['f', ...selectionParameters]);
      jsonFormat(query, ['json']);
      selection(query, source);
      if ((await conditional(request, reply, source, 'json')) === undefined) return reply;
      return tilesetsDocument(await tilesetContext(request, source, query));
    },
  );

  app.get(
    '/collections/:collectionId/tiles/:tileMatrixSetId',
    {
      schema: {
        tags: ['ogc'],
        summary: 'The vector tileset of a collection in a tile matrix set (or its TileJSON)',
        description:
          'f=tilejson gives TileJSON 3.0 (MapLibre, QGIS). datetime and filter, where given, select the features as for the items and are kept in the tile URLs.',
        params: tilesetParams,
        querystring: tilesetQuery,
        response: { 200: tilesJsonDocument, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const source = await requireSource(request.params.collectionId);
      requireTileMatrixSet(request.params.tileMatrixSetId);
      const query = requestQuery(request);
      rejectUnknownParameters(query, ['f', ...selectionParameters]);
      const format = jsonFormat(query, ['json', 'tilejson']);
      selection(query, source);
      if ((await conditional(request, reply, source, format)) === undefined) return reply;
      const context = await tilesetContext(request, source, query);
      if (format === 'tilejson') {
        reply.type(tileMediaTypes.tilejson);
        return tileJsonDocument(context);
      }
      return tilesetDocument(context);
    },
  );

  app.get(
    '/collections/:collectionId/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol',
    {
      schema: {
        tags: ['ogc'],
        summary: 'A vector tile of a collection (Mapbox Vector Tile)',
        description:
          'One layer named after the collection; each feature carries the properties of its GeoJSON feature and its id as `id`. ' +
          'Simplified below zoom 14. 204 No Content where no feature meets the tile. datetime and filter select as for the items. ' +
          'Tiles are kept in memory by data version and request; ETag and Last-Modified answer conditional requests with 304.',
        params: tileParams,
        querystring: tileQuery,
        response: { 200: mvtTile, 204: emptyTile, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { collectionId, tileMatrixSetId, ...coordinates } = request.params;
      const source = await keptSource(collectionId);
      requireTileMatrixSet(tileMatrixSetId);
      const coordinate = parseTileCoordinate(coordinates, maxZoom);
      const query = requestQuery(request);
      rejectUnknownParameters(query, selectionParameters);
      const tile = await vectorTile(request, reply, source, query, coordinate);
      if (tile === undefined) return reply;
      if (tile.length === 0) return reply.code(204).send(null);
      return reply.type(tileMediaTypes.mvt).send(Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength));
    },
  );
}
