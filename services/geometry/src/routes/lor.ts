// The LOR hierarchy API: a unit with ancestors and children, and locating a point in every level.
import { type LorLevel, levelOfId, lorLevels, parentIdOf } from '@datenpool/contracts';
import { parseCrs } from '@datenpool/ogc';
import { type App, BadRequest, NotFound, problemResponses, publicBaseUrl } from '@datenpool/service-kit';
import { childrenOf, searchUnits, type UnitRow, unitsAtPoint, unitsByIds, versionRow } from '../queries/lor-units.ts';
import { locateQuery, locateResponse, unitParams, unitResponse, unitSearchQuery, unitSearchResponse, versionParams } from '../schemas.ts';

/** a unit as the API answers it; its links absolute on the public base URL (`base`) */
function present(row: UnitRow, base: string) {
  return {
    version: row.version,
    level: row.level as LorLevel,
    id: row.id,
    name: row.name,
    parentId: row.parent_id,
    areaM2: row.area_m2,
    hasGeometry: row.has_geometry,
    href: `${base}/v1/lor/${row.version}/units/${row.id}`,
    featureHref: `${base}/collections/lor-${row.version}-${row.level}/items/${row.id}`,
  };
}

function coordinate(value: string | undefined, name: string): number {
  const n = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new BadRequest(`${name} must be a number.`, { name });
  return n;
}

async function requireVersion(app: App, version: string): Promise<void> {
  if (!(await versionRow(app.database.read, version))) throw new NotFound(`LOR version ${version} does not exist.`);
}

export async function lorRoutes(app: App): Promise<void> {
  app.get(
    '/v1/lor/:version/units',
    {
      schema: {
        tags: ['lor'],
        summary: 'Find LOR units by name or id (the landing page search)',
        params: versionParams,
        querystring: unitSearchQuery,
        response: { 200: unitSearchResponse, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { version } = request.params;
      await requireVersion(app, version);
      const { q, level, limit } = request.query;
      const rows = await searchUnits(app.database.read, version, q, level, limit);
      return { version, units: rows.map((r) => present(r, publicBaseUrl(request))) };
    },
  );

  app.get(
    '/v1/lor/:version/units/:id',
    {
      schema: {
        tags: ['lor'],
        summary: 'An LOR unit with its ancestors and children',
        params: unitParams,
        response: { 200: unitResponse, ...problemResponses(404) },
      },
    },
    async (request) => {
      const { version, id } = request.params;
      await requireVersion(app, version);
      const ancestorIds: string[] = [];
      for (let p = parentIdOf(id); p !== undefined; p = parentIdOf(p)) ancestorIds.push(p);
      const rows = levelOfId(id) ? await unitsByIds(app.database.read, version, [id, ...ancestorIds]) : [];
      const unit = rows.find((r) => r.id === id);
      if (!unit) throw new NotFound(`LOR ${version} has no unit ${id}.`);
      const children = await childrenOf(app.database.read, version, id);
      const base = publicBaseUrl(request);
      return {
        ...present(unit, base),
        ancestors: rows.filter((r) => r.id !== id).map((r) => present(r, base)),
        children: children.map((r) => present(r, base)),
      };
    },
  );

  app.get(
    '/v1/lor/:version/locate',
    {
      schema: {
        tags: ['lor'],
        summary: 'The units of every level that contain a point',
        description: 'Give lon and lat (CRS84), or x and y with crs. 404 where the point lies outside Berlin.',
        params: versionParams,
        querystring: locateQuery,
        response: { 200: locateResponse, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { version } = request.params;
      const q = request.query;
      const geographic = q.lon !== undefined || q.lat !== undefined;
      if (geographic && (q.x !== undefined || q.y !== undefined || q.crs !== undefined)) {
        throw new BadRequest('Give either lon and lat, or x, y and crs, not both.', { name: 'lon' });
      }
      const crs = parseCrs(geographic ? undefined : q.crs, 'crs');
      const x = coordinate(geographic ? q.lon : q.x, geographic ? 'lon' : 'x');
      const y = coordinate(geographic ? q.lat : q.y, geographic ? 'lat' : 'y');
      if (crs.geographic && (Math.abs(y) > 90 || Math.abs(x) > 180)) {
        throw new BadRequest('The point lies outside the range of longitude and latitude.', { name: geographic ? 'lat' : 'y' });
      }
      await requireVersion(app, version);
      const rows = await unitsAtPoint(app.database.read, version, x, y, crs.srid);
      if (rows.length === 0) throw new NotFound(`The point (${x}, ${y}) lies outside Berlin.`);
      const found = new Set(rows.map((r) => r.level));
      return {
        version,
        point: { x, y, crs: crs.uri },
        units: rows.map((r) => present(r, publicBaseUrl(request))),
        levelsWithoutGeometry: lorLevels.filter((l) => !found.has(l)),
      };
    },
  );
}
