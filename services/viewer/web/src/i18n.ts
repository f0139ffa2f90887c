// The viewer's words in German (default) and English.
import type { Language, Level } from './state.ts';

const words = {
  de: {
    title: 'Datenpool Berlin – Karte',
    version: 'LOR-Version',
    level: 'Ebene',
    indicator: 'Indikator',
    date: 'Stichtag',
    latest: 'aktuellster',
    language: 'English',
    levels: { bezirk: 'Bezirke', prognoseraum: 'Prognoseräume', bezirksregion: 'Bezirksregionen', planungsraum: 'Planungsräume' },
    noGeometry:
      'Für diese Ebene liegt in LOR {version} noch keine Geometrie vor (sie entsteht, wenn ein Betreiber die amtliche Datei importiert). Die Werte stehen in der Tabelle.',
    noValues: 'Für diese Auswahl gibt es keine Werte.',
    suppressed: 'geheimgehalten',
    noData: 'keine Daten',
    berlin: 'Berlin',
    district: 'Bezirk',
    unit: 'Gebiet',
    value: 'Wert',
    rank: 'Rang',
    profile: 'Profil',
    close: 'Schließen',
    downloadProfile: 'Profil als CSV',
    downloadValues: 'Werte als CSV (API)',
    series: 'Verlauf',
    table: 'Werte der Gebiete',
    loading: 'Lädt …',
    failed: 'Fehler: ',
    classes: 'Quantilklassen',
    indexGroups: 'Indexgruppen',
    core: 'Kernindikator',
    withValues: '{n} von {m} Kernindikatoren mit Werten',
  },
  en: {
    title: 'Datenpool Berlin – map',
    version: 'LOR version',
    level: 'Level',
    indicator: 'Indicator',
    date: 'Reference date',
    latest: 'latest',
    language: 'Deutsch',
    levels: { bezirk: 'Districts', prognoseraum: 'Prognoseräume', bezirksregion: 'Bezirksregionen', planungsraum: 'Planungsräume' },
    noGeometry:
      'LOR {version} has no geometry for this level yet (it appears once an operator imports the official file). The values are in the table.',
    noValues: 'No values for this selection.',
    suppressed: 'suppressed',
    noData: 'no data',
    berlin: 'Berlin',
    district: 'District',
    unit: 'Area',
    value: 'Value',
    rank: 'Rank',
    profile: 'Profile',
    close: 'Close',
    downloadProfile: 'Profile as CSV',
    downloadValues: 'Values as CSV (API)',
    series: 'Trend',
    table: 'Values of the areas',
    loading: 'Loading …',
    failed: 'Error: ',
    classes: 'Quantile classes',
    indexGroups: 'Index groups',
    core: 'core indicator',
    withValues: '{n} of {m} core indicators with values',
  },
} as const;

export type Words = (typeof words)['de'];

export const t = (lang: Language): Words => words[lang] as Words;

export const levelName = (lang: Language, level: Level): string => words[lang].levels[level];

/** numbers as the language writes them: 12,3 or 12.3 */
export function formatNumber(lang: Language, value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
