// The viewer's routes: the built page and assets, and a 503 problem naming the build step where there is no build.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { appRoutes } from '../src/routes/app.ts';

async function appServing(t: Parameters<typeof testDatabase>[0], directory: string) {
  const database = await testDatabase(t);
  const app = await createApp({ title: 'viewer test', config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database });
  await app.register(async (scoped) => appRoutes(scoped as typeof app, directory));
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

t.test('without a build, /viewer/ is a 503 problem that names the build command', async (t) => {
  const empty = mkdtempSync(path.join(tmpdir(), 'viewer-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const app = await appServing(t, empty);
  for (const url of ['/viewer', '/viewer/', '/viewer/assets/index.js']) {
    const response = await app.inject({ url });
    t.equal(response.statusCode, 503, url);
    t.match(response.headers['content-type'], /application\/problem\+json/);
    t.match(response.json().detail, /pnpm --filter @datenpool\/viewer build/);
  }
});

t.test('with a build, the page is served at /viewer and /viewer/ and its assets under /viewer/assets/', async (t) => {
  const build = mkdtempSync(path.join(tmpdir(), 'viewer-build-'));
  t.teardown(() => rmSync(build, { recursive: true, force: true }));
  mkdirSync(path.join(build, 'assets'));
  writeFileSync(path.join(build, 'index.html'), '<!doctype html><title>viewer</title><script type="module" src="/viewer/assets/app-1a2b.js"></script>');
  writeFileSync(path.join(build, 'assets/app-1a2b.js'), 'console.log(1)');
  writeFileSync(path.join(build, 'assets/worker-3c4d.mjs'), 'self.onmessage = () => {}');
  const app = await appServing(t, build);
  for (const url of ['/viewer', '/viewer/']) {
    const page = await app.inject({ url });
    t.equal(page.statusCode, 200, url);
    t.match(page.headers['content-type'], /text\/html/);
    t.equal(page.headers['cache-control'], 'no-cache', 'the page is revalidated');
    t.match(page.body, /app-1a2b\.js/);
  }
  const script = await app.inject({ url: '/viewer/assets/app-1a2b.js' });
  t.equal(script.statusCode, 200);
  t.match(script.headers['content-type'], /javascript/);
  t.match(script.headers['cache-control'], /immutable/, 'hashed assets are cached for good');
  const worker = await app.inject({ url: '/viewer/assets/worker-3c4d.mjs' });
  t.match(worker.headers['content-type'], /javascript/, 'module workers need a JavaScript type');
  t.equal((await app.inject({ url: '/viewer/assets/missing.js' })).statusCode, 404);
});

t.test('the real build, where present, links only assets that exist', { skip: !existsSync(path.join(import.meta.dirname, '../dist/index.html')) && 'not built' }, async (t) => {
  const dist = path.join(import.meta.dirname, '../dist');
  const app = await appServing(t, dist);
  const page = await app.inject({ url: '/viewer/' });
  // the page's links start with the public base URL (here the request's, http://localhost:80)
  const linked = [...page.body.matchAll(/(?:src|href)="http:\/\/localhost(?::80)?\/viewer\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  t.ok(linked.length >= 2, 'a script and a stylesheet');
  const files = readdirSync(path.join(dist, 'assets'));
  for (const asset of linked) {
    t.ok(files.includes(asset.replace('assets/', '')), `${asset} exists`);
    t.equal((await app.inject({ url: `/viewer/${asset}` })).statusCode, 200);
  }
});
