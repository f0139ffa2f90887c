// The profile of a LOR unit as a German HTML page for planners: key figures, ranks, a chart and a table per core
// indicator with data, the others listed compactly with the reason; print-friendly.
import { type LorLevel, lorLevelNamesDe } from '@datenpool/contracts';
import { escapeHtml, html, renderPage, SafeHtml } from '@datenpool/service-kit';
import type { ProfileResponse } from './schemas.ts';

type Entry = ProfileResponse['zielbereiche'][number]['indicators'][number];

const de = (n: number, digits: number, min = 0) => n.toLocaleString('de-DE', { maximumFractionDigits: digits, minimumFractionDigits: min });

/** a number for people: decimal comma, a percentage with one decimal, others with as many as their size needs */
export function formatValue(n: number | null | undefined, unit = ''): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (unit === '%') return de(n, 1, 1);
  const abs = Math.abs(n);
  return de(n, abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

/** a change with its sign; a change of a percentage is in percentage points */
export function formatChange(n: number | null | undefined, unit: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const sign = n > 0 ? '+' : n < 0 ? '−' : '±';
  return `${sign}${formatValue(Math.abs(n), unit)}${unit === '%' ? ' Pp.' : unit ? ` ${unit}` : ''}`;
}

/** an area in m² as ha below one km², else in km² */
export function formatArea(m2: number | null): string {
  if (m2 === null || !Number.isFinite(m2)) return '–';
  if (m2 < 1_000_000) return `${de(m2 / 10_000, 1)} ha`;
  return `${de(m2 / 1_000_000, m2 < 10_000_000 ? 2 : 1)} km²`;
}

/** YYYY-MM-DD as DD.MM.YYYY */
export const formatDate = (d: string | null | undefined): string => (d ? `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}` : '–');

export const levelName = (level: string): string => lorLevelNamesDe[level as LorLevel] ?? level;

const colours = { unit: '#1d3557', district: '#e76f51', berlin: '#6c757d', target: '#2a9d8f' };

/** a round step for about `n` gridlines over [min, max] */
function niceStep(span: number, n: number): number {
  const raw = span / n;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** the series of the unit, its district, Berlin and the target as an inline SVG line chart */
export function seriesChart(entry: Entry, unitName: string): SafeHtml {
  const w = 360;
  const h = 150;
  const pad = { left: 44, right: 18, top: 10, bottom: 22 };
  const s = entry.series;
  const keys = ['value', 'district', 'berlin', 'target'] as const;
  const all = s.flatMap((p) => keys.map((k) => p[k])).filter((v): v is number => v !== null && Number.isFinite(v));
  if (all.length === 0) return html``;
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) {
    min -= Math.abs(min) * 0.1 || 1;
    max += Math.abs(max) * 0.1 || 1;
  }
  const step = niceStep(max - min, 4);
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const x = (i: number) => (s.length === 1 ? (pad.left + w - pad.right) / 2 : pad.left + (i * (w - pad.left - pad.right)) / (s.length - 1));
  const y = (v: number) => pad.top + ((max - v) * (h - pad.top - pad.bottom)) / (max - min);
  const grid: string[] = [];
  for (let v = min; v <= max + step / 2; v += step) {
    grid.push(
      `<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e6ea"/>` +
        `<text x="${pad.left - 4}" y="${(y(v) + 3.5).toFixed(1)}" text-anchor="end">${formatValue(v)}</text>`,
    );
  }
  const every = s.length > 8 ? 2 : 1;
  const labels = s
    .map((p, i) => (i % every === 0 || i === s.length - 1 ? `<text x="${x(i).toFixed(1)}" y="${h - 6}" text-anchor="middle">${p.date.slice(0, 4)}</text>` : ''))
    .join('');
  const line = (key: (typeof keys)[number], style: string) => {
    const pts = s.flatMap((p, i) => (p[key] === null ? [] : [[x(i), y(p[key] as number)] as const]));
    if (pts.length === 0) return '';
    const path = pts.length > 1 ? `<polyline fill="none" ${style} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>` : '';
    const dots =
      key === 'value'
        ? s
            .flatMap((p, i) =>
              p.value === null
                ? []
                : [`<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${p.status === 'estimated' ? '#fff' : colours.unit}" stroke="${colours.unit}" stroke-width="1.5"/>`],
            )
            .join('')
        : pts.length === 1
          ? `<circle cx="${pts[0]?.[0].toFixed(1)}" cy="${pts[0]?.[1].toFixed(1)}" r="2.5" fill="${colours[key as "district" | "berlin" | "target"]}"/>`
          : '';
    return path + dots;
  };
  const description = s.map((p) => `${p.date.slice(0, 4)}: ${formatValue(p.value, entry.unitOfMeasure)}`).join(', ');
  const svg =
    `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Zeitreihe ${escapeHtml(entry.label)}">` +
    `<title>${escapeHtml(`${unitName}: ${description}`)}</title>` +
    `<g class="axis">${grid.join('')}${labels}</g>` +
    line('target', `stroke="${colours.target}" stroke-width="1.5" stroke-dasharray="1 3" stroke-linecap="round"`) +
    line('berlin', `stroke="${colours.berlin}" stroke-width="1.5" stroke-dasharray="5 3"`) +
    line('district', `stroke="${colours.district}" stroke-width="1.5"`) +
    line('value', `stroke="${colours.unit}" stroke-width="2.2"`) +
    '</svg>';
  return new SafeHtml(svg);
}

const rankText = (rank: number | null | undefined, of: number | null | undefined) => (rank === null || rank === undefined ? '–' : of ? `${rank} von ${of}` : String(rank));

function keyFigures(e: Entry, level: string): SafeHtml {
  const v = e.value;
  const withheld = v?.status === 'suppressed';
  const u = e.unitOfMeasure;
  const below = level !== 'berlin' && level !== 'bezirk';
  return html`<dl class="figures">
<div><dt>Wert ${formatDate(v?.date).slice(6)}</dt><dd class="value" data-field="value" data-value="${v?.value ?? ''}">${withheld ? 'geheim' : formatValue(v?.value, u)}${u && !withheld ? html` <small>${u}</small>` : ''}</dd></div>
${level !== 'bezirk' && level !== 'berlin' ? html`<div><dt>Bezirk</dt><dd data-field="district">${formatValue(v?.district, u)}</dd></div>` : ''}
${level !== 'berlin' ? html`<div><dt>Berlin</dt><dd data-field="berlin">${formatValue(v?.berlin, u)}</dd></div>` : ''}
${below ? html`<div><dt>Rang im Bezirk</dt><dd data-field="rankDistrict">${withheld ? '–' : rankText(v?.rankDistrict, e.unitsRanked?.district)}</dd></div>` : ''}
${level !== 'berlin' ? html`<div><dt>Rang in Berlin</dt><dd data-field="rank">${withheld ? '–' : rankText(v?.rank, e.unitsRanked?.berlin)}</dd></div>` : ''}
<div><dt>zum Vorjahr</dt><dd data-field="change1y">${formatChange(v?.change1y, u)}</dd></div>
${v?.target !== null && v?.target !== undefined ? html`<div><dt>Ziel</dt><dd data-field="target">${formatValue(v.target, u)} <small>(Abstand ${formatChange(v.targetDistance, u)})</small></dd></div>` : ''}
</dl>`;
}

function seriesTable(e: Entry, p: ProfileResponse): SafeHtml {
  const u = e.unitOfMeasure;
  const s = e.series;
  const row = (label: string, key: 'value' | 'district' | 'berlin' | 'target') =>
    s.some((x) => x[key] !== null)
      ? html`<tr><th scope="row">${label}</th>${s.map((x) => html`<td class="num${key === 'value' && x.status === 'estimated' ? ' est' : ''}">${key === 'value' && x.status === 'suppressed' ? 'geheim' : formatValue(x[key], u)}</td>`)}</tr>`
      : '';
  return html`<div class="series"><table><thead><tr><th>Jahr</th>${s.map((x) => html`<th class="num">${x.date.slice(0, 4)}</th>`)}</tr></thead><tbody>
${row(p.unit.name, 'value')}${p.unit.level === 'berlin' || p.unit.level === 'bezirk' ? '' : row(p.unit.district?.name ?? 'Bezirk', 'district')}${p.unit.level === 'berlin' ? '' : row('Berlin', 'berlin')}${row('Ziel', 'target')}
</tbody></table></div>`;
}

function card(e: Entry, p: ProfileResponse): SafeHtml {
  const estimated = e.series.some((s) => s.status === 'estimated');
  return html`<article class="card" id="ind-${e.indicator}" data-indicator="${e.indicator}">
<h3>${e.label}${e.unitOfMeasure ? html` <span class="uom">(${e.unitOfMeasure})</span>` : ''}</h3>
${keyFigures(e, p.unit.level)}
${seriesChart(e, p.unit.name)}
<p class="legend"><span class="k unit"></span>${p.unit.name}${p.unit.level !== 'berlin' && p.unit.level !== 'bezirk' ? html` <span class="k district"></span>Bezirk` : ''}${p.unit.level !== 'berlin' ? html` <span class="k berlin"></span>Berlin` : ''}${e.series.some((s) => s.target !== null) ? html` <span class="k target"></span>Ziel` : ''}${estimated ? html` · ○ geschätzt` : ''}</p>
${seriesTable(e, p)}
${e.description ? html`<p class="note">${e.description}</p>` : ''}
</article>`;
}

const styles = html`<style>
main{max-width:80rem}
.meta{display:flex;flex-wrap:wrap;gap:.3rem 1.4rem;margin:.2rem 0 .8rem;padding:0;list-style:none;color:#333}
.meta b{font-weight:600}
.downloads{margin:.4rem 0 1rem;font-size:.95rem}.downloads a{margin-right:.8rem}
h2{border-bottom:2px solid #1d3557;padding-bottom:.2rem;margin-top:1.6rem;font-size:1.25rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(25rem,1fr));gap:1rem}
.card{border:1px solid #d0d5db;border-radius:6px;padding:.7rem .9rem;break-inside:avoid;page-break-inside:avoid}
.card h3{margin:0 0 .4rem;font-size:1.02rem}.uom{color:#555;font-weight:400}
.figures{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:0 0 .4rem}
.figures div{min-width:5.2rem}.figures dt{font-size:.75rem;color:#555}.figures dd{margin:0;font-variant-numeric:tabular-nums}
.figures dd.value{font-size:1.35rem;font-weight:700;color:#1d3557}
svg.chart{width:100%;max-width:360px;height:auto;display:block}
svg.chart text{font-size:10px;fill:#555;font-family:system-ui,sans-serif}
.legend{font-size:.78rem;color:#444;margin:.1rem 0 .3rem}
.k{display:inline-block;width:1.2rem;height:0;border-top:2.5px solid;vertical-align:middle;margin:0 .25rem 0 .5rem}
.k.unit{border-color:#1d3557}.k.district{border-color:#e76f51}.k.berlin{border-color:#6c757d;border-top-style:dashed}.k.target{border-color:#2a9d8f;border-top-style:dotted}
.series{overflow-x:auto}.series table{font-size:.78rem;border-collapse:collapse}
.series td,.series th{border:0;border-bottom:1px solid #e3e6ea;padding:.12rem .35rem}
.num{text-align:right;font-variant-numeric:tabular-nums}.est{font-style:italic}
.note{font-size:.75rem;color:#555;margin:.4rem 0 0}
.nodata ul{columns:2;column-gap:2rem;padding-left:1.1rem;font-size:.9rem}.nodata li{break-inside:avoid;margin-bottom:.25rem}
.nodata .why{color:#555}
@media print{
  @page{size:A4;margin:14mm}
  body{font-size:9.5pt}
  header,nav.crumbs,.downloads{display:none}
  main{padding:0;max-width:none}
  a{color:inherit;text-decoration:none}
  .cards{grid-template-columns:1fr 1fr;gap:.5rem}
  .card{border-color:#999}
  .series{overflow:visible}
}
</style>`;

/** `links`: absolute URLs of the profile's formats; `base`: the public base URL the breadcrumbs start with */
export function profilePage(p: ProfileResponse, links: { json: string; csv: string; xlsx: string }, base: string): string {
  const entries = p.zielbereiche.flatMap((z) => z.indicators.map((i) => ({ ...i, zielbereich: z.zielbereich })));
  const withoutData = entries.filter((e) => e.value === null);
  const level = levelName(p.unit.level);
  const title = p.unit.level === 'berlin' ? 'Berlin' : `${level} ${p.unit.name}`;
  const sections = p.zielbereiche
    .map((z) => ({ ...z, indicators: z.indicators.filter((i) => i.value !== null) }))
    .filter((z) => z.indicators.length > 0)
    .map((z) => html`<section data-zielbereich="${z.zielbereich}"><h2>${z.zielbereich}</h2><div class="cards">${z.indicators.map((i) => card(i, p))}</div></section>`);
  const crumbs = [{ href: '/', label: 'Datenpool' }];
  if (p.unit.district && p.unit.level !== 'bezirk') {
    crumbs.push({ href: `/v1/units/${p.unit.district.id}/profile?version=${p.version}`, label: `Bezirk ${p.unit.district.name}` });
  }
  crumbs.push({ href: `/v1/units/${p.unit.id}/profile?version=${p.version}`, label: p.unit.name });
  return renderPage({
    base,
    lang: 'de',
    title,
    breadcrumbs: crumbs,
    jsonHref: links.json,
    head: styles,
    body: html`<ul class="meta">
<li><b>${level}</b>${p.unit.level === 'berlin' ? '' : html` ${p.unit.id}`}</li>
${p.unit.district && p.unit.level !== 'bezirk' ? html`<li>Bezirk ${p.unit.district.name}</li>` : ''}
<li>LOR ${p.version}</li>
<li>Stichtag ${p.date ? formatDate(p.date) : 'noch keine Werte'}</li>
${p.unit.areaM2 !== null ? html`<li>Fläche ${formatArea(p.unit.areaM2)}</li>` : ''}
<li>${p.withData} von ${entries.length} Kernindikatoren mit Werten</li>
</ul>
<p class="downloads">Herunterladen: <a href="${links.xlsx}" download>Excel (.xlsx)</a> <a href="${links.csv}" download>CSV für Excel (Semikolon)</a> <a href="${links.json}">JSON</a></p>
${sections}
${
  withoutData.length > 0
    ? html`<section class="nodata"><h2>Ohne Daten (${withoutData.length})</h2><ul>${withoutData.map(
        (e) => html`<li data-indicator="${e.indicator}"><strong>${e.label}</strong> – keine Daten<span class="why">${e.description ? html`: ${e.description}` : ''}</span></li>`,
      )}</ul></section>`
    : ''
}`,
  });
}
