// The process configuration: every setting of every group refuses its bad values at start, naming the variable; one
// error names every bad variable; the README's table is the groups'; no module outside the config modules reads the
// environment.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gatewayProcessSettings } from '@datenpool/gateway';
import { baseSettings, ConfigurationError, databaseSettings, processConfigFromEnv, readGroup, type SettingsGroup, serviceConfigFromEnv, settingsOf, uniqueGroups } from '@datenpool/service-kit';
import t from 'tap';
import { indicatorSettings } from '../services/indicators/src/config.ts';
import { ingestSettings } from '../services/ingest/src/config.ts';
import { readmeWithSettings, renderSettingsTable } from '../services/gateway/src/write-settings.ts';
import { repoRoot } from './support/processes.ts';

// a group two services read (sdmx and indicators: the indicator settings) is read once
const allGroups: readonly SettingsGroup<unknown>[] = uniqueGroups([...baseSettings, ...gatewayProcessSettings]);

/** every variable the gateway start reads, with the values its kind refuses; families by a member name */
const cases = allGroups.flatMap((group) => [
  ...Object.entries(group.variables).map(([variable, setting]) => ({ group: group.name, variable, setting })),
  ...group.families.map((family) => ({ group: group.name, variable: `${family.prefix}EXAMPLE`, setting: family.value })),
]);

/** the start's assembly (openProcessContext of services/gateway/src/main.ts) over `env` */
function start(env: Record<string, string>) {
  return processConfigFromEnv(env, { port: 3000 }, gatewayProcessSettings);
}

