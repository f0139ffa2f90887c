// GET /viewer/units/{version}/{level}: the units of a level with geometry simplified for a zoom level, for the map.
import { lorLevels } from '@datenpool/contracts';
import { type App, NotFound, problemResponses } from '@datenpool/service-kit';
import { z } from 'zod';
import { simplifiedUnits } from '../queries/unit-geometry.ts';

const params = z.object({
  version: z.string().regex(/^\d{4}$/).describe('LOR version (2006 or 2021)'),
  level: z.enum(lorLevels).describe('LOR level'),
});

const query = z.object({
  zoom: z.coerce.number().int().min(8).max(18).default(12).describe('web map zoom level the geometry is drawn at'),
});

const featureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.string(),
      geometry: z.unknown().nullable(),
      properties: z.object({ name: z.string(), level: z.string(), parent_id: z.string().nullable() }),
    }),
  ),
});

/** metres per pixel at Berlin's latitude (52.5°) on a 512 px web-mercator tile pyramid, as MapLibre draws */
const metresPerPixel = (zoom: number) => (40_075_016.686 * Math.cos((52.5 * Math.PI) / 180)) / (512 * 2 ** zoom);

export async function unitRoutes(app: App): Promise<void> {
  app.get(
    '/viewer/units/:version/:level',
    {
      schema: {
        tags: ['viewer'],
        summary: 'LOR units of a level with geometry simplified for a zoom level (GeoJSON, CRS84)',
        description:
          'What the map viewer draws: each unit simplified (topology-preserving, tolerance a quarter pixel at `zoom`), ' +
          'coordinates to 5 decimals. Units without geometry (none in the bundled set; possible after an import without polygons) come with `geometry: null`. The full geometry is in ' +
          '`/collections/lor-{version}-{level}/items`.',
        params,
        querystring: query,
        response: { 200: featureCollection, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { version, level } = request.params;
      const body = await simplifiedUnits(app.database, version, level, metresPerPixel(request.query.zoom) / 4);
      if (body === null) throw new NotFound(`LOR ${version} has no units on the level ${level}.`);
      // PostGIS built the JSON; a Buffer is sent as it is, not re-serialised
      reply.type('application/geo+json').header('cache-control', 'public, max-age=300');
      (reply as unknown as { send(payload: Buffer): unknown }).send(Buffer.from(body));
      return reply;
    },
  );
}
