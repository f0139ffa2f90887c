// A real statistics client: Debian's pandas reads the SDMX-CSV 2.0 of an indicator from a running gateway.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requirePythonModule } from './support/real-client.ts';

const run = promisify(execFile);
const PYTHON = requirePythonModule(t, 'pandas', 'python3-pandas');

const { app } = await testGateway(t);
const base = await serveOnLoopback(app);

/** what the client itself prints: `pandas.read_csv(url)` and the frame as JSON */
async function readCsv(url: string, options = ''): Promise<Record<string, Record<string, unknown>>> {
  const script = `import sys, pandas; df = pandas.read_csv(sys.argv[1]${options}); print(df.to_json())`;
  const { stdout } = await run(PYTHON, ['-c', script, url], { timeout: 60_000 });
  return JSON.parse(stdout);
}

const native = await app.inject({ url: '/v1/indicators/anteil_unter_6/values?version=2021&date=2022' });
const expected = native.json().values as Array<{ unit: string; value: number | null; status: string }>;

t.test('pandas.read_csv reads the SDMX-CSV of an indicator into one row per unit with the native values', async (t) => {
  const url = `${base}/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6.._T?startPeriod=2022&endPeriod=2022`;
  const df = await readCsv(url);
  t.same(Object.keys(df), ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'INDICATOR', 'REF_AREA', 'BREAKDOWN', 'TIME_PERIOD', 'OBS_VALUE', 'OBS_STATUS', 'CONF_STATUS']);
  const rows = Object.keys(df.OBS_VALUE as object);
  t.equal(rows.length, expected.length, `${expected.length} rows`);
  t.ok(rows.every((i) => df.INDICATOR?.[i] === 'anteil_unter_6' && df.TIME_PERIOD?.[i] === 2022 && df.STRUCTURE_ID?.[i] === 'DATENPOOL:DF_INDICATORS_2021(1.0)'));
  // without dtype pandas reads the LOR ids as integers (01 → 1), as any client of numeric-looking codes gets them
  const got = new Map(rows.map((i) => [Number(df.REF_AREA?.[i]), df.OBS_VALUE?.[i] as number | null]));
  for (const v of expected) {
    const value = got.get(Number(v.unit));
    if (v.value === null ? value !== null : Math.abs((value as number) - v.value) > 1e-9) t.fail(`unit ${v.unit}: ${value} ≠ ${v.value}`);
  }
  t.ok(rows.filter((i) => df.OBS_VALUE?.[i] === null).every((i) => df.OBS_STATUS?.[i] === 'Q'), 'empty values (NaN in pandas) are the suppressed ones');
  t.equal(rows.filter((i) => df.OBS_VALUE?.[i] === null).length, expected.filter((v) => v.status === 'suppressed').length);
});

t.test('with dtype str the LOR ids keep their leading zeros', async (t) => {
  const units = [expected.find((v) => v.unit.length === 2)?.unit, expected.find((v) => v.unit.length === 4)?.unit] as string[];
  const df = await readCsv(`${base}/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6.${units.join('+')}._T?startPeriod=2022&endPeriod=2022`, ", dtype={'REF_AREA': str}");
  t.same(Object.values(df.REF_AREA as object).sort(), units.sort());
});
