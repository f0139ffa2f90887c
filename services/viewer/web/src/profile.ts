// The profile panel of one unit: every core indicator by Zielbereich with unit, district and Berlin values and a
// sparkline, with links to the server's exports (xlsx, German-Excel CSV) and the print-friendly profile page.
import { apiUrl, type IndicatorDefinition, type ProfileEntry, type ProfileResponse } from './api.ts';
import { download, profileCsv } from './csv.ts';
import { el, svg } from './dom.ts';
import { formatNumber, type Words } from './i18n.ts';
import type { Language } from './state.ts';

const width = 90;
const height = 24;

/** the unit's series as a polyline, Berlin's as a dashed one; a dot where only one date exists */
function sparkline(entry: ProfileEntry): SVGElement {
  const points = entry.series.filter((s) => s.value !== null || s.berlin !== null);
  const values = points.flatMap((s) => [s.value, s.berlin]).filter((v): v is number => v !== null);
  const chart = svg('svg', { class: 'sparkline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (values.length === 0) return chart;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const x = (i: number) => (points.length === 1 ? width / 2 : 3 + (i * (width - 6)) / (points.length - 1));
  const y = (v: number) => (max === min ? height / 2 : height - 3 - ((v - min) * (height - 6)) / (max - min));
  const line = (key: 'value' | 'berlin', attributes: Record<string, string | number>) => {
    const coords = points.flatMap((s, i) => (s[key] === null ? [] : [`${x(i).toFixed(1)},${y(s[key] as number).toFixed(1)}`]));
    if (coords.length === 1) {
      const [cx, cy] = (coords[0] as string).split(',');
      chart.append(svg('circle', { cx: cx as string, cy: cy as string, r: 2.5, fill: attributes.stroke as string }));
    } else if (coords.length > 1) {
      chart.append(svg('polyline', { points: coords.join(' '), fill: 'none', 'stroke-width': 1.5, ...attributes }));
    }
  };
  line('berlin', { stroke: '#969696', 'stroke-dasharray': '3 2' });
  line('value', { stroke: '#2c7fb8' });
  chart.append(svg('title', {}));
  (chart.lastChild as Element).textContent = points.map((s) => `${s.date}: ${s.value ?? '–'}`).join('; ');
  return chart;
}

export interface ProfilePanel {
  show(profile: ProfileResponse, catalog: Map<string, IndicatorDefinition>, lang: Language, words: Words): void;
  loading(text: string): void;
  hide(): void;
  onClose(handler: () => void): void;
}

export function createProfilePanel(container: HTMLElement): ProfilePanel {
  let closeHandler = () => {};
  const hide = () => {
    container.hidden = true;
    container.replaceChildren();
  };
  return {
    loading(text) {
      container.hidden = false;
      container.replaceChildren(el('p', { class: 'status' }, text));
    },
    hide,
    onClose: (handler) => {
      closeHandler = handler;
    },
    show(profile, catalog, lang, words) {
      container.hidden = false;
      const close = el('button', { type: 'button', class: 'close', 'aria-label': words.close }, '×');
      close.addEventListener('click', () => {
        hide();
        closeHandler();
      });
      const csv = el('button', { type: 'button', id: 'profile-csv' }, words.downloadProfile);
      csv.addEventListener('click', () =>
        download(`profil-${profile.unit.id}-${profile.version}-${profile.date ?? 'aktuell'}.csv`, profileCsv(profile)),
      );
      // the server's exports of the same profile: Excel, the German-Excel CSV and the print-friendly page
      const base = apiUrl(`/v1/units/${encodeURIComponent(profile.unit.id)}/profile?version=${encodeURIComponent(profile.version)}${profile.date ? `&date=${profile.date.slice(0, 4)}` : ''}`);
      const exports = el(
        'p',
        { class: 'profile-exports' },
        el('a', { id: 'profile-xlsx', href: `${base}&f=xlsx`, download: true }, 'Excel (.xlsx)'),
        ' · ',
        el('a', { id: 'profile-csv-de', href: `${base}&f=csv`, download: true }, lang === 'en' ? 'CSV (German Excel)' : 'CSV für Excel'),
        ' · ',
        el('a', { id: 'profile-page', href: `${base}&f=html`, target: '_blank', rel: 'noopener' }, lang === 'en' ? 'Printable profile' : 'Druckansicht'),
      );
      const label = (entry: ProfileEntry) => {
        const definition = catalog.get(entry.indicator);
        return lang === 'en' && definition ? definition.labelEn : (definition?.labelDe ?? entry.label);
      };
      const cell = (field: string, value: number | null | undefined, status?: string) =>
        el(
          'td',
          { class: 'num', 'data-field': field, 'data-value': value === null || value === undefined ? '' : String(value) },
          status === 'suppressed' ? words.suppressed : formatNumber(lang, value),
        );
      const entries = profile.zielbereiche.flatMap((g) => g.indicators);
      const withValues = entries.filter((e) => e.value !== null).length;
      container.replaceChildren(
        el(
          'header',
          {},
          close,
          el('h2', {}, `${words.profile}: ${profile.unit.name}`),
          el('p', { class: 'unit-id' }, `${profile.unit.id} · LOR ${profile.version} · ${profile.date ?? ''}`),
          el('p', { class: 'status' }, words.withValues.replace('{n}', String(withValues)).replace('{m}', String(entries.length))),
          csv,
          exports,
        ),
        ...profile.zielbereiche.map((group) =>
          el(
            'section',
            { 'data-zielbereich': group.zielbereich },
            el('h3', {}, group.zielbereich),
            el(
              'table',
              {},
              el('thead', {}, el('tr', {}, el('th', {}, words.indicator), el('th', {}, words.unit), el('th', {}, words.district), el('th', {}, words.berlin), el('th', {}, words.series))),
              el(
                'tbody',
                {},
                group.indicators.map((entry) =>
                  el(
                    'tr',
                    { 'data-indicator': entry.indicator, 'data-status': entry.value?.status ?? 'none' },
                    el('td', {}, label(entry), entry.unitOfMeasure ? el('span', { class: 'uom' }, ` (${entry.unitOfMeasure})`) : null),
                    cell('value', entry.value?.value, entry.value?.status),
                    cell('district', entry.value?.district),
                    cell('berlin', entry.value?.berlin),
                    el('td', {}, sparkline(entry)),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    },
  };
}