function refusal(env: Record<string, string>): ConfigurationError | undefined {
  try {
    start(env);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
}

t.test('the start reads every group of every service the gateway mounts', async (t) => {
  const names = allGroups.map((g) => g.name);
  t.equal(new Set(names).size, names.length, 'each group once, no two groups of one name');
  for (const name of ['service', 'database', 'gateway', 'ogc', 'metadata', 'ingest', 'indicators']) t.ok(names.includes(name), `the ${name} settings`);
  t.ok(cases.length >= 40, `${cases.length} settings`);
  const config = start({});
  for (const name of names) t.ok(name in config.settings, `${name} read at start`);
});

t.test('every bad value of every setting stops the start with a message naming the variable', async (t) => {
  let checked = 0;
  for (const { variable, setting } of cases) {
    if (setting.refuses.length === 0) {
      // free text: nothing to refuse, so the kind must say so
      t.equal(setting.expected, 'text', `${variable} accepts any text`);
      continue;
    }
    for (const bad of setting.refuses) {
      const error = refusal({ [variable]: bad });
      t.ok(error, `${variable}=${JSON.stringify(bad)} stops the start`);
      t.same(
        error?.problems.map((p) => p.variable),
        [variable],
        `${variable}=${JSON.stringify(bad)}: the error names ${variable} and nothing else`,
      );
      t.match(error?.message, new RegExp(`invalid configuration: .*${variable}: `), 'the message names it');
      if (setting.secret) t.notOk(error?.message.includes(bad), `${variable}: a secret's value is not repeated`);
      checked++;
    }
  }
  t.ok(checked >= 80, `${checked} bad values`);
  const freeText = cases.filter((c) => c.setting.refuses.length === 0).map((c) => c.variable);
  t.ok(freeText.length <= 3, `only a few settings take any text: ${freeText.join(', ')}`);
});

t.test('every setting accepts its documented default and it means the same as unset', async (t) => {
  const unset = start({});
  for (const { group, variable, setting } of cases) {
    if (setting.default === undefined) continue;
    const config = start({ [variable]: setting.default });
    t.equal(JSON.stringify(config.settings[group]), JSON.stringify(unset.settings[group]), `${variable}=${JSON.stringify(setting.default)} is the default`);
  }
});

t.test('one error names every bad variable at once', async (t) => {
  const env = Object.fromEntries(cases.filter((c) => c.setting.refuses.length > 0).map((c) => [c.variable, c.setting.refuses[0] as string]));
  const error = refusal(env);
  t.same(error?.problems.map((p) => p.variable).sort(), Object.keys(env).sort(), 'every one named');
});

t.test('the messages say what was expected and what was given', async (t) => {
  t.equal(refusal({ DB_POOL_MAX: 'x' })?.message, 'invalid configuration: DB_POOL_MAX: expected an integer ≥ 1, got "x"');
  t.equal(refusal({ PORT: '70000' })?.message, 'invalid configuration: PORT: expected an integer from 0 to 65535, got "70000"');
  t.equal(
    refusal({ RATE_LIMIT_MAX: '0', INDICATOR_WORKER: 'sometimes' })?.message,
    'invalid configuration: RATE_LIMIT_MAX: expected an integer ≥ 1, got "0"; INDICATOR_WORKER: expected `on` or `off`, got "sometimes"',
  );
  t.match(refusal({ OGC_NUMBER_MATCHED: 'indicator-*=sometimes' })?.message, /^invalid configuration: OGC_NUMBER_MATCHED: "indicator-\*=sometimes" is not collection=exact\|estimate\|omit$/);
  t.match(refusal({ DATABASE_READ_URL: 'postgres://standby/db' })?.message, /DATABASE_READ_URL: needs DATABASE_URL/);
  const secret = refusal({ DATABASE_URL: 'mysql://user:geheim@host/db' });
  t.match(secret?.message, /DATABASE_URL: expected an absolute URL \(postgres, postgresql\)$/);
  t.notMatch(secret?.message, /geheim/, 'a connection string is not repeated');
  t.match(refusal({ HARVEST_SECRET_senstadt: 'v' })?.message, /HARVEST_SECRET_senstadt: not a valid name/);
  t.match(refusal({ HARVEST_SECRET_SENSTADT: 'a\r\nX-Injected: 1' })?.message, /HARVEST_SECRET_SENSTADT: expected text without line breaks or NUL$/);
});

t.test('values are coerced by their kind', async (t) => {
  const config = start({
    PORT: '0',
    TRUST_PROXY: 'loopback, 10.0.0.0/8',
    INDICATOR_WORKER_QUIET_MS: '2s',
    INGEST_DISCLOSURE_POLL_MS: '250ms',
    REQUEST_TIMEOUT_MS: '5m',
    INDICATORS_SECONDARY_SUPPRESSION: 'off',
    CORS_ORIGINS: 'https://planung.berlin.de, http://localhost:5173',
    OGC_NUMBER_MATCHED: 'indicator-*=estimate',
    HARVEST_SECRET_SENSTADT: 'token',
    DB_POOL_MAX: '',
  });
  t.equal(config.port, 0, 'a set PORT beats the process default');
  t.same(config.trustProxy, ['loopback', '10.0.0.0/8']);
  t.equal(config.requestTimeoutMs, 300_000);
  const indicators = settingsOf(config, indicatorSettings);
  t.equal(indicators.workerQuietMs, 2_000);
  t.equal(indicators.secondarySuppression, false);
  const ingest = settingsOf(config, ingestSettings);
  t.equal(ingest.disclosurePollMs, 250);
  t.same(ingest.harvestSecrets, { HARVEST_SECRET_SENSTADT: 'token' });
  t.same((config.settings.gateway as { corsOrigins: string[] }).corsOrigins, ['https://planung.berlin.de', 'http://localhost:5173']);
  const ogc = config.settings.ogc as { numberMatched: (id: string) => string };
  t.equal(ogc.numberMatched('indicator-bevoelkerung'), 'estimate');
  t.equal(ogc.numberMatched('lor-2021-bezirk'), 'exact');
  t.equal(settingsOf(config, databaseSettings).poolMax, 10, 'empty is unset');
  t.equal(start({}).port, 3000, "unset PORT takes the process's default");
  t.equal(processConfigFromEnv({}, { port: 4006 }).port, 4006);
  t.equal(start({ TRUST_PROXY: 'true' }).trustProxy, true);
  t.equal(start({ TRUST_PROXY: 'false' }).trustProxy, false);
});

t.test('a configuration assembled by hand reads a group it lacks from the environment once', async (t) => {
  const saved = process.env.INDICATORS_CHANGE_YEARS;
  t.teardown(() => {
    if (saved === undefined) delete process.env.INDICATORS_CHANGE_YEARS;
    else process.env.INDICATORS_CHANGE_YEARS = saved;
  });
  process.env.INDICATORS_CHANGE_YEARS = '7';
  const config = serviceConfigFromEnv({ LOG_LEVEL: 'silent' });
  t.equal(settingsOf(config, indicatorSettings).changeYears, 7);
  process.env.INDICATORS_CHANGE_YEARS = '9';
  t.equal(settingsOf(config, indicatorSettings).changeYears, 7, 'read once per configuration');
  process.env.INDICATORS_CHANGE_YEARS = 'x';
  t.throws(() => settingsOf(serviceConfigFromEnv({}), indicatorSettings), /INDICATORS_CHANGE_YEARS: expected an integer from 1 to 50, got "x"/);
  t.equal(readGroup(indicatorSettings, {}).changeYears, 5);
});

/** runs a start as its own process; resolves with its exit code and stderr */
function run(script: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !cases.some((c) => c.variable === name) && !name.startsWith('HARVEST_SECRET_')));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { ...clean, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

t.test('the gateway process with every setting bad exits before it opens a database, naming each', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'settings-')), 'data');
  const env = Object.fromEntries(cases.filter((c) => c.setting.refuses.length > 0).map((c) => [c.variable, c.setting.refuses[0] as string]));
  const { code, stderr } = await run('services/gateway/src/main.ts', { ...env, DATA_DIR: dataDir });
  t.not(code, 0, 'the start fails');
  t.match(stderr, /ConfigurationError/);
  for (const variable of Object.keys(env)) t.match(stderr, new RegExp(`${variable}: `), `names ${variable}`);
  t.notOk(existsSync(dataDir), 'no embedded database was created');
});

