// Settings from the environment: each group of variables is a zod schema whose values are coerced from text (integers,
// durations, flags, lists, URLs), one error names every bad variable, and the README's settings table comes from it.
import { z } from 'zod';

/** one environment variable: how its text becomes a value, its default, what it means */
export interface Setting<T = unknown> {
  /** parses the text (undefined: unset or empty, then the default applies) */
  readonly schema: z.ZodType<T, string | undefined>;
  /** what a good value looks like, for errors and the settings table: `an integer ≥ 1` */
  readonly expected: string;
  /** the default as one would write it in the environment; undefined: unset */
  readonly default: string | undefined;
  readonly description: string;
  /** values are never repeated in an error or a log */
  readonly secret: boolean;
  /** values of the right shape that this setting refuses (by its type and bounds): the start test sets each */
  readonly refuses: readonly string[];
}

export type SettingValue<S> = S extends Setting<infer T> ? T : never;

/** variables named by a pattern (`HARVEST_SECRET_<NAME>`): every variable with the prefix is one of them */
export interface SettingFamily<T = unknown> {
  /** as the settings table shows it: `HARVEST_SECRET_<NAME>` */
  readonly pattern: string;
  readonly prefix: string;
  /** the whole variable name a member must have */
  readonly name: RegExp;
  readonly value: Setting<T>;
}

export interface SettingProblem {
  variable: string;
  message: string;
}

/** a group of settings (one service's, the database's): its variables, and the typed value they make together */
export interface SettingsGroup<T> {
  /** a name unique in the process: `service`, `database`, `ingest`, …; the group's value is stored under it */
  readonly name: string;
  readonly variables: Readonly<Record<string, Setting>>;
  readonly families: readonly SettingFamily[];
  /** the group's value, or the problems of every variable that is bad */
  read(env: Readonly<Record<string, string | undefined>>): { value: T; problems: [] } | { value?: undefined; problems: SettingProblem[] };
}

type Values<V extends Record<string, Setting>> = { [K in keyof V]: SettingValue<V[K]> };

/**
 * a group: `assemble` turns the parsed variables (and family members, by full name) into the value the code uses;
 * `check` finds problems between variables (a read URL without its primary), named by the variable to fix
 */
export function defineSettings<V extends Record<string, Setting>, T>(spec: {
  name: string;
  variables: V;
  families?: Record<string, SettingFamily>;
  assemble: (values: Values<V>, members: Record<string, Record<string, unknown>>) => T;
  check?: (values: Values<V>) => SettingProblem[];
}): SettingsGroup<T> {
  const families = Object.entries(spec.families ?? {});
  return {
    name: spec.name,
    variables: spec.variables,
    families: families.map(([, f]) => f),
    read(env) {
      const problems: SettingProblem[] = [];
      const values: Record<string, unknown> = {};
      for (const [variable, setting] of Object.entries(spec.variables)) {
        const parsed = parseSetting(variable, setting, env[variable]);
        if ('problem' in parsed) problems.push(parsed.problem);
        else values[variable] = parsed.value;
      }
      const members: Record<string, Record<string, unknown>> = {};
      for (const [key, family] of families) {
        members[key] = {};
        for (const [variable, text] of Object.entries(env)) {
          if (!variable.startsWith(family.prefix) || text === undefined) continue;
          if (!family.name.test(variable)) {
            problems.push({ variable, message: `not a valid name: expected ${family.pattern} (${family.name.source})` });
            continue;
          }
          const parsed = parseSetting(variable, family.value, text);
          if ('problem' in parsed) problems.push(parsed.problem);
          // an empty member is unset, as an empty variable is
          else if (parsed.value !== undefined) members[key][variable] = parsed.value;
        }
      }
      const named = new Set(problems.map((p) => p.variable));
      problems.push(...(spec.check?.(values as Values<V>) ?? []).filter((p) => !named.has(p.variable)));
      if (problems.length > 0) return { problems };
      return { value: spec.assemble(values as Values<V>, members), problems: [] };
    },
  };
}

function parseSetting(variable: string, setting: Setting, raw: string | undefined): { value: unknown } | { problem: SettingProblem } {
  const text = raw === '' ? undefined : raw;
  const parsed = setting.schema.safeParse(text);
  if (parsed.success) return { value: parsed.data };
  // a parser's own message may already name the variable (OGC_NUMBER_MATCHED's does) or quote the value
  const message = (parsed.error.issues[0]?.message ?? `expected ${setting.expected}`).replace(`${variable}: `, '');
  const got = setting.secret || message.includes(JSON.stringify(text)) ? '' : `, got ${JSON.stringify(text)}`;
  return { problem: { variable, message: `${message}${got}` } };
}

