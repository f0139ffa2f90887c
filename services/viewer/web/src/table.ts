// The table of the level's values: the accessible twin of the map, and the only view where a level has no geometry.
import type { IndicatorValue } from './api.ts';
import { el } from './dom.ts';
import { formatNumber, type Words } from './i18n.ts';
import type { Language } from './state.ts';

export function renderValueTable(
  container: HTMLElement,
  values: IndicatorValue[],
  lang: Language,
  words: Words,
  csvHref: string,
  open: (unit: string) => void,
): void {
  const rows = [...values].sort((a, b) => a.unit.localeCompare(b.unit));
  container.replaceChildren(
    el('h2', {}, `${words.table} (${rows.length})`),
    el('p', {}, el('a', { href: csvHref, id: 'values-csv', download: '' }, words.downloadValues)),
    rows.length === 0
      ? el('p', { class: 'status' }, words.noValues)
      : el(
          'table',
          { class: 'values' },
          el('thead', {}, el('tr', {}, el('th', {}, words.unit), el('th', { class: 'num' }, words.value), el('th', { class: 'num' }, words.rank))),
          el(
            'tbody',
            {},
            rows.map((v) => {
              const link = el('a', { href: '#', 'data-unit': v.unit }, `${v.unitName ?? v.unit}`);
              link.addEventListener('click', (event) => {
                event.preventDefault();
                open(v.unit);
              });
              return el(
                'tr',
                { 'data-unit': v.unit, 'data-status': v.status },
                el('td', {}, link, el('span', { class: 'unit-id' }, ` ${v.unit}`)),
                el('td', { class: 'num' }, v.status === 'suppressed' ? words.suppressed : formatNumber(lang, v.value)),
                el('td', { class: 'num' }, v.rank === null ? '' : String(v.rank)),
              );
            }),
          ),
        ),
  );
}
