// The profile table as CSV, row for row in the format of the indicator API's CSV (`/v1/indicators/{id}/values?f=csv`).
import type { ProfileResponse } from './api.ts';

type Row = Record<string, unknown>;

/** the API's column names, in its order, and which are text (quoted when needed) */
const columns: Array<{ name: string; text?: boolean; get: (v: Row) => unknown }> = [
  { name: 'indicator', text: true, get: (v) => v.indicator },
  { name: 'version', text: true, get: (v) => v.version },
  { name: 'level', text: true, get: (v) => v.level },
  { name: 'unit', text: true, get: (v) => v.unit },
  { name: 'unit_name', text: true, get: (v) => v.unitName },
  { name: 'date', get: (v) => v.date },
  { name: 'breakdown', text: true, get: (v) => v.breakdown },
  { name: 'value', get: (v) => v.value },
  { name: 'numerator', get: (v) => v.numerator },
  { name: 'denominator', get: (v) => v.denominator },
  { name: 'status', text: true, get: (v) => v.status },
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

function field(value: unknown, text: boolean): string {
  if (value === null || value === undefined) return '';
  const out = String(value);
  // like the API: quote text with separators, quotes, line breaks or a leading formula character
  if (text && (out.includes(',') || /["\r\n]/.test(out) || /^[=+\-@]/.test(out))) return `"${out.replace(/"/g, '""')}"`;
  return out;
}

/** every indicator of the profile that has a value, one line each; UTF-8 BOM and CRLF as the API writes them */
export function profileCsv(profile: ProfileResponse): string {
  const lines = [columns.map((c) => c.name).join(',')];
  for (const group of profile.zielbereiche) {
    for (const entry of group.indicators) {
      if (!entry.value) continue;
      const row = entry.value as unknown as Row;
      lines.push(columns.map((c) => field(c.get(row), c.text ?? false)).join(','));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
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
