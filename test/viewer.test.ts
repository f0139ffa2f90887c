// The map viewer end to end in headless Chromium: map drawing from the OGC API vector tiles, indicator switch, hover,
// profile, CSV, URL state.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from '@datenpool/db';
import type { Browser, Page } from 'playwright-core';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { launchChromium } from './support/browser.ts';
import { repoRoot } from './support/processes.ts';

const screenshots = path.join(repoRoot, 'test/screenshots');
interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** decodes a PNG with the browser's own decoder and returns the pixels of a rectangle */
async function pixels(browser: Browser, png: Buffer, box: { x: number; y: number; width: number; height: number }): Promise<Rgb[]> {
  const page = await browser.newPage();
  try {
    const data = await page.evaluate(
      async ({ source, box }) => {
        const image = new Image();
        image.src = source;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, 0);
        return Array.from(context.getImageData(box.x, box.y, box.width, box.height).data);
      },
      { source: `data:image/png;base64,${png.toString('base64')}`, box },
    );
    const out: Rgb[] = [];
    for (let i = 0; i < data.length; i += 4) out.push({ r: data[i]!, g: data[i + 1]!, b: data[i + 2]! });
    return out;
  } finally {
    await page.close();
  }
}

/** a pixel of a class colour, not the grey background, outline or no-data fill */
const coloured = (p: Rgb) => Math.max(p.r, p.g, p.b) - Math.min(p.r, p.g, p.b) > 40;

/** counts in a rectangle, computed in the browser (moving every pixel out would take minutes): coloured pixels of
 * the first PNG and pixels whose colour differs between the two */
async function compare(browser: Browser, first: Buffer, second: Buffer, box: { x: number; y: number; width: number; height: number }) {
  const page = await browser.newPage();
  // tsx keeps function names with a __name helper that the browser does not have
  await page.evaluate('globalThis.__name = (f) => f');
  try {
    return await page.evaluate(
      async ({ sources, box }) => {
        const read = async (source: string) => {
          const image = new Image();
          image.src = source;
          await image.decode();
          const canvas = document.createElement('canvas');
          canvas.width = image.width;
          canvas.height = image.height;
          const context = canvas.getContext('2d')!;
          context.drawImage(image, 0, 0);
          return context.getImageData(box.x, box.y, box.width, box.height).data;
        };
        const [a, b] = await Promise.all(sources.map(read));
        let coloured = 0;
        let changed = 0;
        for (let i = 0; i < a!.length; i += 4) {
          const [r, g, bl] = [a![i]!, a![i + 1]!, a![i + 2]!];
          if (Math.max(r, g, bl) - Math.min(r, g, bl) > 40) coloured++;
          if (Math.abs(r - b![i]!) + Math.abs(g - b![i + 1]!) + Math.abs(bl - b![i + 2]!) > 30) changed++;
        }
        return { total: a!.length / 4, coloured, changed };
      },
      { sources: [first, second].map((png) => `data:image/png;base64,${png.toString('base64')}`), box },
    );
  } finally {
    await page.close();
  }
}
const lightness = (p: Rgb) => (p.r + p.g + p.b) / 3;

async function waitForRender(page: Page, after: number): Promise<void> {
  await page.waitForFunction((n) => window.datenpoolViewer?.renders > n && document.body.dataset.ready === 'true', after, { timeout: 60_000 });
}

const renders = (page: Page) => page.evaluate(() => window.datenpoolViewer.renders);

/** page pixel of a position in CRS84, through the map's own projection */
async function screenPoint(page: Page, lon: number, lat: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([lon, lat]) => {
      const map = window.datenpoolViewer.map as { project(p: [number, number]): { x: number; y: number }; getContainer(): HTMLElement };
      const point = map.project([lon, lat]);
      const rect = map.getContainer().getBoundingClientRect();
      return { x: Math.round(rect.left + point.x), y: Math.round(rect.top + point.y) };
    },
    [lon, lat] as const,
  );
}


