// The selection controls: version, level, indicator (grouped by Zielbereich), date and the language toggle.
import type { IndicatorDefinition } from './api.ts';
import { el } from './dom.ts';
import { levelName, t } from './i18n.ts';
import { levels, type ViewState, versions } from './state.ts';

export interface ControlOptions {
  catalog: IndicatorDefinition[];
  dates: string[];
}

/** renders the controls for the state; `change` gets the new state when the user picks something */
export function renderControls(container: HTMLElement, state: ViewState, options: ControlOptions, change: (next: ViewState) => void): void {
  const words = t(state.lang);
  const select = (id: string, label: string, children: HTMLElement[], value: string, apply: (value: string) => Partial<ViewState>) => {
    const element = el('select', { id, name: id }, children);
    element.value = value;
    element.addEventListener('change', () => change({ ...state, ...apply(element.value) }));
    return el('label', { for: id }, el('span', {}, label), element);
  };
  const groups = new Map<string, IndicatorDefinition[]>();
  for (const indicator of options.catalog) groups.set(indicator.zielbereich, [...(groups.get(indicator.zielbereich) ?? []), indicator]);
  const indicatorOptions = [...groups.entries()]
    .sort((a, b) => a[0].localeCompare(b[0], 'de'))
    .map(([zielbereich, members]) =>
      el(
        'optgroup',
        { label: zielbereich },
        members
          .map((m) => ({ id: m.id, label: state.lang === 'en' ? m.labelEn : m.labelDe, core: m.core }))
          .sort((a, b) => a.label.localeCompare(b.label, state.lang))
          .map((m) => el('option', { value: m.id, title: m.core ? words.core : undefined }, m.core ? `${m.label} ●` : m.label)),
      ),
    );
  const language = el('button', { type: 'button', id: 'lang', lang: state.lang === 'de' ? 'en' : 'de' }, words.language);
  language.addEventListener('click', () => change({ ...state, lang: state.lang === 'de' ? 'en' : 'de' }));
  container.replaceChildren(
    select('version', words.version, versions.map((v) => el('option', { value: v }, v)), state.version, (v) => ({ version: v, unit: '' })),
    select('level', words.level, levels.map((l) => el('option', { value: l }, levelName(state.lang, l))), state.level, (l) => ({
      level: l as ViewState['level'],
    })),
    select('indicator', words.indicator, indicatorOptions, state.indicator, (i) => ({ indicator: i, date: '' })),
    select(
      'date',
      words.date,
      [el('option', { value: '' }, words.latest), ...options.dates.map((d) => el('option', { value: d }, d))],
      state.date,
      (d) => ({ date: d }),
    ),
    language,
  );
}
