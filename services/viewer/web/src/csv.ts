// The profile table as CSV, row for row in the format of the indicator API's CSV (`/v1/indicators/{id}/values?f=csv`).
import { type CsvFormat, csvHeader, csvLine, rfc4180 } from '@datenpool/contracts/csv';
import type { ProfileResponse } from './api.ts';

type Row = Record<string, unknown>;

/** the API's column names, in its order */
const columns: Array<{ name: string; get: (v: Row) => unknown }> = [
  { name: 'indicator', get: (v) => v.indicator },
  { name: 'version', get: (v) => v.version },
  { name: 'level', get: (v) => v.level },
  { name: 'unit', get: (v) => v.unit },
  { name: 'unit_name', get: (v) => v.unitName },
  { name: 'date', get: (v) => v.date },
  { name: 'breakdown', get: (v) => v.breakdown },
  { name: 'value', get: (v) => v.value },
  { name: 'numerator', get: (v) => v.numerator },
  { name: 'denominator', get: (v) => v.denominator },
  { name: 'status', get: (v) => v.status },
  { name: 'berlin', get: (v) => v.berlin },
  { name: 'district', get: (v) => v.district },
  { name: 'rank', get: (v) => v.rank },
  { name: 'rank_district', get: (v) => v.rankDistrict },
  { name: 'percentile', get: (v) => v.percentile },
  { name: 'change_1y', get: (v) => v.change1y },
  { name: 'change_ny', get: (v) => v.changeNy },
  { name: 'target', get: (v) => v.target },
  { name: 'target_distance', get: (v) => v.targetDistance },
  { name: 'class', get: (v) => v.class },
];

/** as the API writes ?f=csv&sep=comma&decimal=point: UTF-8 BOM, CRLF, comma, decimal point */
const format: CsvFormat = { ...rfc4180, bom: true };

/** every indicator of the profile that has a value, one line each, by the one CSV writer (the API's) */
export function profileCsv(profile: ProfileResponse): string {
  let text = csvHeader(columns.map((c) => c.name), format);
  for (const group of profile.zielbereiche) {
    for (const entry of group.indicators) {
      if (!entry.value) continue;
      const row = entry.value as unknown as Row;
      text += csvLine(columns.map((c) => c.get(row)), format);
    }
  }
  return text;
}

export function download(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
