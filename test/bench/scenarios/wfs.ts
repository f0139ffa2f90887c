// WFS (issue 18): GetFeature as GML 3.2 and as GeoJSON over the 448 Planungsräume of 2006 against the raw SQL that
// writes the same members (ST_AsGML) or Features (ST_AsGeoJSON) in one statement.
import { sql } from '@datenpool/db';
import type { BenchContext, BenchScenario } from '../types.ts';

const TYPE = 'lor-2006-planungsraum';
const where = sql`u.version = '2006' AND u.level = 'planungsraum'`;
const escaped = (column: ReturnType<typeof sql>) =>
  sql`replace(replace(replace(regexp_replace(to_json(${column}) #>> '{}', '[\\x01-\\x08\\x0B\\x0C\\x0E-\\x1F]', '', 'g'), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;
const element = (name: string, column: ReturnType<typeof sql>) =>
  sql`coalesce(${`<datenpool:${name}>`} || ${escaped(column)} || ${`</datenpool:${name}>`}, '')`;

/** the members as a hand-written statement writes them: properties, then the geometry by ST_AsGML with its gml:id */
function gmlSql(limit: number) {
  return sql<{ text: string }>`SELECT coalesce(string_agg(f, E'\\n'), '') AS text FROM (
      SELECT ${`<wfs:member><datenpool:${TYPE} gml:id="${TYPE}.`} || u.id || '">'
        || ${element('name', sql`u.name`)} || ${element('level', sql`u.level`)} || ${element('version', sql`u.version`)}
        || ${element('parent_id', sql`u.parent_id`)} || ${element('area_m2', sql`u.area_m2`)}
        || coalesce('<datenpool:geometry>' || regexp_replace(ST_AsGML(3, ST_Multi(u.geom), 2, 5), '^<gml:([A-Za-z]+)',
             ${`<gml:\\1 gml:id="${TYPE}.`} || u.id || '.geom"') || '</datenpool:geometry>', '')
        || ${`</datenpool:${TYPE}></wfs:member>`} AS f
      FROM lor_unit u WHERE ${where} ORDER BY u.id LIMIT ${limit}) page`;
}

/** the Features in EPSG:25833 as the WFS writes them (the resource id as id) */
function jsonSql(limit: number) {
  return sql<{ text: string }>`SELECT coalesce(string_agg(f, ','), '') AS text FROM (
      SELECT '{"type":"Feature","id":' || to_json(${`${TYPE}.`} || u.id)::text || ',"geometry":' || coalesce(ST_AsGeoJSON(u.geom, 2), 'null')
        || ',"properties":' || json_build_object('name', u.name, 'level', u.level, 'version', u.version, 'parent_id', u.parent_id, 'area_m2', u.area_m2)::text
        || '}' AS f
      FROM lor_unit u WHERE ${where} ORDER BY u.id LIMIT ${limit}) page`;
}

const path = (limit: number, json: boolean) =>
  `/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=datenpool:${TYPE}&count=${limit}${json ? '&outputFormat=application/json' : ''}`;

/** fails the run where the service's features are not the reference's: the ratio would compare different work */
async function assertSame(ctx: BenchContext, limit: number, json: boolean): Promise<void> {
  const body = await (await fetch(`${ctx.baseUrl}${path(limit, json)}`)).text();
  const { rows } = await (json ? jsonSql(limit) : gmlSql(limit)).execute(ctx.database.db);
  const reference = rows[0]?.text ?? '';
  const features = json ? JSON.stringify((JSON.parse(body) as { features: unknown[] }).features) : body.slice(body.indexOf('<wfs:member>'), body.lastIndexOf('</wfs:member>') + 13);
  if (features !== (json ? JSON.stringify(JSON.parse(`[${reference}]`)) : reference)) throw new Error(`${path(limit, json)}: the service's features differ from the reference SQL's`);
}

function scenario(limit: number, json: boolean): BenchScenario {
  return {
    name: `wfs: GetFeature ${json ? 'GeoJSON' : 'GML 3.2'} count=${limit} over the 448 Planungsräume of 2006, vs raw SQL`,
    request: { path: path(limit, json) },
    setup: (ctx) => assertSame(ctx, limit, json),
    async reference({ database }) {
      await (json ? jsonSql(limit) : gmlSql(limit)).execute(database.db);
    },
  };
}

export const scenarios: BenchScenario[] = [scenario(448, false), scenario(10, false), scenario(448, true)];
