// GET /v1/units/{unitId}/profile: every core indicator of a unit by Zielbereich, with district, Berlin, change and series.
import { levelOfId } from '@datenpool/contracts';
import { type App, html, NotFound, negotiateFormat, problemResponses, renderPage, sendHtml } from '@datenpool/service-kit';
import type { IndicatorConfig } from '../config.ts';
import { type IndicatorDefinition, variablesOf } from '../plan.ts';
import { loadDefinitions } from '../queries/catalog.ts';
import { findUnit, type IndicatorValue, restrictedVariables, unitValues } from '../queries/values.ts';
import { ensureFresh } from '../recompute.ts';
import { type ProfileResponse, profileQuery, profileResponse, unitParams } from '../schemas.ts';
import { valueDate } from './values.ts';

/** the order of the Zielbereiche in Handreichung 2; others follow alphabetically */
const zielbereichOrder = ['Armut', 'Kinder', 'Demografie', 'Familie', 'Wohnen', 'Gesamtbild'];

function profile(unit: ProfileResponse['unit'], version: string, date: string | undefined, definitions: IndicatorDefinition[], values: IndicatorValue[]): ProfileResponse {
  const dates = [...new Set(values.map((v) => v.date))].sort();
  const at = date ?? dates[dates.length - 1] ?? null;
  const groups = new Map<string, ProfileResponse['zielbereiche'][number]['indicators']>();
  for (const d of definitions) {
    const mine = values.filter((v) => v.indicator === d.id);
    const entry = {
      indicator: d.id,
      label: d.labelDe,
      unitOfMeasure: d.unit,
      polarity: d.polarity,
      value: mine.find((v) => v.date === at) ?? null,
      series: mine.map((v) => ({ date: v.date, value: v.value, district: v.district, berlin: v.berlin, status: v.status })),
    };
    groups.set(d.zielbereich, [...(groups.get(d.zielbereich) ?? []), entry]);
  }
  const rank = (z: string) => (zielbereichOrder.includes(z) ? zielbereichOrder.indexOf(z) : zielbereichOrder.length);
  const zielbereiche = [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([zielbereich, indicators]) => ({ zielbereich, indicators }));
  return { unit, version, date: at, zielbereiche };
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toLocaleString('de-DE', { maximumFractionDigits: 1 }));

function profilePage(p: ProfileResponse, jsonHref: string): string {
  const sections = p.zielbereiche.map(
    (z) => html`<h2>${z.zielbereich}</h2>
<table><thead><tr><th>Indikator</th><th>Einheit</th><th>Wert</th><th>Bezirk</th><th>Berlin</th><th>Veränderung zum Vorjahr</th><th>Zeitreihe</th></tr></thead><tbody>
${z.indicators.map(
  (i) => html`<tr><td><a href="/v1/indicators/${i.indicator}/series?unit=${p.unit.id}&amp;version=${p.version}">${i.label}</a></td><td>${i.unitOfMeasure}</td>
<td>${i.value?.status === 'suppressed' ? 'geheim' : fmt(i.value?.value)}</td><td>${fmt(i.value?.district)}</td><td>${fmt(i.value?.berlin)}</td>
<td>${fmt(i.value?.change1y)}</td><td>${i.series.map((s) => `${s.date.slice(0, 4)}: ${fmt(s.value)}`).join(' · ')}</td></tr>`,
)}
</tbody></table>`,
  );
  return renderPage({
    title: `${p.unit.name} (${p.unit.id}) – Profil ${p.date?.slice(0, 4) ?? ''}`,
    breadcrumbs: [{ href: '/', label: 'Datenpool' }, { href: `/v1/units/${p.unit.id}/profile?version=${p.version}`, label: p.unit.name }],
    jsonHref,
    body: html`<p>Kernindikatoren nach Zielbereich, LOR ${p.version}, Ebene ${p.unit.level}, Stichtag ${p.date ?? '–'}.</p>${sections}`,
  });
}

export async function profileRoutes(app: App, config: IndicatorConfig): Promise<void> {
  app.get(
    '/v1/units/:unitId/profile',
    {
      schema: {
        summary: 'Profile of a LOR unit: every core indicator by Zielbereich with district and Berlin values, change and series',
        description: 'The analysis part of a Bezirksregionenprofil. HTML for browsers (or f=html), JSON otherwise.',
        tags: ['indicators'],
        params: unitParams,
        querystring: profileQuery,
        response: { 200: profileResponse, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { unitId } = request.params;
      const q = request.query;
      const found = await findUnit(app.database.db, q.version, unitId);
      const unit = found ?? (unitId === '0' ? { id: '0', level: 'berlin', name: 'Berlin' } : undefined);
      if (!unit || !levelOfId(unitId)) throw new NotFound(`No LOR unit ${unitId} in version ${q.version}.`);
      await ensureFresh(app.database.db, config);
      const { definitions } = await loadDefinitions(app.database.db);
      // restricted indicators are left out of the public profile
      const core = [];
      for (const d of definitions.filter((x) => x.core)) {
        if ((await restrictedVariables(app.database.db, [...variablesOf(definitions, d.id)])).length === 0) core.push(d);
      }
      const ids = new Set(core.map((d) => d.id));
      const values = (await unitValues(app.database.db, q.version, unitId)).filter((v) => ids.has(v.indicator));
      const result = profile(unit, q.version, valueDate(q.date), core, values);
      const format = negotiateFormat(request, ['json', 'html'], { json: ['application/json'], html: ['text/html'] });
      if (format === 'html') return sendHtml(reply, profilePage(result, `/v1/units/${unitId}/profile?version=${q.version}&f=json`));
      return result;
    },
  );
}
