// GET /v1/units/{unitId}/profile: every core indicator of a unit by Zielbereich with district, Berlin, ranks, change,
// target and series; JSON, a German HTML page, CSV (German Excel dialect by default) or .xlsx.
import { isFinerLevel, type LorLevel, levelOfId } from '@datenpool/contracts';
import { type App, mayReadAll, NotFound, negotiateFormat, problemResponses, publicBaseUrl, sendHtml, variableAccess } from '@datenpool/service-kit';
import type { IndicatorConfig } from '../config.ts';
import { valuesCsv } from '../csv.ts';
import { sendBody, valueDate } from '../formats.ts';
import { type IndicatorDefinition, variablesOf } from '../plan.ts';
import { levelName, profilePage } from '../profile-page.ts';
import { loadDefinitions } from '../queries/catalog.ts';
import { coreIndicatorNotes, type ProfileUnit, profileUnit, rankDenominators } from '../queries/profile.ts';
import { type IndicatorValue, unitValues } from '../queries/values.ts';
import { answerFreshness } from '../freshness.ts';
import { type ProfileResponse, profileQuery, profileResponse, unitParams } from '../schemas.ts';
import { XLSX_TYPE, profileXlsx } from '../xlsx.ts';

/** the order of the Zielbereiche in Handreichung 2; others follow alphabetically */
const zielbereichOrder = ['Armut', 'Kinder', 'Demografie', 'Familie', 'Wohnen', 'Gesamtbild'];

type Notes = Map<string, { availability: string; lowestLevel: string }>;
type Denominators = Map<string, { berlin: number; district: number | null }>;

/** why a core indicator has no value for the unit, for the "keine Daten" list */
function noDataReason(unit: ProfileUnit, note: { availability: string; lowestLevel: string } | undefined): string {
  const parts: string[] = [];
  if (note && isFinerLevel(unit.level as LorLevel, note.lowestLevel as LorLevel)) parts.push(`wird bis zur Ebene ${levelName(note.lowestLevel)} berechnet`);
  if (note?.availability) parts.push(note.availability);
  return parts.join('; ');
}

function profile(
  unit: ProfileUnit,
  version: string,
  date: string | undefined,
  definitions: IndicatorDefinition[],
  values: IndicatorValue[],
  notes: Notes,
  denominators: Denominators,
): ProfileResponse {
  const dates = [...new Set(values.map((v) => v.date))].sort();
  const groups = new Map<string, ProfileResponse['zielbereiche'][number]['indicators']>();
  let withData = 0;
  for (const d of definitions) {
    const mine = values.filter((v) => v.indicator === d.id);
    // the value of the requested date, else the indicator's latest: indicators are published at different dates
    const value = (date ? mine.find((v) => v.date === date) : mine[mine.length - 1]) ?? null;
    if (value) withData++;
    const note = notes.get(d.id);
    const entry = {
      indicator: d.id,
      label: d.labelDe,
      unitOfMeasure: d.unit,
      polarity: d.polarity,
      description: value ? (note?.availability ?? '') : noDataReason(unit, note),
      value,
      unitsRanked: value ? (denominators.get(`${d.id}|${value.date}`) ?? null) : null,
      series: mine.map((v) => ({
        date: v.date,
        value: v.value,
        district: v.district,
        berlin: v.berlin,
        target: v.target,
        targetDistance: v.targetDistance,
        status: v.status,
      })),
    };
    groups.set(d.zielbereich, [...(groups.get(d.zielbereich) ?? []), entry]);
  }
  const rank = (z: string) => (zielbereichOrder.includes(z) ? zielbereichOrder.indexOf(z) : zielbereichOrder.length);
  const zielbereiche = [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([zielbereich, indicators]) => ({ zielbereich, indicators }));
  return {
    unit: {
      id: unit.id,
      level: unit.level,
      levelLabel: levelName(unit.level),
      name: unit.name,
      areaM2: unit.areaM2,
      district: unit.districtId && unit.districtName ? { id: unit.districtId, name: unit.districtName } : null,
    },
    version,
    date: date ?? dates[dates.length - 1] ?? null,
    withData,
    zielbereiche,
  };
}

