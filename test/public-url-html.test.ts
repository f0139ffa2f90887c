// Every link of every HTML page under a PUBLIC_URL with a path (a proxy mounting the pool at /datenpool): each href and
// src of the landing page, conformance, collections, collection, items, feature, unit profile, the API documentation
// and the viewer's page starts with the public base URL; a root-relative one ("/collections") would leave the prefix.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { appRoutes } from '../services/viewer/src/routes/app.ts';
import { testGateway } from './support/app.ts';
import { testDatabase } from './support/database.ts';

const PUBLIC_URL = 'https://geoportal.berlin.example/sozialraum/datenpool';

/** every href, src and action attribute of a page (the attributes as the HTML parser reads them, quotes either kind) */
function references(page: string): string[] {
  return [...page.matchAll(/\s(?:href|src|action)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)].map((m) => (m[1] ?? m[2] ?? '').replace(/&amp;/g, '&'));
}

/** the references that do not resolve under PUBLIC_URL: root-relative, protocol-relative, relative paths, another host */
function strays(page: string): string[] {
  return references(page).filter((ref) => !(ref.startsWith(`${PUBLIC_URL}/`) || ref === PUBLIC_URL || ref.startsWith('data:') || ref.startsWith('#')));
}

// the pages a browser reaches from the landing page, with a feature of each kind and a unit profile
const pages = [
  '/?f=html',
  '/conformance?f=html',
  '/collections?f=html',
  '/collections/lor-2021-bezirk?f=html',
  '/collections/lor-2021-bezirk/items?f=html&limit=3',
  '/collections/lor-2021-bezirk/items?f=html&limit=3&offset=3',
  '/collections/lor-2021-bezirk/items/01?f=html',
  '/collections/lor-2021-planungsraum/items/01100101?f=html',
  '/collections/indicator-anteil_65_plus?f=html',
  '/v1/units/01100101/profile?version=2021&f=html',
  '/v1/units/0/profile?version=2021&f=html',
  '/api.html',
];

t.test('every href and src of every HTML page starts with PUBLIC_URL (with its path)', async (t) => {
  const { app } = await testGateway(t, { PUBLIC_URL: `${PUBLIC_URL}/`, TRUST_PROXY: 'true' });
  for (const url of pages) {
    // a proxy's headers, which PUBLIC_URL wins over
    const res = await app.inject({ url, headers: { accept: 'text/html', host: 'pool.internal', 'x-forwarded-prefix': '/other' } });
    t.equal(res.statusCode, 200, url);
    t.match(res.headers['content-type'], /^text\/html/, `${url} is a page`);
    const refs = references(res.body);
    t.ok(refs.length >= 2, `${url} has links (${refs.length})`);
    t.same(strays(res.body), [], `${url}: every link and source under PUBLIC_URL`);
  }
  const landing = await app.inject({ url: '/?f=html', headers: { accept: 'text/html' } });
  t.ok(references(landing.body).includes(`${PUBLIC_URL}/`), 'the header links the landing page under the prefix');
  t.ok(references(landing.body).includes(`${PUBLIC_URL}/collections?f=html`) || references(landing.body).includes(`${PUBLIC_URL}/collections`), 'the collections link');
  const items = await app.inject({ url: '/collections/lor-2021-bezirk/items?f=html&limit=3', headers: { accept: 'text/html' } });
  t.ok(references(items.body).includes(`${PUBLIC_URL}/collections/lor-2021-bezirk/items/01?f=html`), 'a feature of the map and the table under the prefix');
  const docs = await app.inject({ url: '/api.html' });
  t.match(docs.body, `url: ${JSON.stringify(`${PUBLIC_URL}/api`)}`, 'Swagger UI reads the OpenAPI document under the prefix');
});

t.test('the viewer page: its links and its assets start with PUBLIC_URL', async (t) => {
  // the page as Vite builds it (base /viewer/: the module script and stylesheet root-relative) from web/index.html
  const build = mkdtempSync(path.join(tmpdir(), 'viewer-public-url-'));
  t.teardown(() => rmSync(build, { recursive: true, force: true }));
  mkdirSync(path.join(build, 'assets'));
  const source = readFileSync(new URL('../services/viewer/web/index.html', import.meta.url), 'utf8');
  const built = source.replace(
    '<script type="module" src="./src/main.ts"></script>',
    '<script type="module" crossorigin src="/viewer/assets/index-1a2b.js"></script>\n<link rel="stylesheet" crossorigin href="/viewer/assets/index-3c4d.css">',
  );
  t.not(built, source, 'the fixture page has the built asset references');
  writeFileSync(path.join(build, 'index.html'), built);
  writeFileSync(path.join(build, 'assets/index-1a2b.js'), 'console.log(1)');
  const database = await testDatabase(t);
  const app = await createApp({ title: 'viewer public URL test', config: serviceConfigFromEnv({ LOG_LEVEL: 'silent', PUBLIC_URL }), database });
  await app.register(async (scoped) => appRoutes(scoped as typeof app, build));
  await app.ready();
  t.teardown(() => app.close());
  for (const url of ['/viewer', '/viewer/']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, url);
    t.ok(references(res.body).length >= 3, `${url} has its links and assets`);
    t.same(strays(res.body), [], `${url}: every link and asset under PUBLIC_URL`);
    t.ok(references(res.body).includes(`${PUBLIC_URL}/viewer/assets/index-1a2b.js`), 'the module script under the prefix');
    t.ok(references(res.body).includes(`${PUBLIC_URL}/`), 'the title links the landing page under the prefix');
  }
});
