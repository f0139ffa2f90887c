// The SDMX structures of the pool, generated from the metadata: dataflows, data structure definitions, codelists, concepts.
import { formulaIndicators, formulaSchema, formulaVariables } from '@datenpool/contracts';
import type { Database, Kysely } from '@datenpool/db';
import { mayRead } from '@datenpool/service-kit';
import { singleBreakdowns, type TimeFormat } from './codes.ts';
import { activeIndicators, activeVariables, type IndicatorEntry, lorVersionIds, type VariableEntry } from './queries/catalog.ts';

export const AGENCY = 'DATENPOOL';
export const VERSION = '1.0';
export const CONCEPT_SCHEME = 'CS_DATENPOOL';

export interface Names {
  de: string;
  en: string;
}

export interface Annotation {
  type: string;
  title?: string;
  text?: Names;
}

export interface Code {
  id: string;
  names: Names;
  parent?: string | undefined;
}

export interface Codelist {
  id: string;
  names: Names;
  codes: Code[];
}

export interface Concept {
  id: string;
  names: Names;
}

export interface DimensionDef {
  id: 'INDICATOR' | 'VARIABLE' | 'REF_AREA' | 'BREAKDOWN';
  codelist: string;
}

export interface AttributeDef {
  id: 'OBS_STATUS' | 'CONF_STATUS' | 'VALID_FROM' | 'VALID_TO';
  codelist?: string;
  names: Names;
}

export interface Dsd {
  id: string;
  names: Names;
  lorVersion: string;
  kind: 'indicators' | 'variables';
  /** the dimensions of the series key, in key order; TIME_PERIOD follows them */
  dimensions: DimensionDef[];
}

export interface Flow {
  id: string;
  names: Names;
  dsd: Dsd;
  lorVersion: string;
  kind: 'indicators' | 'variables';
  /** the one variable of a variable flow */
  variable?: VariableEntry;
  timeFormat: TimeFormat;
  annotations: Annotation[];
}

export interface Catalog {
  versions: string[];
  flows: Flow[];
  dsds: Dsd[];
  variables: VariableEntry[];
  indicators: IndicatorEntry[];
  /** SDMX code of every single-dimension breakdown → canonical breakdown */
  breakdowns: Map<string, string>;
}

export const TIME_DIMENSION = 'TIME_PERIOD';
export const MEASURE = 'OBS_VALUE';

export const attributes: AttributeDef[] = [
  { id: 'OBS_STATUS', codelist: 'CL_OBS_STATUS', names: { de: 'Status der Beobachtung', en: 'Observation status' } },
  { id: 'CONF_STATUS', codelist: 'CL_CONF_STATUS', names: { de: 'Geheimhaltungsstatus', en: 'Confidentiality status' } },
  { id: 'VALID_FROM', names: { de: 'Gültig ab (Revision)', en: 'Revision valid from' } },
  { id: 'VALID_TO', names: { de: 'Gültig bis (Revision)', en: 'Revision valid to' } },
];

export const concepts: Concept[] = [
  { id: 'INDICATOR', names: { de: 'Indikator', en: 'Indicator' } },
  { id: 'VARIABLE', names: { de: 'Fachdatum (Variable)', en: 'Variable' } },
  { id: 'REF_AREA', names: { de: 'LOR-Raum (Bezugsraum)', en: 'LOR unit (reference area)' } },
  { id: 'BREAKDOWN', names: { de: 'Untergliederung', en: 'Breakdown' } },
  { id: 'TIME_PERIOD', names: { de: 'Berichtszeitraum', en: 'Time period' } },
  { id: 'OBS_VALUE', names: { de: 'Wert', en: 'Observation value' } },
  ...attributes.map((a) => ({ id: a.id, names: a.names })),
];

/** the facade publishes for everyone: what an anonymous reader may read by the one read rule */
const isPublicVariable = (v: VariableEntry) => mayRead(null, { id: v.id, agencyId: v.agency_id, access: v.access });

/** indicators whose inputs (directly or through other indicators) are all public variables */
function publicIndicators(indicators: IndicatorEntry[], variables: VariableEntry[]): IndicatorEntry[] {
  const restricted = new Set(variables.filter((v) => !isPublicVariable(v)).map((v) => v.id));
  const byId = new Map(indicators.map((i) => [i.id, i]));
  const memo = new Map<string, boolean>();
  const isPublic = (id: string, seen: Set<string>): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const entry = byId.get(id);
    const parsed = entry ? formulaSchema.safeParse(entry.formula) : undefined;
    if (!parsed?.success || seen.has(id)) return false;
    seen.add(id);
    const result =
      formulaVariables(parsed.data).every((v) => !restricted.has(v)) && formulaIndicators(parsed.data).every((i) => isPublic(i, seen));
    memo.set(id, result);
    return result;
  };
  return indicators.filter((i) => isPublic(i.id, new Set()));
}

function indicatorsDsd(version: string): Dsd {
  return {
    id: `DSD_INDICATORS_${version}`,
    names: { de: `Indikatorwerte je LOR-Raum (LOR ${version})`, en: `Indicator values per LOR unit (LOR ${version})` },
    lorVersion: version,
    kind: 'indicators',
    dimensions: [
      { id: 'INDICATOR', codelist: 'CL_INDICATOR' },
      { id: 'REF_AREA', codelist: `CL_LOR_${version}` },
      { id: 'BREAKDOWN', codelist: 'CL_BREAKDOWN' },
    ],
  };
}

