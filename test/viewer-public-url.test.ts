// The map viewer behind a proxy that mounts the pool under a path (PUBLIC_URL with a path): in Chromium, every request
// the page makes (its assets, the API, the vector tiles from MapLibre's worker, a unit's feature) goes under that path.
// Playwright's routing stands in for the proxy: requests under PUBLIC_URL reach the gateway with the prefix taken off;
// anything else goes to a host that does not exist and fails.
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { launchChromium } from './support/browser.ts';
import { repoRoot } from './support/processes.ts';
import { execFileSync } from 'node:child_process';

const PUBLIC_URL = 'https://datenpool.invalid/sozialraum/datenpool';


t.test('the viewer under a PUBLIC_URL with a path', async (t) => {
  if (!existsSync(path.join(repoRoot, 'services/viewer/dist/index.html'))) {
    execFileSync('pnpm', ['--filter', '@datenpool/viewer', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const { app } = await testGateway(t, { PUBLIC_URL });
  const base = await serveOnLoopback(app);
  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  const proxied: string[] = [];
  await context.route(`${PUBLIC_URL}/**`, async (route) => {
    const url = route.request().url();
    proxied.push(url);
    const response = await route.fetch({ url: base + url.slice(PUBLIC_URL.length) });
    await route.fulfill({ response });
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));

  await page.goto(`${PUBLIC_URL}/viewer/`);
  await page
    .waitForFunction(() => window.datenpoolViewer?.renders > 0 && document.body.dataset.ready === 'true', null, { timeout: 90_000 })
    .catch((error: Error) => {
      throw new Error(`${error.message}; requests: ${requests.join(' ')}; problems: ${problems.join(' | ')}`);
    });
  await page.waitForFunction(() => (window.datenpoolViewer.map as { areTilesLoaded(): boolean }).areTilesLoaded(), null, { timeout: 60_000 });

  const tiles = proxied.filter((url) => url.includes('/tiles/WebMercatorQuad/'));
  t.ok(tiles.length > 0, `${tiles.length} vector tiles requested under PUBLIC_URL (MapLibre's worker)`);
  t.ok(
    proxied.some((url) => url.startsWith(`${PUBLIC_URL}/v1/indicators/`) && url.includes('/values?')),
    'the indicator values are requested under PUBLIC_URL',
  );
  t.ok(proxied.some((url) => url.startsWith(`${PUBLIC_URL}/viewer/assets/`)), 'the assets are loaded under PUBLIC_URL');
  const rows = await page.locator('#table tbody tr').count();
  t.ok(rows > 400, `the value table has ${rows} rows`);
  // a unit's profile: its panel, its downloads under PUBLIC_URL
  await page.locator('#table tbody tr a[data-unit]').first().click();
  await page.waitForSelector('#profile:not([hidden]) #profile-xlsx', { timeout: 60_000 });
  const xlsx = await page.locator('#profile-xlsx').getAttribute('href');
  t.ok(xlsx?.startsWith(`${PUBLIC_URL}/v1/units/`), `the profile's Excel link is under PUBLIC_URL: ${xlsx}`);
  t.same(
    requests.filter((url) => !url.startsWith(`${PUBLIC_URL}/`) && !url.startsWith('data:') && !url.startsWith('blob:')),
    [],
    'no request of the page goes anywhere but under PUBLIC_URL',
  );
  t.same(problems, [], 'no failed request and no console error');
});