/** a start refused: every bad variable, each named */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: SettingProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
  }
}

/** the groups' values by group name; throws one ConfigurationError naming every bad variable of every group */
export function readSettings(groups: readonly SettingsGroup<unknown>[], env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const group of uniqueGroups(groups)) {
    const read = group.read(env);
    if (read.problems.length > 0) problems.push(...read.problems);
    else values[group.name] = read.value;
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return values;
}

/** one group's value (throws naming every bad variable) */
export function readGroup<T>(group: SettingsGroup<T>, env: Readonly<Record<string, string | undefined>>): T {
  return readSettings([group], env)[group.name] as T;
}

/** groups listed twice (two services reading the OGC settings) are read once; two different groups of one name are a bug */
export function uniqueGroups(groups: readonly SettingsGroup<unknown>[]): SettingsGroup<unknown>[] {
  const byName = new Map<string, SettingsGroup<unknown>>();
  for (const group of groups) {
    const known = byName.get(group.name);
    if (known && known !== group) throw new Error(`two settings groups are named ${group.name}`);
    byName.set(group.name, group);
  }
  return [...byName.values()];
}

// --- the kinds of setting -------------------------------------------------------------------------------------------

interface Common<T> {
  description: string;
  default?: T;
  secret?: boolean;
}

/** the base of every kind: unset takes the default (or stays undefined), text goes through `parse` */
function kind<T>(
  expected: string,
  options: Common<T> & { unset?: string },
  parse: (text: string) => { ok: true; value: T } | { ok: false; message?: string },
  refuses: readonly string[],
  shown: (value: T) => string = String,
): Setting<T> {
  const schema = z
    .string()
    .optional()
    .transform((text, ctx): T => {
      if (text === undefined && options.unset === undefined) return options.default as T;
      if (text === undefined) text = options.unset as string;
      const parsed = parse(text.trim());
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.message ?? `expected ${expected}` });
      return z.NEVER;
    })
    .describe(options.description);
  return {
    schema: schema as unknown as z.ZodType<T, string | undefined>,
    expected,
    default: options.unset ?? (options.default === undefined ? undefined : shown(options.default)),
    description: options.description,
    secret: options.secret ?? false,
    refuses,
  };
}

type WithDefault<T, O> = O extends { default: T } ? T : T | undefined;

function bounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

function outside(min: number | undefined, max: number | undefined): string[] {
  return [...(min !== undefined ? [String(min - 1)] : []), ...(max !== undefined ? [String(max + 1)] : [])];
}

/** a whole number (`1_000` is not one: write `1000`) */
export function integer<O extends Common<number> & { min?: number; max?: number }>(options: O): Setting<WithDefault<number, O>> {
  const { min, max } = options;
  const expected = `an integer${bounds(min, max)}`;
  return kind<number>(
    expected,
    options,
    (text) => {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false };
      const value = Number(text);
      if (!Number.isSafeInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) return { ok: false };
      return { ok: true, value };
    },
    ['x', '1.5', ...outside(min, max)],
  ) as Setting<WithDefault<number, O>>;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** a duration in milliseconds: `2000`, or with a unit `250ms`, `2s`, `5m`, `1h` */
export function duration<O extends Common<number> & { min?: number; max?: number }>(options: O): Setting<WithDefault<number, O>> {
  const { min, max } = options;
  const expected = `a duration in ms${bounds(min, max)}, or with a unit (250ms, 2s, 5m, 1h)`;
  return kind<number>(
    expected,
    options,
    (text) => {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text);
      if (!match) return { ok: false };
      const value = Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1);
      if (!Number.isSafeInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) return { ok: false };
      return { ok: true, value };
    },
    ['x', '5 parsecs', '-1', ...outside(min, max)],
  ) as Setting<WithDefault<number, O>>;
}

const TRUE = ['true', '1', 'on', 'yes'];
const FALSE = ['false', '0', 'off', 'no'];

/** a yes/no: true/false, 1/0, on/off, yes/no */
export function flag<O extends Common<boolean>>(options: O): Setting<WithDefault<boolean, O>> {
  return kind<boolean>(
    'true or false (1/0, on/off, yes/no)',
    options,
    (text) => {
      const lower = text.toLowerCase();
      if (TRUE.includes(lower)) return { ok: true, value: true };
      if (FALSE.includes(lower)) return { ok: true, value: false };
      return { ok: false };
    },
    ['maybe', '2'],
  ) as Setting<WithDefault<boolean, O>>;
}

