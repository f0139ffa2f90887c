// A planner's way in Chromium: the landing page finds a unit by name and by a coordinate, opens its profile, and the
// profile shows the core indicators with values, ranks and a chart per indicator (screenshot profile-page.png).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from '@datenpool/db';
import t from 'tap';
import { loadFixture } from '../services/indicators/test/fixture.ts';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { launchChromium } from './support/browser.ts';
import { repoRoot } from './support/processes.ts';

const screenshots = path.join(repoRoot, 'test/screenshots');
t.test('landing page → search → profile in Chromium', async (t) => {
  const { app, database } = await testGateway(t);
  const fixture = await loadFixture(database);
  const target = fixture.plr[3] as { id: string; name: string };
  // the first read recomputes the indicator values from the fixture; done here so the browser's navigation is quick
  await app.inject({ url: `/v1/units/${target.id}/profile`, headers: { accept: 'application/json' } });
  const base = await serveOnLoopback(app);
  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // failed loads are checked by URL below (the browser asks for a favicon the server does not have)
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') errors.push(`${r.status()} ${r.url()}`);
  });
  mkdirSync(screenshots, { recursive: true });

  await page.goto(`${base}/`);
  t.equal(await page.getAttribute('html', 'lang'), 'de');
  t.ok(await page.locator(`a[href="${base}/api"]`).count(), 'the API links stay');

  // by name
  await page.fill('#q', target.name);
  await page.click('#search button');
  const hit = page.locator(`#results a.profile-link[href^="${base}/v1/units/${target.id}/profile"]`);
  await hit.waitFor({ timeout: 10_000 });
  t.match(await page.locator('#results').textContent(), /Planungsraum/, 'levels by their names');
  await page.screenshot({ path: path.join(screenshots, 'landing-search.png') });

  // by a coordinate inside the unit (or its finest ancestor with geometry), taken from PostGIS
  const inside = await sql<{ id: string; lat: number; lon: number }>`
    SELECT id, ST_Y(p) AS lat, ST_X(p) AS lon FROM (
      SELECT id, ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM lor_unit
      WHERE version = '2021' AND geom IS NOT NULL AND ${target.id} LIKE id || '%' AND level <> 'berlin'
      ORDER BY length(id) DESC LIMIT 1) x`.execute(database.db);
  const point = inside.rows[0];
  if (point) {
    await page.fill('#point', `${point.lat.toFixed(6).replace('.', ',')} ${point.lon.toFixed(6).replace('.', ',')}`);
    await page.click('#locate button');
    await page.locator(`#results a.profile-link[href^="${base}/v1/units/${point.id}/profile"]`).waitFor({ timeout: 10_000 });
    t.pass(`the coordinate finds ${point.id}`);
  } else t.fail('no unit with geometry around the fixture unit');

  // back to the name search and into the profile
  await page.click('#search button');
  await hit.waitFor({ timeout: 10_000 });
  await Promise.all([page.waitForURL(/\/profile/, { timeout: 120_000 }), hit.click()]);
  const h1 = await page.locator('h1').textContent();
  t.equal(h1, `Planungsraum ${target.name}`);
  const meta = await page.locator('.meta').textContent();
  t.match(meta, /LOR 2021/);
  t.match(meta, /Stichtag \d{2}\.\d{2}\.\d{4}/);
  t.notMatch(meta, /–/, 'no dash for a missing date');
  const cards = page.locator('article.card');
  const n = await cards.count();
  t.ok(n >= 5, `${n} indicators with values`);
  for (let i = 0; i < n; i++) {
    const card = cards.nth(i);
    const value = await card.locator('dd.value').textContent();
    t.match(value, /\d/, `card ${i} shows a number`);
    t.notMatch(value, /\d\.\d/, 'with a decimal comma, not a point');
    // a line where the series has two or more dates, a dot where it has one
    t.ok((await card.locator('svg.chart polyline, svg.chart circle').count()) >= 1, `card ${i} has a chart`);
    t.ok((await card.locator('.series td').count()) >= 2, `card ${i} has a series table`);
  }
  // the chart is really drawn: the unit's line has a visible size
  const box = await cards.first().locator('svg.chart').boundingBox();
  t.ok(box && box.width > 200 && box.height > 80, `chart ${JSON.stringify(box)}`);
  t.match(await cards.first().textContent(), /Rang im Bezirk/);
  await page.screenshot({ path: path.join(screenshots, 'profile-page.png'), fullPage: true });
  // print: the navigation and downloads disappear, the cards stay
  await page.emulateMedia({ media: 'print' });
  t.equal(await page.locator('.downloads').isVisible(), false, 'downloads hidden in print');
  t.ok(await cards.first().isVisible(), 'cards printed');
  await page.emulateMedia({ media: 'screen' });
  const pdf = await page.pdf({ format: 'A4' });
  t.ok(pdf.length > 10_000, 'prints to a PDF');
  t.same(errors, [], 'no console errors, no failed requests');
});