t.test('the viewer in Chromium', async (t) => {
  if (!existsSync(path.join(repoRoot, 'services/viewer/dist/index.html'))) {
    execFileSync('pnpm', ['--filter', '@datenpool/viewer', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const { app, database } = await testGateway(t);
  const base = await serveOnLoopback(app);
  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const tileStatuses: number[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/tiles/WebMercatorQuad/')) tileStatuses.push(response.status());
  });
  mkdirSync(screenshots, { recursive: true });

  // an inside point of every 2021 Planungsraum, from PostGIS rather than from the viewer
  const inside = await sql<{ id: string; name: string; lon: number; lat: number }>`
    SELECT id, name, ST_X(p) AS lon, ST_Y(p) AS lat
    FROM (SELECT id, name, ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM lor_unit
          WHERE version = '2021' AND level = 'planungsraum' AND geom IS NOT NULL) s`.execute(database.db);
  const pointOf = new Map(inside.rows.map((r) => [r.id, r]));
  const valuesOf = async (indicator: string) => {
    const response = await app.inject({ url: `/v1/indicators/${indicator}/values?version=2021&level=planungsraum` });
    return (response.json() as { values: Array<{ unit: string; unitName: string; value: number | null; status: string }> }).values;
  };

  // the default view: no state in the URL
  await page.goto(`${base}/viewer/`);
  await waitForRender(page, 0);
  const mapBox = (await page.locator('#map').boundingBox())!;
  const mapPng = await page.screenshot();
  const mapFile = path.join(screenshots, 'map.png');
  writeFileSync(mapFile, mapPng);
  t.comment(`screenshot of the default view (LOR 2021 Planungsräume, anteil_65_plus): ${mapFile}`);

  await t.test('the default view is the 2021 Planungsräume, every one drawn and coloured by its class', async (t) => {
    t.match(await page.evaluate(() => window.datenpoolViewer.state), { version: '2021', level: 'planungsraum', indicator: 'anteil_65_plus' });
    t.equal(await page.locator('#level').inputValue(), 'planungsraum');
    t.equal(inside.rows.length, 542, 'PostGIS has 542 Planungsräume with geometry');
    const drawn = await page.evaluate(() => {
      const map = window.datenpoolViewer.map as {
        queryRenderedFeatures(options: { layers: string[] }): Array<{ properties: { id: string }; state: { cls?: number } }>;
        getPaintProperty(layer: string, property: string): unknown;
      };
      // the class is the feature state the viewer set from the values; the id comes with the tile
      const byId = new Map(map.queryRenderedFeatures({ layers: ['units-fill'] }).map((f) => [f.properties.id, f.state.cls ?? -1]));
      return { ids: [...byId.keys()].sort(), classes: [...byId.values()], fill: map.getPaintProperty('units-fill', 'fill-color') };
    });
    t.same(drawn.ids, inside.rows.map((r) => r.id).sort(), 'every Planungsraum is rendered');
    const values = await valuesOf('anteil_65_plus');
    const withValue = values.filter((v) => v.value !== null && v.status !== 'suppressed').length;
    t.ok(withValue > 500, `${withValue} Planungsräume have a value`);
    t.equal(drawn.classes.filter((c) => c >= 0).length, withValue, 'each unit with a value is in a class');
    const legendClasses = await page.locator('#legend li[data-class]:not([data-class=none]):not([data-class=suppressed])').count();
    t.equal(legendClasses, 5, 'five quantile classes in the legend');
    t.equal(new Set(drawn.classes.filter((c) => c >= 0)).size, legendClasses, 'every legend class is on the map');
    t.ok(Array.isArray(drawn.fill) && JSON.stringify(drawn.fill).includes('#253494'), 'the fill is the class palette, not one colour');
    const notice = await page.locator('#notice');
    t.ok(await notice.isHidden(), 'no notice (no level without geometry, values present)');
  });

  await t.test('the map draws the units in colour inside Berlin', async (t) => {
    const southWest = await screenPoint(page, 13.09, 52.34);
    const northEast = await screenPoint(page, 13.76, 52.67);
    const box = { x: southWest.x, y: northEast.y, width: northEast.x - southWest.x, height: southWest.y - northEast.y };
    t.ok(box.x >= mapBox.x && box.width > 200 && box.height > 150, 'Berlin fills the map');
    const inBerlin = await compare(browser, mapPng, mapPng, box);
    const share = inBerlin.coloured / inBerlin.total;
    t.ok(share > 0.3, `${(share * 100).toFixed(0)} % of the pixels in Berlin's extent are coloured`);
    const outside = await pixels(browser, mapPng, { x: Math.round(mapBox.x + mapBox.width - 12), y: Math.round(mapBox.y + mapBox.height - 12), width: 8, height: 8 });
    t.equal(outside.filter(coloured).length, 0, 'the corner outside Berlin is background');
  });

  await t.test('the unit with the highest value is drawn darker than the one with the lowest', async (t) => {
    const values = (await valuesOf('anteil_65_plus')).filter((v) => v.value !== null && pointOf.has(v.unit));
    t.ok(values.length > 500, 'values for the Planungsräume');
    const sorted = [...values].sort((a, b) => (a.value as number) - (b.value as number));
    const colourAt = async (unit: string) => {
      const p = pointOf.get(unit)!;
      const at = await screenPoint(page, p.lon, p.lat);
      const around = await pixels(browser, mapPng, { x: at.x - 1, y: at.y - 1, width: 3, height: 3 });
      return around[4]!;
    };
    const low = await colourAt(sorted[0]!.unit);
    const high = await colourAt(sorted[sorted.length - 1]!.unit);
    t.ok(lightness(high) + 80 < lightness(low), `highest ${JSON.stringify(high)} darker than lowest ${JSON.stringify(low)}`);
  });

  await t.test('hovering a unit shows its name and value', async (t) => {
    const value = (await valuesOf('anteil_65_plus')).find((v) => v.value !== null && pointOf.has(v.unit))!;
    const p = pointOf.get(value.unit)!;
    const at = await screenPoint(page, p.lon, p.lat);
    await page.mouse.move(at.x, at.y);
    await page.locator('#hover').waitFor({ state: 'visible' });
    const text = await page.locator('#hover').textContent();
    t.match(text ?? '', value.unitName);
    t.match(text ?? '', (value.value as number).toLocaleString('de-DE', { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
    await page.mouse.move(mapBox.x + mapBox.width - 5, mapBox.y + mapBox.height - 5);
  });

  await t.test('changing the indicator changes the colours and the URL', async (t) => {
    const before = await renders(page);
    await page.selectOption('#indicator', 'anteil_unter_6');
    await waitForRender(page, before);
    t.match(page.url(), /i=anteil_unter_6/);
    const after = await page.screenshot();
    const box = { x: Math.round(mapBox.x), y: Math.round(mapBox.y), width: Math.round(mapBox.width), height: Math.round(mapBox.height) };
    const { changed, total } = await compare(browser, mapPng, after, box);
    t.ok(changed / total > 0.05, `${((changed / total) * 100).toFixed(0)} % of the map's pixels changed colour`);
  });

  // a Planungsraum of Tiergarten Süd with a value, large enough to hit with a click
  const { rows: targets } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2021' AND level = 'planungsraum'
    AND id LIKE '0110%' ORDER BY ST_Area(geom) DESC LIMIT 1`.execute(database.db);
  const targetId = targets[0]!.id;
  const profileProbe = await app.inject({ url: `/v1/units/${targetId}/profile?version=2021` });
  const profileMissing = profileProbe.statusCode === 404 && !/unit/i.test(profileProbe.body) ? 'the profile API (/v1/units/{id}/profile) is not there yet' : false;

  await t.test('clicking a Planungsraum opens its profile with the values of the API', { skip: profileMissing }, async (t) => {
    const target = pointOf.get(targetId)!;
    const at = await screenPoint(page, target.lon, target.lat);
    await page.mouse.click(at.x, at.y);
    await page.locator('#profile tr[data-indicator]').first().waitFor({ timeout: 60_000 });
    t.match(page.url(), new RegExp(`u=${target.id}`));
    const profile = (await app.inject({ url: `/v1/units/${target.id}/profile?version=2021` })).json() as {
      unit: { name: string };
      zielbereiche: Array<{ zielbereich: string; indicators: Array<{ indicator: string; value: { value: number | null; district: number | null; berlin: number | null } | null }> }>;
    };
    t.match(await page.locator('#profile h2').textContent(), profile.unit.name);
    const shown = await page.$$eval('#profile tr[data-indicator]', (rows) =>
      rows.map((row) => ({
        indicator: row.getAttribute('data-indicator'),
        zielbereich: row.closest('section')?.getAttribute('data-zielbereich'),
        value: row.querySelector('[data-field=value]')?.getAttribute('data-value'),
        district: row.querySelector('[data-field=district]')?.getAttribute('data-value'),
        berlin: row.querySelector('[data-field=berlin]')?.getAttribute('data-value'),
        sparkline: row.querySelector('svg.sparkline') !== null,
      })),
    );
    const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
    const expected = profile.zielbereiche.flatMap((g) =>
      g.indicators.map((i) => ({
        indicator: i.indicator,
        zielbereich: g.zielbereich,
        value: text(i.value?.value),
        district: text(i.value?.district),
        berlin: text(i.value?.berlin),
        sparkline: true,
      })),
    );
    t.same(shown, expected, 'every indicator of the profile, by Zielbereich, with unit, district and Berlin values');
    t.ok(shown.some((s) => s.value !== ''), 'some indicators have values');
    const [values] = await Promise.all([valuesOf('anteil_65_plus')]);
    const own = values.find((v) => v.unit === target.id);
    const row = shown.find((s) => s.indicator === 'anteil_65_plus');
    if (own && row) t.equal(row.value, text(own.value), 'the profile agrees with the values API');
    // the picture shows the first indicator that has values (most core indicators have no data yet)
    await page.locator('#profile tr[data-indicator]:not([data-status=none])').first().scrollIntoViewIfNeeded();
    writeFileSync(path.join(screenshots, 'profile.png'), await page.screenshot());

    await t.test('the profile CSV holds the rows of the API CSV', async (t) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#profile-csv')]);
      const csv = readFileSync((await download.path())!, 'utf8');
      const lines = csv.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
      t.ok(lines.length > 1, 'a header and rows');
      for (const line of lines.slice(1)) {
        const indicator = line.split(',')[0]!;
        const api = await app.inject({ url: `/v1/indicators/${indicator}/values?version=2021&level=planungsraum&unit=${target.id}&f=csv` });
        const apiLines = api.body.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
        t.equal(lines[0], apiLines[0], `${indicator}: same header`);
        t.equal(line, apiLines[1], `${indicator}: same row`);
      }
    });
  });

  await t.test("the table's CSV link downloads the API's CSV byte for byte", async (t) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#values-csv')]);
    const body = readFileSync((await download.path())!);
    const latest = (await app.inject({ url: '/v1/indicators/anteil_unter_6/values?version=2021&level=planungsraum' })).json().date as string;
    const api = await app.inject({ url: `/v1/indicators/anteil_unter_6/values?version=2021&level=planungsraum&date=${latest}&f=csv` });
    t.equal(api.statusCode, 200);
    t.ok(body.equals(api.rawPayload), 'identical bytes');
  });

  await t.test('a shared link restores the view', async (t) => {
    const second = await context.newPage();
    second.on('pageerror', (error) => consoleErrors.push(error.message));
    await second.goto(`${base}/viewer/#v=2021&l=bezirk&i=auslaenderanteil&lang=en&u=01`);
    await waitForRender(second, 0);
    if (!profileMissing) {
      const profile = (await app.inject({ url: '/v1/units/01/profile?version=2021' })).json() as { unit: { name: string } };
      t.match(await second.locator('#profile h2').textContent(), `Profile: ${profile.unit.name}`, 'the profile of the linked unit, in English');
    }
    t.equal(await second.locator('#level').inputValue(), 'bezirk');
    t.equal(await second.locator('#indicator').inputValue(), 'auslaenderanteil');
    t.equal(await second.locator('html').getAttribute('lang'), 'en');
    const catalog = (await app.inject({ url: '/v1/indicators' })).json().indicators as Array<{ id: string; labelEn: string }>;
    t.match(await second.locator('#indicator option:checked').textContent(), catalog.find((i) => i.id === 'auslaenderanteil')!.labelEn, 'English labels');
    t.equal(await second.locator('#table tbody tr').count(), (await app.inject({ url: '/v1/indicators/auslaenderanteil/values?version=2021&level=bezirk' })).json().values.length);
    await second.close();
  });

  await t.test('a level without geometry says so and still lists the values', async (t) => {
    // every bundled level has polygons; an operator's import without them is what this shows
    await sql`UPDATE lor_unit SET geom = NULL WHERE version = '2021' AND level = 'bezirksregion'`.execute(database.db);
    const third = await context.newPage();
    third.on('pageerror', (error) => consoleErrors.push(error.message));
    await third.goto(`${base}/viewer/#v=2021&l=bezirksregion&i=anteil_65_plus`);
    await waitForRender(third, 0);
    t.match(await third.locator('#notice').textContent(), /keine Geometrie/);
    const apiValues = (await app.inject({ url: '/v1/indicators/anteil_65_plus/values?version=2021&level=bezirksregion' })).json().values as Array<{ status: string }>;
    t.equal(await third.locator('#table tbody tr').count(), apiValues.length);
    const suppressed = apiValues.filter((v) => v.status === 'suppressed').length;
    t.equal(await third.locator('#table tbody tr[data-status=suppressed]').count(), suppressed, 'suppressed rows are marked');
    if (suppressed > 0) t.match(await third.locator('#legend').textContent(), /geheimgehalten/);
    await third.close();
  });

  await t.test('the map is drawn from the vector tiles of the LOR collection, also when zoomed in', async (t) => {
    const tileRequests = requests.filter((url) => url.startsWith(`${base}/collections/lor-2021-planungsraum/tiles/WebMercatorQuad/`));
    t.ok(tileRequests.length > 0, `${tileRequests.length} tile requests in the network log`);
    t.same(requests.filter((url) => url.includes('/viewer/units/')), [], 'no GeoJSON units are loaded');
    t.ok(tileStatuses.length > 0 && tileStatuses.every((s) => s === 200 || s === 204), 'tiles answer 200 or 204');
    // the profile closed, so that the picture shows the map
    const closing = await renders(page);
    await page.evaluate(() => {
      location.hash = location.hash.replace(/([#&])u=[^&]*&?/, '$1').replace(/&$/, '');
    });
    await waitForRender(page, closing);
    // the whole-city view's tiles all loaded first: a tile of it still in flight would count as a request of the zoomed view
    await page.waitForFunction(() => (window.datenpoolViewer.map as { areTilesLoaded(): boolean }).areTilesLoaded(), null, { timeout: 60_000 });
    const before = requests.length;
    const alexanderplatz = { lon: 13.4132, lat: 52.5219 };
    await page.evaluate(
      ({ lon, lat }) => (window.datenpoolViewer.map as { jumpTo(o: { center: [number, number]; zoom: number }): void }).jumpTo({ center: [lon, lat], zoom: 14.5 }),
      alexanderplatz,
    );
    await page.waitForFunction(() => (window.datenpoolViewer.map as { loaded(): boolean; areTilesLoaded(): boolean }).areTilesLoaded(), null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    const zooms = requests
      .slice(before)
      .map((url) => /\/tiles\/WebMercatorQuad\/(\d+)\//.exec(url)?.[1])
      .filter((z): z is string => z !== undefined)
      .map(Number);
    t.ok(zooms.length > 0 && zooms.every((z) => z >= 13), `zoomed in: tiles of zoom ${[...new Set(zooms)].join(', ')}`);
    const rendered = await page.evaluate(() => {
      const map = window.datenpoolViewer.map as { queryRenderedFeatures(o: { layers: string[] }): Array<{ properties: { id: string; name: string }; state: { cls?: number } }> };
      return map.queryRenderedFeatures({ layers: ['units-fill'] }).map((f) => ({ id: f.properties.id, name: f.properties.name, cls: f.state.cls }));
    });
    t.ok(rendered.length > 0, `${rendered.length} rendered features are queryable`);
    const { rows: names } = await sql<{ id: string; name: string }>`SELECT id, name FROM lor_unit WHERE version = '2021' AND level = 'planungsraum'`.execute(database.db);
    const nameOf = new Map(names.map((r) => [r.id, r.name]));
    t.ok(rendered.every((f) => nameOf.get(f.id) === f.name), "each has its unit's name from the tile");
    t.ok(rendered.some((f) => typeof f.cls === 'number' && f.cls >= 0), 'and its class');
    const file = path.join(screenshots, 'map-tiles-zoomed.png');
    writeFileSync(file, await page.screenshot());
    t.comment(`screenshot of the map drawn from z${Math.max(...zooms)} vector tiles: ${file}`);
  });

  t.same(consoleErrors, [], 'no console errors');
  t.same(
    requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')),
    [],
    'no request leaves the gateway',
  );
});