function variablesDsd(version: string): Dsd {
  return {
    id: `DSD_VARIABLES_${version}`,
    names: { de: `Beobachtungen der Fachdaten je LOR-Raum (LOR ${version})`, en: `Observations of variables per LOR unit (LOR ${version})` },
    lorVersion: version,
    kind: 'variables',
    dimensions: [
      { id: 'VARIABLE', codelist: 'CL_VARIABLE' },
      { id: 'REF_AREA', codelist: `CL_LOR_${version}` },
      { id: 'BREAKDOWN', codelist: 'CL_BREAKDOWN' },
    ],
  };
}

/** the newest LOR version's variable flows are `DF_VAR_<ID>`, the others carry the version: `DF_VAR_<ID>_2006` */
export function variableFlowId(variableId: string, version: string, current: string): string {
  const base = `DF_VAR_${variableId.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}`;
  return version === current ? base : `${base}_${version}`;
}

function variableTimeFormat(variable: VariableEntry): TimeFormat {
  const dates = variable.reference_date.split(',').map((s) => s.trim()).filter(Boolean);
  return dates.length === 1 && dates[0] !== 'any' ? 'annual' : 'date';
}

function variableFlow(variable: VariableEntry, dsd: Dsd, current: string): Flow {
  const timeFormat = variableTimeFormat(variable);
  const dates = variable.reference_date;
  const period =
    timeFormat === 'annual'
      ? { de: `Jährlich; TIME_PERIOD JJJJ bezeichnet den Stichtag ${dates} (MM-TT) des Jahres`, en: `Annual; TIME_PERIOD YYYY stands for the reference date ${dates} (MM-DD) of that year` }
      : { de: `TIME_PERIOD ist der Stichtag selbst (JJJJ-MM-TT); erlaubte Stichtage: ${dates}`, en: `TIME_PERIOD is the reference date itself (YYYY-MM-DD); allowed reference dates: ${dates}` };
  return {
    id: variableFlowId(variable.id, dsd.lorVersion, current),
    names: { de: `${variable.label_de} (LOR ${dsd.lorVersion})`, en: `${variable.label_en} (LOR ${dsd.lorVersion})` },
    dsd,
    lorVersion: dsd.lorVersion,
    kind: 'variables',
    variable,
    timeFormat,
    annotations: [
      { type: 'REFERENCE_DATE', title: variable.reference_date, text: period },
      { type: 'UNIT_MEASURE', title: variable.unit },
      { type: 'SOURCE_AGENCY', title: variable.agency_id },
      { type: 'LICENCE', title: variable.licence },
      {
        type: 'NOTE',
        text: {
          de: 'Beobachtungen wie geliefert (keine Hochrechnung auf gröbere Ebenen); Revisionen über updatedAfter, includeHistory, asOf.',
          en: 'Observations as delivered (no roll-up to coarser levels); revisions through updatedAfter, includeHistory, asOf.',
        },
      },
    ],
  };
}

function indicatorsFlow(dsd: Dsd): Flow {
  return {
    id: `DF_INDICATORS_${dsd.lorVersion}`,
    names: { de: `Indikatoren der Sozialraumorientierung (LOR ${dsd.lorVersion})`, en: `Social-space indicators (LOR ${dsd.lorVersion})` },
    dsd,
    lorVersion: dsd.lorVersion,
    kind: 'indicators',
    timeFormat: 'annual',
    annotations: [
      {
        type: 'REFERENCE_DATE',
        title: '12-31',
        text: {
          de: 'Jährlich; TIME_PERIOD JJJJ bezeichnet den Stichtag 31. Dezember des Jahres (Eingangsdaten werden nach Jahr zugeordnet)',
          en: 'Annual; TIME_PERIOD YYYY stands for the reference date 31 December of that year (inputs are matched by year)',
        },
      },
      {
        type: 'NOTE',
        text: {
          de: 'Unterdrückte Werte: OBS_VALUE leer, OBS_STATUS=Q, CONF_STATUS C (Geheimhaltung), D (sekundär) oder N (Basis zu klein).',
          en: 'Suppressed values: OBS_VALUE empty, OBS_STATUS=Q, CONF_STATUS C (disclosure), D (secondary) or N (base too small).',
        },
      },
    ],
  };
}

/** every flow and structure the facade serves, from the current catalog */
export async function loadCatalog(db: Kysely<Database>): Promise<Catalog> {
  const [versions, allVariables, allIndicators] = await Promise.all([lorVersionIds(db), activeVariables(db), activeIndicators(db)]);
  const variables = allVariables.filter(isPublicVariable);
  const indicators = publicIndicators(allIndicators, allVariables);
  const current = versions[versions.length - 1] ?? '2021';
  const dsds: Dsd[] = [];
  const flows: Flow[] = [];
  for (const version of versions) {
    const iDsd = indicatorsDsd(version);
    const vDsd = variablesDsd(version);
    dsds.push(iDsd, vDsd);
    flows.push(indicatorsFlow(iDsd));
    for (const variable of variables) {
      const flow = variableFlow(variable, vDsd, current);
      // a variable named like `x_2006` would collide with the 2006 flow of `x`: the first one wins
      if (!flows.some((f) => f.id === flow.id)) flows.push(flow);
    }
  }
  return { versions, flows, dsds, variables, indicators, breakdowns: singleBreakdowns(allVariables.map((v) => v.breakdowns)) };
}
