// SDMX vocabulary of the facade: breakdown codes, observation and confidentiality status, time periods.

/** the code of "no breakdown" (SDMX's usual code for totals) */
export const TOTAL_CODE = '_T';

/** characters an SDMX IDType may hold: breakdown codes of ours outside it are mapped to `-` */
const NOT_ID = /[^A-Za-z0-9_@$-]/g;

/**
 * canonical breakdown (`age=unter6`, `age=unter6;sex=weiblich`, '' for the total) → SDMX code
 * (`age_unter6`, `age_unter6__sex_weiblich`, `_T`). A `.` as in `age.unter6` is no valid SDMX id and is the key separator.
 */
export function breakdownCode(canonical: string): string {
  if (canonical === '') return TOTAL_CODE;
  return canonical
    .split(';')
    .map((pair) => {
      const at = pair.indexOf('=');
      return `${pair.slice(0, at)}_${pair.slice(at + 1)}`.replace(NOT_ID, '-');
    })
    .join('__');
}

/** SDMX breakdown code → canonical breakdown, given the codes of single dimensions (`age_unter6` → `age=unter6`) */
export function canonicalOfCode(code: string, single: Map<string, string>): string | undefined {
  if (code === TOTAL_CODE) return '';
  const parts = code.split('__').map((c) => single.get(c));
  if (parts.some((p) => p === undefined)) return undefined;
  return (parts as string[]).sort().join(';');
}

/** a readable name of a breakdown: `age: unter6` */
export function breakdownName(canonical: string, lang: 'de' | 'en'): string {
  if (canonical === '') return lang === 'de' ? 'Insgesamt' : 'Total';
  return canonical.split(';').map((p) => p.replace('=', ': ')).join(', ');
}

/** the single-dimension codes of the given breakdown dimensions, code → canonical */
export function singleBreakdowns(breakdowns: Iterable<Record<string, string[]>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const dims of breakdowns) {
    for (const [dim, codes] of Object.entries(dims)) {
      for (const code of codes) {
        const canonical = `${dim}=${code}`;
        const id = breakdownCode(canonical);
        if (!out.has(id)) out.set(id, canonical);
      }
    }
  }
  return out;
}

/**
 * SDMX CL_OBS_STATUS (SDMX:CL_OBS_STATUS 2.2) codes used here: A normal, P provisional, E estimated,
 * Q missing value; suppressed. Suppressed values also carry CONF_STATUS (SDMX:CL_CONF_STATUS 1.3).
 */
export const obsStatusCodes = [
  { id: 'A', en: 'Normal value', de: 'Normaler Wert' },
  { id: 'E', en: 'Estimated value', de: 'Geschätzter Wert' },
  { id: 'P', en: 'Provisional value', de: 'Vorläufiger Wert' },
  { id: 'Q', en: 'Missing value; suppressed', de: 'Fehlender Wert; unterdrückt' },
] as const;

/** C primary confidentiality (disclosure threshold), D secondary confidentiality, N not for publication (base too small) */
export const confStatusCodes = [
  { id: 'C', en: 'Confidential statistical information', de: 'Vertrauliche statistische Information (Geheimhaltung)' },
  { id: 'D', en: 'Secondary confidentiality set by the sender, not for publication', de: 'Sekundäre Geheimhaltung' },
  { id: 'N', en: 'Not for publication, restricted for internal use only', de: 'Nicht zur Veröffentlichung (Fallzahl zu klein)' },
] as const;

const obsStatusOf: Record<string, string> = { ok: 'A', final: 'A', provisional: 'P', estimated: 'E', suppressed: 'Q' };

export function obsStatus(status: string): string {
  return obsStatusOf[status] ?? 'A';
}

export function confStatus(suppression: string | null): string | undefined {
  if (suppression === null) return undefined;
  if (suppression === 'secondary') return 'D';
  if (suppression === 'min_base') return 'N';
  return 'C';
}

/** how a flow writes TIME_PERIOD: the year where each year has one reference date, else the reference date itself */
export type TimeFormat = 'annual' | 'date';

export function timePeriod(date: string, format: TimeFormat): string {
  return format === 'annual' ? date.slice(0, 4) : date;
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * an SDMX REST startPeriod/endPeriod (`2022`, `2022-S1`, `2022-Q3`, `2022-06`, `2022-06-30`, `2022-A1`)
 * → the first and last day it covers; undefined when it is none
 */
export function periodRange(raw: string): { first: string; last: string } | undefined {
  let m = /^(\d{4})(?:-A1)?$/.exec(raw);
  if (m) return { first: `${m[1]}-01-01`, last: `${m[1]}-12-31` };
  m = /^(\d{4})-S([12])$/.exec(raw);
  if (m) return m[2] === '1' ? { first: `${m[1]}-01-01`, last: `${m[1]}-06-30` } : { first: `${m[1]}-07-01`, last: `${m[1]}-12-31` };
  m = /^(\d{4})-Q([1-4])$/.exec(raw);
  if (m) {
    const year = Number(m[1]);
    const q = Number(m[2]);
    return { first: `${year}-${pad(q * 3 - 2)}-01`, last: `${year}-${pad(q * 3)}-${lastDayOfMonth(year, q * 3)}` };
  }
  m = /^(\d{4})-(\d{2})$/.exec(raw);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (month < 1 || month > 12) return undefined;
    return { first: `${year}-${pad(month)}-01`, last: `${year}-${pad(month)}-${lastDayOfMonth(year, month)}` };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
    return { first: raw, last: raw };
  }
  return undefined;
}
