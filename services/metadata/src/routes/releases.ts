// /v1/releases: the release bundles (list) and /v1/releases/{release} (the zip of the current one, ETag = SHA-256).
// Mounted by the OGC features plugin as an extension: the bundle's LOR GeoPackages come from the collections it serves.
import { readHandle } from '@datenpool/db';
import type { CollectionLookup, OgcExtension } from '@datenpool/ogc';
import { sqliteLoader } from '@datenpool/ogc/downloads';
import { type App, NotFound, problemResponses, publicBaseUrl } from '@datenpool/service-kit';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { listReleases, recordRelease, releaseState } from '../queries/releases.ts';
import { buildRelease, RELEASE_MEDIA_TYPE, type ReleaseBundle, releaseId } from '../releases.ts';

const memberSchema = z.object({ path: z.string(), mediaType: z.string(), bytes: z.number().int(), sha256: z.string() });
const releaseSchema = z.object({
  id: z.string(),
  current: z.boolean().describe('the release of the data as it is now: the only one that can be downloaded'),
  href: z.string().optional().describe('the zip (current release only)'),
  sha256: z.string().optional().describe('SHA-256 of the zip, once it was built'),
  byteSize: z.number().int().optional(),
  builtAt: z.string().optional(),
  members: z.array(memberSchema).optional(),
});
const listSchema = z.object({ current: z.string(), releases: z.array(releaseSchema) });

/** the zip's ETag: its SHA-256 */
const etagOf = (bundle: Pick<ReleaseBundle, 'sha256'>) => `"sha256-${bundle.sha256}"`;

export async function releaseRoutes(app: App, collections: CollectionLookup): Promise<void> {
  const sqlite = sqliteLoader();
  // the bundle of the current release, one at a time: a new data state replaces it
  let building: { id: string; bundle: Promise<ReleaseBundle> } | undefined;
  async function current(id: string): Promise<ReleaseBundle> {
    if (building?.id !== id) {
      const entry = { id, bundle: buildRelease(readHandle(app.database), collections, await sqlite()) };
      building = entry;
      entry.bundle.catch(() => {
        if (building === entry) building = undefined;
      });
    }
    const bundle = await building.bundle;
    await recordRelease(app.database.db, { id: bundle.id, state: bundle.state, sha256: bundle.sha256, byteSize: bundle.zip.byteLength, members: bundle.members });
    return bundle;
  }

  app.get(
    '/v1/releases',
    {
      schema: {
        tags: ['metadata'],
        summary: 'Release bundles of the public data',
        description:
          'The current release (identified by the data it holds: `{date}-{hash}` of the last landed batch, the last indicator recompute, the LOR versions and the catalogue) and the releases built before, with the SHA-256 and size of their zip.',
        response: { 200: listSchema },
      },
    },
    async (request) => {
      const base = publicBaseUrl(request);
      const id = releaseId(await releaseState(app.database.db));
      const built = await listReleases(app.database.db);
      const releases = built.map((r) => ({ ...r, current: r.id === id, ...(r.id === id ? { href: `${base}/v1/releases/${r.id}` } : {}) }));
      if (!built.some((r) => r.id === id)) releases.unshift({ id, current: true, href: `${base}/v1/releases/${id}` } as (typeof releases)[number]);
      return { current: id, releases };
    },
  );

  app.get(
    '/v1/releases/:release',
    {
      schema: {
        tags: ['metadata'],
        summary: 'One release bundle as a zip',
        description:
          'Every LOR collection as a GeoPackage (lor/), every public indicator value as CSV (indicators/values.csv), the variables and indicator definitions (metadata/), and manifest.json with the SHA-256 of each member. The same data gives the same bytes; the ETag is the zip\'s SHA-256. Only the current release can be downloaded (also as `latest`): an earlier one is a 404 naming the current.',
        params: z.object({ release: z.string().max(64) }),
        response: { 200: z.string().describe('application/zip'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const id = releaseId(await releaseState(app.database.db));
      // `latest`: a link that stays valid as releases come and go (what a portal or a script points at)
      const asked = request.params.release === 'latest' ? id : request.params.release;
      if (asked !== id) {
        const known = (await listReleases(app.database.db)).some((r) => r.id === asked);
        throw new NotFound(
          known
            ? `Release ${asked} was built from data that has changed since: the current release is ${id} (/v1/releases/${id}).`
            : `There is no release ${asked}: the current release is ${id} (/v1/releases/${id}).`,
        );
      }
      const bundle = await current(id);
      const etag = etagOf(bundle);
      // a 304 and the zip's bytes are past the route's (JSON) serializer
      const untyped = reply as unknown as FastifyReply;
      reply.header('etag', etag);
      reply.header('cache-control', 'public, max-age=0, must-revalidate');
      if (request.headers['if-none-match']?.split(',').some((t) => t.trim() === etag)) return untyped.code(304).send();
      reply.header('content-disposition', `attachment; filename="datenpool-berlin-${bundle.id}.zip"`);
      reply.header('repr-digest', `sha-256=:${Buffer.from(bundle.sha256, 'hex').toString('base64')}:`);
      return untyped.type(RELEASE_MEDIA_TYPE).send(Buffer.from(bundle.zip.buffer, bundle.zip.byteOffset, bundle.zip.byteLength));
    },
  );
}

/** the release routes as an extension of the OGC features plugin (`extensions: [releasesExtension()]`), one per app */
export function releasesExtension(): OgcExtension {
  return { name: 'releases', conformance: [], routes: releaseRoutes };
}
