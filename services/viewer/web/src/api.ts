// Calls to the gateway's APIs (OGC API Features, indicators, metadata) and the shapes the viewer reads.
import type { Level } from './state.ts';

export interface IndicatorDefinition {
  id: string;
  zielbereich: string;
  labelDe: string;
  labelEn: string;
  unit: string;
  core: boolean;
  polarity?: string;
  formula: { kind: string };
}

export type ValueStatus = 'ok' | 'suppressed' | 'provisional' | 'estimated';

export interface IndicatorValue {
  unit: string;
  unitName: string | null;
  level: string;
  date: string;
  value: number | null;
  status: ValueStatus;
  berlin: number | null;
  district: number | null;
  rank: number | null;
  class: number | null;
  classLabel: string | null;
}

export interface ValuesResponse {
  indicator: string;
  version: string;
  date: string | null;
  values: IndicatorValue[];
}

export interface ProfileEntry {
  indicator: string;
  label: string;
  unitOfMeasure: string;
  polarity: string;
  value: IndicatorValue | null;
  series: Array<{ date: string; value: number | null; district: number | null; berlin: number | null; status: string }>;
}

export interface ProfileResponse {
  unit: { id: string; level: string; name: string };
  version: string;
  date: string | null;
  zielbereiche: Array<{ zielbereich: string; indicators: ProfileEntry[] }>;
}

export interface UnitFeature {
  type: 'Feature';
  id: string;
  geometry: GeoJSON.Geometry | null;
  properties: Record<string, unknown>;
}

export interface UnitCollection {
  type: 'FeatureCollection';
  features: UnitFeature[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * the pool's public base URL, written into the page by the server (`datenpool-base`), so that the API and tile requests
 * work where a proxy mounts the pool under a path; the page's own origin where the page was not served by the pool
 * (Vite's dev server)
 */
export const apiBase: string = document.querySelector<HTMLMetaElement>('meta[name="datenpool-base"]')?.content || location.origin;

/** a root-relative path of the pool's API as a URL under its public base */
export const apiUrl = (path: string): string => `${apiBase}${path}`;

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path), { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}) as { detail?: string });
    throw new ApiError(response.status, (problem as { detail?: string }).detail ?? `${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

const query = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  return search.toString();
};

export const api = {
  indicators: () => getJson<{ indicators: IndicatorDefinition[] }>('/v1/indicators').then((r) => r.indicators),
  /** the units with geometry simplified for the zoom they are drawn at (the viewer's own route) */
  units: (version: string, level: Level, zoom: number, signal?: AbortSignal) =>
    getJson<UnitCollection>(`/viewer/units/${version}/${level}?zoom=${zoom}`, signal),
  valuesPath: (indicator: string, version: string, level: Level, date: string, format?: 'csv') =>
    `/v1/indicators/${encodeURIComponent(indicator)}/values?${query({ version, level, date, f: format })}`,
  values: (indicator: string, version: string, level: Level, date: string, signal?: AbortSignal) =>
    getJson<ValuesResponse>(api.valuesPath(indicator, version, level, date), signal),
  /** the dates an indicator has values for, from Berlin's series */
  dates: (indicator: string, version: string) =>
    getJson<{ series: Array<{ date: string }> }>(`/v1/indicators/${encodeURIComponent(indicator)}/series?${query({ version, unit: '0' })}`).then(
      (r) => [...new Set(r.series.map((s) => s.date))].sort(),
    ),
  profile: (unit: string, version: string, date: string, signal?: AbortSignal) =>
    getJson<ProfileResponse>(`/v1/units/${encodeURIComponent(unit)}/profile?${query({ version, date })}`, signal),
};