export async function profileRoutes(app: App, _config: IndicatorConfig): Promise<void> {
  app.get(
    '/v1/units/:unitId/profile',
    {
      schema: {
        summary: 'Profile of a LOR unit: every core indicator by Zielbereich with district and Berlin values, ranks, change, target and series',
        description:
          'The analysis part of a Bezirksregionenprofil. HTML for browsers (or f=html), JSON otherwise; f=xlsx an Excel workbook ' +
          '(sheets Profil, Zeitreihen, Info), f=csv the unit\'s values as CSV in the German Excel dialect (semicolon, decimal comma, ' +
          'BOM) unless sep/decimal say otherwise. Without date, each indicator shows its latest value.',
        tags: ['indicators'],
        params: unitParams,
        querystring: profileQuery,
        response: { 200: profileResponse, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { unitId } = request.params;
      const q = request.query;
      const found = levelOfId(unitId) ? await profileUnit(app.database.read, q.version, unitId) : undefined;
      const unit: ProfileUnit | undefined =
        found ?? (unitId === '0' ? { id: '0', level: 'berlin', name: 'Berlin', areaM2: null, districtId: null, districtName: null } : undefined);
      if (!unit) throw new NotFound(`No LOR unit ${unitId} in version ${q.version}.`);
      const format = negotiateFormat(request, ['json', 'html', 'csv', 'xlsx'], {
        json: ['application/json'],
        html: ['text/html'],
        csv: ['text/csv'],
        xlsx: [XLSX_TYPE],
      });
      const { definitions } = await loadDefinitions(app.database.read);
      // the profile is the public one (one answer for every reader): the core indicators an anonymous reader may read
      // by the one read rule, from one look-up of the inputs of every core indicator
      const coreAll = definitions.filter((x) => x.core);
      const inputs = new Map(coreAll.map((d) => [d.id, [...variablesOf(definitions, d.id)]]));
      const access = new Map((await variableAccess(app.database.read, [...inputs.values()].flat())).map((r) => [r.id, r]));
      const core = coreAll.filter((d) => mayReadAll(null, (inputs.get(d.id) ?? []).flatMap((v) => access.get(v) ?? [])));
      const ids = new Set(core.map((d) => d.id));
      const [values, notes, denominators] = await Promise.all([
        unitValues(app.database.read, q.version, unitId).then((all) => all.filter((v) => ids.has(v.indicator))),
        coreIndicatorNotes(app.database.read),
        rankDenominators(app.database.read, { version: q.version, level: unit.level, district: unit.districtId, indicators: [...ids] }),
      ]);
      const result = { ...profile(unit, q.version, valueDate(q.date), core, values, notes, denominators), computedAt: await answerFreshness(reply, app.database.read) };
      const root = publicBaseUrl(request);
      const base = `${root}/v1/units/${unitId}/profile?version=${q.version}${q.date ? `&date=${q.date}` : ''}`;
      const fileName = `profil-${unitId}-${q.version}-${result.date ?? 'ohne-werte'}`;
      if (format === 'html') return sendHtml(reply, profilePage(result, { json: `${base}&f=json`, csv: `${base}&f=csv`, xlsx: `${base}&f=xlsx` }, root));
      if (format === 'csv') {
        reply.header('content-disposition', `attachment; filename="${fileName}.csv"`);
        return sendBody(reply, 'text/csv; charset=utf-8', valuesCsv(values, { sep: q.sep, decimal: q.decimal }));
      }
      if (format === 'xlsx') {
        reply.header('content-disposition', `attachment; filename="${fileName}.xlsx"`);
        return sendBody(reply, XLSX_TYPE, await profileXlsx(result, values));
      }
      return result;
    },
  );
}
