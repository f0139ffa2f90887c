// The legend: one swatch per class, then suppressed (hatched) and no data.
import type { ClassScheme } from './classes.ts';
import { noDataColour } from './classes.ts';
import { el } from './dom.ts';
import type { Words } from './i18n.ts';

export function renderLegend(container: HTMLElement, scheme: ClassScheme, words: Words, unitOfMeasure: string, hasSuppressed: boolean): void {
  const title = `${scheme.kind === 'groups' ? words.indexGroups : words.classes}${unitOfMeasure ? ` (${unitOfMeasure})` : ''}`;
  container.replaceChildren(
    el('h2', {}, title),
    el(
      'ul',
      { class: 'legend-items' },
      scheme.labels.map((label, i) =>
        el('li', { 'data-class': i }, el('span', { class: 'swatch', style: `background:${scheme.colours[i]}` }), label),
      ),
      hasSuppressed ? el('li', { 'data-class': 'suppressed' }, el('span', { class: 'swatch hatch' }), words.suppressed) : null,
      el('li', { 'data-class': 'none' }, el('span', { class: 'swatch', style: `background:${noDataColour}` }), words.noData),
    ),
  );
}