/** one of a few words */
export function oneOf<const W extends readonly [string, ...string[]], O extends Common<W[number]>>(words: W, options: O): Setting<WithDefault<W[number], O>> {
  return kind<W[number]>(
    words.map((w) => `\`${w}\``).join(', ').replace(/, ([^,]*)$/, ' or $1'),
    options,
    (text) => (words.includes(text) ? { ok: true, value: text as W[number] } : { ok: false }),
    ['none-of-these'],
  ) as Setting<WithDefault<W[number], O>>;
}

/** an absolute http(s) or postgres URL, as `protocols` allow */
export function url<O extends Common<string> & { protocols?: readonly string[] }>(options: O): Setting<WithDefault<string, O>> {
  const protocols = options.protocols ?? ['http:', 'https:'];
  return kind<string>(
    `an absolute URL (${protocols.map((p) => p.replace(/:$/, '')).join(', ')})`,
    options,
    (text) => {
      if (!URL.canParse(text)) return { ok: false };
      return protocols.includes(new URL(text).protocol) ? { ok: true, value: text } : { ok: false };
    },
    ['not a url', 'ftp://example.org/'],
  ) as Setting<WithDefault<string, O>>;
}

/** free text (a folder, a host name); `pattern` narrows it */
export function text<O extends Common<string> & { pattern?: RegExp; expected?: string }>(options: O): Setting<WithDefault<string, O>> {
  const { pattern } = options;
  return kind<string>(
    options.expected ?? (pattern ? `text matching ${pattern.source}` : 'text'),
    options,
    (value) => (pattern && !pattern.test(value) ? { ok: false } : { ok: true, value }),
    pattern ? ['\u0001'] : [],
  ) as Setting<WithDefault<string, O>>;
}

/** text that must not hold line breaks or NUL (it becomes a header value) */
export function headerValue(options: Common<string>): Setting<string | undefined> {
  return kind<string>('text without line breaks or NUL', options, (value) => (/[\r\n\0]/.test(value) ? { ok: false } : { ok: true, value }), ['a\nb']);
}

/** a comma-separated list (unset: empty); `item` checks each entry (a message names the bad one) */
export function list(options: Common<string[]> & { item?: { expected: string; valid: (entry: string) => boolean; refuses: string[] } }): Setting<string[]> {
  const { item } = options;
  return kind<string[]>(
    `a comma-separated list${item ? ` of ${item.expected}` : ''}`,
    { ...options, default: options.default ?? [] },
    (value) => {
      const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
      const bad = item ? entries.find((e) => !item.valid(e)) : undefined;
      if (bad !== undefined) return { ok: false, message: `"${bad}" is not ${item?.expected}` };
      return { ok: true, value: entries };
    },
    item?.refuses ?? [],
    (v) => v.join(','),
  );
}

/**
 * any other shape: `parse` returns the value or throws an Error whose message says what is wrong (an existing parser
 * such as OGC_NUMBER_MATCHED's); `refuses` are values it refuses; `unset`: the text parsed when the variable is unset
 * (a fresh value each time, where the default is an object)
 */
export function parsed<T>(
  options: Common<T> & { expected: string; parse: (text: string) => T; refuses: readonly string[]; shown?: (value: T) => string; unset?: string },
): Setting<T> {
  return kind<T>(
    options.expected,
    options,
    (value) => {
      try {
        return { ok: true, value: options.parse(value) };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
    options.refuses,
    options.shown,
  );
}

// --- the table ------------------------------------------------------------------------------------------------------

export interface SettingRow {
  variable: string;
  default: string;
  value: string;
  meaning: string;
}

/** one row per variable (and family) of the groups, in their order: what the README's settings table holds */
export function settingsRows(groups: readonly SettingsGroup<unknown>[]): SettingRow[] {
  const rows: SettingRow[] = [];
  for (const group of uniqueGroups(groups)) {
    for (const [variable, setting] of Object.entries(group.variables)) rows.push(row(variable, setting));
    for (const family of group.families) rows.push(row(family.pattern, family.value));
  }
  return rows;
}

function row(variable: string, setting: Setting): SettingRow {
  const shown = setting.default === undefined ? 'unset' : setting.default === '' ? 'empty' : `\`${setting.default}\``;
  return { variable, default: shown, value: setting.expected, meaning: setting.description };
}

/** the table as Markdown */
export function settingsTable(groups: readonly SettingsGroup<unknown>[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| variable | default | value | meaning |', '| --- | --- | --- | --- |'];
  for (const r of settingsRows(groups)) lines.push(`| \`${r.variable}\` | ${cell(r.default)} | ${cell(r.value)} | ${cell(r.meaning)} |`);
  return lines.join('\n');
}
