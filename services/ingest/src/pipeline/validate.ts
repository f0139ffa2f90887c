// Row validation against the variable's rules and the LOR units of the chosen version.
import { isFinerLevel, type LorLevel } from '@datenpool/contracts';
import type { RowError } from '@datenpool/service-kit';
import { canonicalBreakdown, type RawRow, type StagedRow } from './rows.ts';

export interface VariableRules {
  id: string;
  value_kind: 'count' | 'measure' | 'rate';
  /** a rate in `%` is a share (0 to 100); rates in other units (`Prozentpunkte`, `je 100 EW`) are changes, balances or volumes */
  unit?: string;
  aggregation: 'sum' | 'none';
  finest_level: string;
  reference_date: string;
  breakdowns: Record<string, string[]>;
}

export interface ValidationTarget {
  variable: VariableRules;
  /** unit id → level, for every unit of the LOR version */
  units: Map<string, string>;
  decimalComma: boolean;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const COMMA_NUMBER = /^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$/;
/** SDMX codes for "no breakdown in this dimension" */
const TOTAL_CODES = new Set(['', '_T', '_Z']);

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function allowedDates(rule: string): Set<string> | 'any' {
  if (rule.trim() === 'any') return 'any';
  return new Set(rule.split(',').map((s) => s.trim()).filter(Boolean));
}

function parseDate(raw: string, rule: Set<string> | 'any'): string | undefined {
  // a bare year stands for the variable's one reference date (SDMX TIME_PERIOD `2022`)
  if (/^\d{4}$/.test(raw) && rule !== 'any' && rule.size === 1) raw = `${raw}-${[...rule][0]}`;
  const m = ISO_DATE.exec(raw);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return raw;
}

function parseValue(value: unknown, decimalComma: boolean): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const raw = value.trim();
  if (decimalComma) {
    if (!COMMA_NUMBER.test(raw)) return undefined;
    return Number(raw.replaceAll('.', '').replace(',', '.'));
  }
  if (!PLAIN_NUMBER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** keeps a client's text short inside an error message */
function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

export function makeValidator(target: ValidationTarget): (raw: RawRow) => StagedRow | RowError[] {
  const { variable, units, decimalComma } = target;
  const dates = allowedDates(variable.reference_date);
  const finest = variable.finest_level as LorLevel;
  return (raw) => {
    // a row the parser could not read as a whole (wrong column count, not an object) is reported as such only
    if (raw.errors?.length) return raw.errors;
    const errors: RowError[] = [];
    const err = (field: string, code: string, message: string) => errors.push({ row: raw.row, field, code, message });

    const action = (text(raw.action) ?? 'M').toUpperCase();
    if (!['M', 'R', 'D', 'I'].includes(action)) err('action', 'invalid-action', `ACTION ${quote(raw.action)} is not M, R, D or I.`);
    const deleted = action === 'D';

    const unit = typeof raw.unit === 'string' ? raw.unit.trim() : undefined;
    const level = unit ? units.get(unit) : undefined;
    if (!unit) err('unit', 'missing', 'The LOR unit id is missing (a string such as "01100101").');
    else if (!level) err('unit', 'unknown-unit', `Unit ${quote(unit)} does not exist in this LOR version.`);
    else if (isFinerLevel(level as LorLevel, finest))
      err('unit', 'level-too-fine', `Unit ${unit} is a ${level}; ${variable.id} is delivered at ${finest} or coarser.`);

    const dateText = text(raw.date);
    const date = dateText ? parseDate(dateText, dates) : undefined;
    if (!dateText) err('date', 'missing', 'The reference date is missing.');
    else if (!date) err('date', 'invalid-date', `Date ${quote(dateText)} is not a date YYYY-MM-DD.`);
    else if (dates !== 'any' && !dates.has(date.slice(5)))
      err('date', 'reference-date', `Date ${date} is not a reference date of ${variable.id} (${[...dates].join(', ')}).`);

    let value: number | null = null;
    const valueText = text(raw.value);
    if (!deleted || (valueText !== undefined && valueText !== '')) {
      const parsed = parseValue(raw.value, decimalComma);
      if (valueText === undefined || valueText === '') err('value', 'missing', 'The value is missing.');
      else if (parsed === undefined)
        err('value', 'not-a-number', `Value ${quote(raw.value)} is not a finite number${decimalComma ? ' (decimal comma)' : ''}.`);
      else if (variable.value_kind === 'count' && parsed < 0) err('value', 'negative-count', `Value ${parsed} is negative; ${variable.id} is a count.`);
      else if (variable.value_kind === 'count' && parsed > Number.MAX_SAFE_INTEGER)
        err('value', 'count-too-large', `Value ${parsed} is larger than any count (${Number.MAX_SAFE_INTEGER}); ${variable.id} is a count.`);
      // a count is whole, unless it is an estimate (a value carried across the LOR reform by area shares)
      else if (variable.value_kind === 'count' && !Number.isInteger(parsed) && !/^(e|estimated)$/i.test(text(raw.status) ?? ''))
        err('value', 'fractional-count', `Value ${parsed} is not a whole number; ${variable.id} is a count (deliver estimates with status estimated).`);
      // a share computed by a weighted mean may miss 0 or 100 by the last bit of a double
      else if (variable.value_kind === 'rate' && variable.unit === '%' && (parsed < -1e-9 || parsed > 100 + 1e-9))
        err('value', 'rate-out-of-range', `Value ${parsed} is not a share between 0 and 100; ${variable.id} is a rate in %.`);
      else value = parsed;
    }
    if (deleted) value = null;

    const statusText = (text(raw.status) ?? '').toLowerCase();
    // SDMX OBS_STATUS codes A (normal), P (provisional), E (estimated) or the words
    const status = statusText === '' || statusText === 'a' ? 'final' : statusText === 'p' ? 'provisional' : statusText === 'e' ? 'estimated' : statusText;
    if (status !== 'final' && status !== 'provisional' && status !== 'estimated') {
      err('status', 'invalid-status', `Status ${quote(raw.status)} is not final, provisional or estimated.`);
    }

    const pairs: Record<string, string> = {};
    for (const [dim, codeRaw] of Object.entries(raw.breakdown)) {
      const code = text(codeRaw) ?? '';
      if (TOTAL_CODES.has(code)) continue;
      const codes = variable.breakdowns[dim];
      if (!codes) err(dim, 'unknown-dimension', `${variable.id} has no breakdown ${quote(dim)}.`);
      else if (!codes.includes(code)) err(dim, 'unknown-code', `Code ${quote(code)} is not one of ${dim}: ${codes.join(', ')}.`);
      else pairs[dim] = code;
    }
    if (errors.length > 0) return errors;
    return {
      row: raw.row,
      unit: unit!,
      level: level!,
      date: date!,
      breakdown: canonicalBreakdown(pairs),
      value,
      deleted,
      status: status as StagedRow['status'],
    };
  };
}