t.test('a service alone and the worker process refuse their own bad settings', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'settings-')), 'data');
  const starts: Array<[string, Record<string, string>, string]> = [
    ['services/ingest/src/main.ts', { INGEST_BODY_LIMIT: '1.5' }, 'INGEST_BODY_LIMIT'],
    ['services/metadata/src/main.ts', { DATENPOOL_ADMIN_KEY: 'geheim' }, 'DATENPOOL_ADMIN_KEY'],
    ['services/indicators/src/worker-main.ts', { INDICATOR_WORKER_POLL_MS: '5' }, 'INDICATOR_WORKER_POLL_MS'],
    ['services/geometry/src/main.ts', { DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
    ['services/sdmx/src/main.ts', { INDICATORS_CHANGE_YEARS: '0' }, 'INDICATORS_CHANGE_YEARS'],
  ];
  for (const [script, env, variable] of starts) {
    const { code, stderr } = await run(script, { ...env, DATA_DIR: dataDir });
    t.not(code, 0, `${script} fails`);
    t.match(stderr, new RegExp(`invalid configuration: ${variable}: `), `${script} names ${variable}`);
  }
  t.notOk(existsSync(dataDir), 'none opened a database');
});

t.test('a database server that cannot be reached stops the start naming DATABASE_URL, not its password', async (t) => {
  const { code, stderr } = await run('services/gateway/src/main.ts', { DATABASE_URL: 'postgres://datenpool:geheim@127.0.0.1:1/datenpool' });
  t.not(code, 0, 'the start fails');
  t.match(stderr, /invalid configuration: DATABASE_URL: cannot open the database at 127\.0\.0\.1:1\/datenpool: .*\(ECONNREFUSED\)/);
  t.notMatch(stderr, /geheim/, 'the password is not printed');
});

t.test("the README's settings table is the groups' table", async (t) => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  t.equal(readmeWithSettings(readme), readme, 'README.md is current (run `pnpm settings`)');
  const table = renderSettingsTable();
  for (const { variable } of cases) {
    const documented = variable.startsWith('HARVEST_SECRET_') ? 'HARVEST_SECRET_<NAME>' : variable;
    t.ok(table.includes(`| \`${documented}\` |`), `${documented} has a row`);
  }
});

t.test("a service README's settings table names only settings its groups declare", async (t) => {
  const known = new Set(renderSettingsTable().match(/^\| `[^`]+` \|/gm)?.map((cell) => cell.slice(3, -3)));
  for (const dir of ['services', 'packages']) {
    for (const name of readdirSync(join(repoRoot, dir))) {
      const path = join(repoRoot, dir, name, 'README.md');
      if (!existsSync(path)) continue;
      let inTable = false;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (/^\| variable \|/.test(line)) inTable = true;
        else if (!line.startsWith('|')) inTable = false;
        const variable = inTable ? /^\| `([^`]+)` \|/.exec(line)?.[1] : undefined;
        if (variable) t.ok(known.has(variable), `${dir}/${name}/README.md: ${variable} is a setting`);
      }
    }
  }
});

/** source files of the services and packages, tests excluded */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'test') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

t.test('only the config modules read the environment', async (t) => {
  // the settings groups, and the start that hands process.env to them
  const allowed = /^(packages\/service-kit\/src\/(config|lifecycle)\.ts|services\/[a-z]+\/src\/config\.ts)$/;
  const readers = [...sources(join(repoRoot, 'packages')), ...sources(join(repoRoot, 'services'))]
    .map((path) => relative(repoRoot, path))
    .filter((path) => /process\.env\b/.test(readFileSync(join(repoRoot, path), 'utf8')))
    .filter((path) => !allowed.test(path));
  t.same(readers, [], 'no other module reads process.env: declare a setting in a settings group instead');
});
