// A real spreadsheet opens our CSV: LibreOffice Calc (headless) converts the files to xlsx, openpyxl reads the cells.
// No cell may be a formula, formula-looking text is text that starts with ', numbers are numbers in every dialect.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@datenpool/db';
import { type CsvFormat, csvDocument } from '@datenpool/service-kit';
import t from 'tap';
import { testGateway } from './support/app.ts';
import { PYTHON, requireExecutable, requirePythonModule } from './support/real-client.ts';

const run = promisify(execFile);
t.setTimeout(600_000);
const soffice = requireExecutable(t, ['/usr/bin/soffice', '/usr/lib/libreoffice/program/soffice'], 'libreoffice-calc-nogui');
requirePythonModule(t, 'openpyxl', 'python3-openpyxl');
const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-calc-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

interface Cell {
  value: string | number | boolean | null;
  /** openpyxl's data type: s text, n number, f formula, b boolean */
  type: string;
}

/**
 * LibreOffice's CSV import with the file's dialect and "evaluate formulas" switched on (the strictest reading: the
 * default of the import dialog), then every cell as openpyxl reads the xlsx
 */
async function openInCalc(name: string, body: string | Buffer, format: Pick<CsvFormat, 'sep' | 'decimal'>): Promise<Cell[][]> {
  const dir = mkdtempSync(path.join(workdir, 'f-'));
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, body);
  // separator; text delimiter "; UTF-8; from line 1; no column formats; language (de-DE reads decimal commas);
  // quoted field as text off; detect special numbers off; …; trim spaces off; …; evaluate formulas on
  const options = `CSV:${format.sep === 'semicolon' ? 59 : 44},34,76,1,,${format.decimal === 'comma' ? 1031 : 1033},false,false,false,false,false,0,true`;
  const profile = `file://${path.join(workdir, 'profile')}`;
  await run(soffice, [`-env:UserInstallation=${profile}`, '--headless', `--infilter=${options}`, '--convert-to', 'xlsx', '--outdir', dir, file], { timeout: 180_000 });
  const xlsx = readdirSync(dir).find((f) => f.endsWith('.xlsx'));
  if (!xlsx) throw new Error(`LibreOffice wrote no xlsx for ${name}`);
  const script =
    'import sys, json, openpyxl\n' +
    'ws = openpyxl.load_workbook(sys.argv[1]).active\n' +
    'print(json.dumps([[{"value": c.value, "type": c.data_type} for c in row] for row in ws.iter_rows()], default=str))';
  const { stdout } = await run(PYTHON, ['-c', script, path.join(dir, xlsx)], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

const formulas = (rows: Cell[][]) => rows.flat().filter((c) => c.type === 'f');

/** text a spreadsheet runs as a formula when it is written as it is (OWASP CSV injection, plus the variants behind spaces and quotes) */
const dangerous = [
  '=1+1',
  '+1+2',
  '-1+2',
  '@SUM(1;2)',
  '=HYPERLINK("http://example.org";"x")',
  "=cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  ' =1+1',
  '"=1+1',
  "'=1+1",
  '=1+1;2',
];
/** text that stays what it is */
const harmless = ['plain', 'Grünau, Süd', 'a;b', 'say "hi"', 'two\nlines', 'kind=-x', '1+1', ''];
/** numbers that must arrive as numbers, negative ones included */
const numbers = [42, -3.5, 0.25, 1e-7, 1234567.125];

const dialects: Array<[string, CsvFormat]> = [
  ['comma, point, CRLF', { sep: 'comma', decimal: 'point', lineEnd: '\r\n', bom: false }],
  ['semicolon, comma, CRLF, BOM', { sep: 'semicolon', decimal: 'comma', lineEnd: '\r\n', bom: true }],
  ['comma, comma decimals', { sep: 'comma', decimal: 'comma', lineEnd: '\r\n', bom: true }],
  ['semicolon, point, LF', { sep: 'semicolon', decimal: 'point', lineEnd: '\n', bom: false }],
];

t.test('a naive writer (quotes only) is run as formulas by LibreOffice: the check below can fail', async (t) => {
  // LibreOffice evaluates cells that start with = (Excel also + - @): quoting does not stop it
  const evaluated = dangerous.filter((d) => d.startsWith('='));
  const naive = `a\r\n${evaluated.map((d) => `"${d.replaceAll('"', '""')}"`).join('\r\n')}\r\n`;
  const rows = await openInCalc('naive', naive, { sep: 'comma', decimal: 'point' });
  t.equal(formulas(rows).length, evaluated.length, `every quoted cell that starts with = evaluates (${evaluated.length})`);
});

for (const [name, format] of dialects) {
  t.test(`the one writer, ${name}: no cell evaluates, defused text starts with ', numbers are numbers`, async (t) => {
    const rows: Array<[string, unknown]> = [
      ...dangerous.map((d) => ['dangerous', d] as [string, unknown]),
      ...harmless.map((h) => ['harmless', h] as [string, unknown]),
      ...numbers.map((n) => ['number', n] as [string, unknown]),
      ['number text', '-2'],
      ['number text', '+7'],
    ];
    const body = csvDocument(['kind', 'cell'], rows, (r) => r, format);
    const cells = await openInCalc(name.replaceAll(/\W+/g, '-'), body, format);
    t.equal(cells.length, rows.length + 1, 'one spreadsheet row per row (separators and line breaks inside cells stay inside)');
    t.same(formulas(cells), [], 'no formula cell');
    for (const [i, [kind, value]] of rows.entries()) {
      const cell = cells[i + 1]?.[1] ?? { value: null, type: 'n' };
      if (kind === 'dangerous') {
        t.equal(cell.type, 's', `${JSON.stringify(value)} is a text cell`);
        // LibreOffice reads a lone CR inside a quoted cell as a line break of the cell
        t.equal(String(cell.value).replace(/\n/g, '\r'), `'${String(value).replace(/\n/g, '\r')}`, `${JSON.stringify(value)} keeps its text behind a '`);
      } else if (kind === 'harmless') {
        t.equal(cell.value ?? '', value, `${JSON.stringify(value)} as it is`);
      } else if (kind === 'number') {
        t.equal(cell.type, 'n', `${value} is a number cell`);
        t.equal(cell.value, value, `${value} has its value`);
      } else {
        t.equal(cell.value, Number(value), `${value} (text that is a number) reads as the number`);
      }
    }
  });
}

t.test('the exports of the services open without a formula, with a formula-looking unit name as text', async (t) => {
  const { app, database } = await testGateway(t);
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2021' AND level = 'planungsraum' ORDER BY id LIMIT 1`.execute(database.db);
  const unit = rows[0]?.id as string;
  await sql`UPDATE lor_unit SET name = '=HYPERLINK("http://example.org";"x")' WHERE version = '2021' AND id = ${unit}`.execute(database.db);
  const exports: Array<[string, string, Pick<CsvFormat, 'sep' | 'decimal'>]> = [
    ['indicator-de', `/v1/indicators/anteil_unter_6/values?version=2021&date=2022&level=planungsraum&f=csv&sep=semicolon&decimal=comma`, { sep: 'semicolon', decimal: 'comma' }],
    ['indicator-en', `/v1/indicators/anteil_unter_6/values?version=2021&date=2022&level=planungsraum&f=csv`, { sep: 'comma', decimal: 'point' }],
    ['profile', `/v1/units/${unit}/profile?f=csv`, { sep: 'semicolon', decimal: 'comma' }],
    ['observations', `/v1/variables/einwohner/observations?lorVersion=2021&level=planungsraum&date=2022-12-31&f=csv&limit=600`, { sep: 'comma', decimal: 'point' }],
    ['sdmx', `/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6..?startPeriod=2022&endPeriod=2022`, { sep: 'comma', decimal: 'point' }],
  ];
  for (const [name, url, format] of exports) {
    const res = await app.inject({ url, headers: name === 'sdmx' ? { accept: 'application/vnd.sdmx.data+csv' } : {} });
    t.equal(res.statusCode, 200, `${name}: 200`);
    const cells = await openInCalc(name, res.rawPayload, format);
    t.ok(cells.length > 2, `${name}: ${cells.length} rows`);
    t.same(formulas(cells), [], `${name}: no formula cell`);
    const header = (cells[0] ?? []).map((c) => c.value);
    const valueColumn = header.findIndex((h) => h === 'value' || h === 'OBS_VALUE');
    const values = cells.slice(1).map((r) => r[valueColumn]).filter((c) => c?.value !== null && c?.value !== undefined);
    t.ok(values.length > 0 && values.every((c) => c?.type === 'n'), `${name}: every value is a number cell (${values.length})`);
    if (name.startsWith('indicator') || name === 'profile') {
      const nameColumn = header.indexOf('unit_name');
      const named = cells.slice(1).filter((r) => String(r[nameColumn]?.value ?? '').includes('HYPERLINK'));
      t.ok(named.length > 0, `${name}: the renamed unit is in the file`);
      t.ok(
        named.every((r) => r[nameColumn]?.type === 's' && r[nameColumn]?.value === `'=HYPERLINK("http://example.org";"x")`),
        `${name}: its name is text behind a '`,
      );
    }
  }
});
