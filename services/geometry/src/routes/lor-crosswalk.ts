// GET /v1/lor/crosswalk: the 2006 ↔ 2021 weights of one direction and level, as JSON or as CSV for GIS tools.
import { type Link, mediaTypes, requestQuery, withQuery } from '@datenpool/ogc';
import { type App, NotFound, negotiateFormat, problemResponses, publicBaseUrl } from '@datenpool/service-kit';
import { crosswalkCsv } from '../crosswalk-csv.ts';
import { type CrosswalkRow, crosswalkRows } from '../queries/lor-crosswalk.ts';
import { crosswalkQuery, crosswalkResponse } from '../schemas.ts';

const CSV = 'text/csv';

/** what each method of the stored weights means; a method not listed here is named as it is */
const methodDescriptions: Record<string, string> = {
  area:
    "area: the weight is the share of the source unit's area that lies in the target unit (planar overlap in " +
    'EPSG:25833), normalised so that the weights of each source unit sum to 1; pairs under 0.1 % of both units are ' +
    'digitising slivers and left out. Carried values are estimates (status estimated).',
  residents:
    'residents: the weight is the share of the source unit’s residents living in the target unit, from the ' +
    'Einwohnerregister where it exists for both versions; normalised to sum to 1 per source unit.',
};

function describeMethods(methods: string[]): string {
  if (methods.length === 0) return 'no weights';
  return methods.map((m) => methodDescriptions[m] ?? m).join(' ');
}

function present(row: CrosswalkRow) {
  return {
    fromId: row.from_id,
    fromName: row.from_name,
    toId: row.to_id,
    toName: row.to_name,
    weight: row.weight,
    overlapM2: row.overlap_m2,
    shareOfFrom: row.share_of_from,
    shareOfTo: row.share_of_to,
    method: row.method,
  };
}

export async function crosswalkRoutes(app: App): Promise<void> {
  app.get(
    '/v1/lor/crosswalk',
    {
      schema: {
        tags: ['lor'],
        summary: 'Weights that carry additive values between the LOR versions 2006 and 2021',
        description:
          'One row per pair of a source unit (`from` version) and a target unit (`to` version) of a level that overlap. ' +
          'An additive value of a source unit times the weight is its part in the target unit; the weights of a source ' +
          'unit sum to 1, so totals are kept. Both directions are stored. `f=csv` (or `Accept: text/csv`) gives CSV ' +
          '(comma, point decimals, LOR ids as quoted text) with the columns from_version, to_version, level, from_id, ' +
          'to_id, weight, overlap_m2, share_of_from, share_of_to, method.',
        querystring: crosswalkQuery,
        response: { 200: crosswalkResponse, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const format = negotiateFormat(request, ['json', 'csv'] as const, { json: [mediaTypes.json], csv: [CSV] });
      const rows = await crosswalkRows(app.database.read, { from: q.from, to: q.to, level: q.level, unit: q.unit });
      if (rows.length === 0) {
        throw q.unit === undefined
          ? new NotFound(`No crosswalk ${q.from} → ${q.to} is loaded for level ${q.level}.`)
          : new NotFound(`The ${q.level} ${q.unit} of LOR ${q.from} has no weights to LOR ${q.to}.`);
      }
      if (format === 'csv') {
        const name = `lor-crosswalk-${q.from}-${q.to}-${q.level}${q.unit ? `-${q.unit}` : ''}.csv`;
        reply.header('content-disposition', `attachment; filename="${name}"`);
        // a Buffer passes the route's JSON serializer untouched
        (reply.type(`${CSV}; charset=utf-8`) as { send(payload: unknown): unknown }).send(crosswalkCsv(rows));
        return reply;
      }
      const base = publicBaseUrl(request);
      const path = `${base}/v1/lor/crosswalk`;
      const query = requestQuery(request);
      const links: Link[] = [
        { href: withQuery(path, query, { f: 'json' }), rel: 'self', type: mediaTypes.json, title: 'These weights as JSON' },
        { href: withQuery(path, query, { f: 'csv' }), rel: 'alternate', type: CSV, title: 'These weights as CSV' },
        {
          href: `${base}/collections/lor-${q.from}-${q.level}`,
          rel: 'related',
          type: mediaTypes.json,
          title: `The source units (LOR ${q.from})`,
        },
        {
          href: `${base}/collections/lor-${q.to}-${q.level}`,
          rel: 'related',
          type: mediaTypes.json,
          title: `The target units (LOR ${q.to})`,
        },
      ];
      const methods = [...new Set(rows.map((r) => r.method))].sort();
      return {
        from: q.from,
        to: q.to,
        level: q.level,
        unit: q.unit ?? null,
        methods,
        method: describeMethods(methods),
        sources: [...new Set(rows.map((r) => r.source))].sort(),
        numberOfWeights: rows.length,
        links,
        weights: rows.map(present),
      };
    },
  );
}
