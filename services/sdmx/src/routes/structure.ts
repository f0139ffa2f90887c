// GET /sdmx/2.1/{dataflow|datastructure|codelist|conceptscheme}[/{agency}[/{id}[/{version}]]]: SDMX structure queries.
import type { Database, Kysely } from '@datenpool/db';
import { type App, NotFound, problemResponses } from '@datenpool/service-kit';
import { z } from 'zod';
import { structureContentType, structureFormat } from '../format/negotiate.ts';
import { structureJson } from '../format/structure-json.ts';
import { type StructureBundle, structureXml } from '../format/structure-xml.ts';
import { allCodelistIds, buildCodelist, codelistIdsOf } from '../codelists.ts';
import { AGENCY, type Catalog, CONCEPT_SCHEME, type Dsd, loadCatalog, VERSION } from '../model.ts';
import { type StructurePath, structurePathParams, structureQuery } from '../schemas.ts';

type Resource = 'dataflow' | 'datastructure' | 'codelist' | 'conceptscheme';
type References = z.infer<typeof structureQuery>['references'];

const WILDCARDS = new Set(['all', '*']);

function matches(requested: string | undefined, actual: string): boolean {
  return requested === undefined || WILDCARDS.has(requested) || requested === actual;
}

function versionMatches(requested: string | undefined): boolean {
  return requested === undefined || requested === 'latest' || matches(requested, VERSION);
}

async function codelists(db: Kysely<Database>, catalog: Catalog, ids: string[]) {
  const lists = await Promise.all(ids.map((id) => buildCodelist(db, catalog, id)));
  return lists.filter((l) => l !== undefined);
}

const wants = (references: References, ...kinds: References[]) => kinds.includes(references);

/** the matched resources with the structures `references` asks for */
async function resolve(
  db: Kysely<Database>,
  catalog: Catalog,
  resource: Resource,
  params: StructurePath,
  references: References,
): Promise<StructureBundle> {
  const bundle: StructureBundle = { dataflows: [], dataStructures: [], codelists: [], concepts: false };
  if (!matches(params.agency, AGENCY) || !versionMatches(params.version)) return bundle;
  const id = params.id;
  if (resource === 'dataflow') {
    bundle.dataflows = catalog.flows.filter((f) => matches(id, f.id));
    if (wants(references, 'children', 'descendants', 'all', 'datastructure')) {
      bundle.dataStructures = [...new Set(bundle.dataflows.map((f) => f.dsd))];
    }
    if (wants(references, 'descendants', 'all', 'codelist', 'conceptscheme')) {
      const dsds = [...new Set(bundle.dataflows.map((f) => f.dsd))];
      if (references !== 'conceptscheme') bundle.codelists = await codelists(db, catalog, codelistIdsOf(dsds));
      bundle.concepts = references !== 'codelist';
    }
  } else if (resource === 'datastructure') {
    bundle.dataStructures = catalog.dsds.filter((d) => matches(id, d.id));
    if (wants(references, 'children', 'descendants', 'all', 'codelist')) bundle.codelists = await codelists(db, catalog, codelistIdsOf(bundle.dataStructures));
    if (wants(references, 'children', 'descendants', 'all', 'conceptscheme')) bundle.concepts = bundle.dataStructures.length > 0;
    if (wants(references, 'parents', 'parentsandsiblings', 'all', 'dataflow')) {
      bundle.dataflows = catalog.flows.filter((f) => bundle.dataStructures.includes(f.dsd));
    }
  } else if (resource === 'codelist') {
    bundle.codelists = await codelists(db, catalog, allCodelistIds(catalog).filter((c) => matches(id, c)));
    if (wants(references, 'parents', 'parentsandsiblings', 'all', 'datastructure')) {
      const ids = new Set(bundle.codelists.map((c) => c.id));
      bundle.dataStructures = catalog.dsds.filter((d: Dsd) => codelistIdsOf([d]).some((c) => ids.has(c)));
    }
  } else {
    bundle.concepts = matches(id, CONCEPT_SCHEME);
    if (bundle.concepts && wants(references, 'parents', 'parentsandsiblings', 'all', 'datastructure')) bundle.dataStructures = catalog.dsds;
  }
  return bundle;
}

function isEmpty(bundle: StructureBundle): boolean {
  return !bundle.concepts && bundle.dataflows.length + bundle.dataStructures.length + bundle.codelists.length === 0;
}

const descriptions: Record<Resource, string> = {
  dataflow: 'Dataflows: DF_INDICATORS_<LOR version> (every public indicator) and DF_VAR_<VARIABLE> (observations of one public variable; `_2006` for LOR 2006).',
  datastructure: 'Data structure definitions: DSD_INDICATORS_<version> and DSD_VARIABLES_<version> (dimensions INDICATOR|VARIABLE, REF_AREA, BREAKDOWN, TIME_PERIOD).',
  codelist: 'Codelists: CL_INDICATOR, CL_VARIABLE, CL_LOR_<version> (LOR units with parent codes), CL_BREAKDOWN, CL_OBS_STATUS, CL_CONF_STATUS.',
  conceptscheme: 'The concept scheme CS_DATENPOOL naming every dimension, measure and attribute.',
};

export async function structureRoutes(app: App): Promise<void> {
  const resources: Resource[] = ['dataflow', 'datastructure', 'codelist', 'conceptscheme'];
  const paths = ['', '/:agency', '/:agency/:id', '/:agency/:id/:version'];
  for (const resource of resources) {
    for (const [depth, suffix] of paths.entries()) {
      app.get(
        `/sdmx/2.1/${resource}${suffix}`,
        {
          schema: {
            summary: `SDMX ${resource} query (SDMX-ML 2.1 Structure or SDMX-JSON 2.0)`,
            description: `${descriptions[resource]} SDMX-ML 2.1 by default; SDMX-JSON 2.0 with Accept application/vnd.sdmx.structure+json;version=2.0.0 or format=json.`,
            tags: ['sdmx'],
            params: structurePathParams[depth] as (typeof structurePathParams)[3],
            querystring: structureQuery,
            response: { 200: z.any().describe('SDMX structure message'), ...problemResponses(400, 404, 406) },
          },
        },
        async (request, reply) => {
          const format = structureFormat(request);
          const catalog = await loadCatalog(app.database.read);
          const params = request.params as StructurePath;
          const bundle = await resolve(app.database.read, catalog, resource, params, request.query.references);
          if (isEmpty(bundle)) {
            const asked = [params.agency ?? 'all', params.id ?? 'all', params.version ?? 'latest'].join('/');
            throw new NotFound(`No ${resource} matches ${asked} (agency ${AGENCY}, version ${VERSION}).`);
          }
          const body = format === 'json' ? JSON.stringify(structureJson(bundle)) : structureXml(bundle);
          return reply.type(structureContentType[format]).send(Buffer.from(body) as never);
        },
      );
    }
  }
}
