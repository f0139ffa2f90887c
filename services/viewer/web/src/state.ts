// The view state (version, level, indicator, date, unit, language) and its round trip through the URL hash.

export const versions = ['2021', '2006'] as const;
export const levels = ['bezirk', 'prognoseraum', 'bezirksregion', 'planungsraum'] as const;
export type Level = (typeof levels)[number];
export type Language = 'de' | 'en';

export interface ViewState {
  version: string;
  level: Level;
  indicator: string;
  /** reference date YYYY-MM-DD; '' = the latest the API has */
  date: string;
  /** the unit whose profile is open; '' = none */
  unit: string;
  lang: Language;
}

/** today's LOR at its finest level, coloured by an indicator the bundled residents' register feeds there */
export const defaultState: ViewState = {
  version: '2021',
  level: 'planungsraum',
  indicator: 'anteil_65_plus',
  date: '',
  unit: '',
  lang: 'de',
};

const pattern = {
  version: /^\d{4}$/,
  indicator: /^[a-z0-9_]{1,100}$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  unit: /^(0|\d{2}|\d{4}|\d{6}|\d{8})$/,
};

/** reads the state from a hash such as `#v=2021&l=prognoseraum&i=anteil_65_plus`; unknown or malformed parts fall back */
export function stateFromHash(hash: string): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const take = (key: string, re: RegExp, fallback: string): string => {
    const value = params.get(key);
    return value !== null && re.test(value) ? value : fallback;
  };
  const level = params.get('l');
  return {
    version: take('v', pattern.version, defaultState.version),
    level: levels.includes(level as Level) ? (level as Level) : defaultState.level,
    indicator: take('i', pattern.indicator, defaultState.indicator),
    date: take('d', pattern.date, ''),
    unit: take('u', pattern.unit, ''),
    lang: params.get('lang') === 'en' ? 'en' : 'de',
  };
}

export function hashOf(state: ViewState): string {
  const params = new URLSearchParams({ v: state.version, l: state.level, i: state.indicator });
  if (state.date) params.set('d', state.date);
  if (state.unit) params.set('u', state.unit);
  if (state.lang !== 'de') params.set('lang', state.lang);
  return `#${params.toString()}`;
}
