// The site icon in headless Chromium: the landing page, a unit's profile and the API page load without a console
// error or a failed request (the browser's own /favicon.ico request was a 404 on every page load).
import type { Browser, Page } from 'playwright-core';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { launchChromium } from './support/browser.ts';

const { app } = await testGateway(t);
const base = await serveOnLoopback(app);
const browser: Browser = await launchChromium(t);

interface Visit {
  consoleErrors: string[];
  failed: string[];
  requested: string[];
}

/** loads a page and waits for the network to settle; what the console said and which requests failed */
async function visit(page: Page, url: string): Promise<Visit> {
  const seen: Visit = { consoleErrors: [], failed: [], requested: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') seen.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => seen.consoleErrors.push(e.message));
  page.on('request', (r) => seen.requested.push(r.url()));
  page.on('requestfailed', (r) => seen.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) seen.failed.push(`${r.url()}: ${r.status()}`);
  });
  const response = await page.goto(url, { waitUntil: 'networkidle' });
  t.equal(response?.status(), 200, `${url} answers 200`);
  return seen;
}

/** the size of the image at src as the browser decodes it (a decoding failure rejects) */
async function decoded(page: Page, src: string): Promise<{ width: number; height: number }> {
  return page.evaluate(async (source) => {
    const image = new Image();
    image.src = source;
    await image.decode();
    return { width: image.naturalWidth, height: image.naturalHeight };
  }, src);
}

const profileUrl = `${base}/v1/units/01100101/profile?version=2021`;
for (const [name, url] of [
  ['the landing page', `${base}/`],
  ['a unit profile', profileUrl],
] as const) {
  t.test(`${name} declares an icon that decodes, and loads without a console error or a failed request`, async (t) => {
    const page = await browser.newPage();
    t.teardown(() => page.close());
    const seen = await visit(page, url);
    t.same(seen.consoleErrors, [], 'no console error');
    t.same(seen.failed, [], 'no failed request');
    t.notOk(seen.requested.some((r) => r.endsWith('/favicon.ico') || r.endsWith('/favicon.svg')), 'the icon costs no request');
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    t.ok(href?.startsWith('data:image/svg+xml,'), 'an inline SVG icon');
    const size = await decoded(page, href!);
    t.ok(size.width > 0 && size.height > 0, `the icon decodes (${size.width}×${size.height})`);
  });
}

t.test('/favicon.ico is an icon the browser decodes, for pages without an icon of their own (the API page)', async (t) => {
  const res = await app.inject({ url: '/favicon.ico' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^image\/x-icon/);
  t.same([...res.rawPayload.subarray(0, 4)], [0, 0, 1, 0], 'an ICO header');
  const page = await browser.newPage();
  t.teardown(() => page.close());
  const seen = await visit(page, `${base}/api.html`);
  t.same(seen.failed, [], 'no failed request on the API page');
  t.same(await decoded(page, `${base}/favicon.ico`), { width: 32, height: 32 }, 'the browser decodes it at 32×32');
  t.same(seen.consoleErrors, [], 'no console error');
});
