// Harvest safety: forbidden address classes refused before any connection, pinned addresses, checked redirects,
// size and time limits, credentials from a named secret setting that never reach an answer or a log line.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { metadataService } from '../../metadata/src/plugin.ts';
import { ingestConfigFromEnv } from '../src/config.ts';
import { embeddedIPv4, forbiddenAddressReason, parseAllowList } from '../src/pipeline/harvest-address.ts';
import { HarvestFailed, openHarvest, type Resolver } from '../src/pipeline/harvest-request.ts';
import { ingestService } from '../src/plugin.ts';
import { addKey, addVariable, auth, baseFixtures, lor2021Units } from './fixtures.ts';

const plrs = lor2021Units().filter((u) => u.level === 'planungsraum').map((u) => u.id);
const csv = `PLR_ID;Stichtag;EW\n${plrs[0]};2023-12-31;10\n${plrs[1]};2023-12-31;20\n`;
const SECRET = 'geheim-7f3a9c-nicht-ausgeben';

/** every request a test server saw: path and headers */
interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

async function serve(handler: (path: string, res: import('node:http').ServerResponse, seen: Seen[]) => void): Promise<{ server: Server; base: string; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, headers: req.headers });
    handler(path, res, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  return { server, base: `http://127.0.0.1:${port}`, port, seen };
}

const other = await serve((path, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(path === '/echo' ? 'ok' : csv));
const main = await serve((path, res) => {
  if (path === '/ok.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end(csv);
  if (path === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
  if (path === '/to-loopback6') return res.writeHead(301, { location: `http://[::1]:${main.port}/ok.csv` }).end();
  if (path === '/to-private') return res.writeHead(307, { location: 'http://10.0.0.1/x.csv' }).end();
  if (path === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
  if (path === '/to-ok') return res.writeHead(302, { location: '/ok.csv' }).end();
  if (path === '/to-other') return res.writeHead(302, { location: `${other.base}/echo` }).end();
  if (path.startsWith('/loop')) return res.writeHead(302, { location: `/loop${path.length}` }).end();
  if (path === '/big-announced') return res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '5000' }).end('x'.repeat(5000));
  if (path === '/big-chunked') {
    res.writeHead(200, { 'content-type': 'text/csv' });
    for (let i = 0; i < 10; i++) res.write('y'.repeat(500));
    return res.end();
  }
  if (path === '/stall-head') return; // never answers
  if (path === '/stall-body') {
    res.writeHead(200, { 'content-type': 'text/csv' });
    return res.write('PLR_ID;Stichtag;EW\n'); // and never ends
  }
  res.writeHead(404).end();
});

const settings = (allow: string, extra: Partial<ReturnType<typeof ingestConfigFromEnv>> = {}) => ({
  ...ingestConfigFromEnv({ HARVEST_ALLOW_HOSTS: allow }),
  ...extra,
});
const open = (url: string, allow = '', options: { resolve?: Resolver; extra?: Partial<ReturnType<typeof ingestConfigFromEnv>>; auth?: { header: string; secret: string } } = {}) =>
  openHarvest(url, { accept: 'text/csv', auth: options.auth ?? null, settings: settings(allow, options.extra), ...(options.resolve ? { resolve: options.resolve } : {}) });
const text = async (body: AsyncIterable<Buffer>) => {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
};

t.test('every forbidden address class is refused before a connection, naming the class', async (t) => {
  const port = main.port;
  const cases: Array<[string, RegExp]> = [
    [`http://127.0.0.1:${port}/ok.csv`, /loopback/],
    [`http://127.1.2.3:${port}/ok.csv`, /loopback/],
    [`http://[::1]:${port}/ok.csv`, /loopback/],
    ['http://10.1.2.3/x.csv', /private/],
    ['http://172.16.0.1/x.csv', /private/],
    ['http://172.31.255.254/x.csv', /private/],
    ['http://192.168.178.1/x.csv', /private/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://[fe80::1]/x.csv', /link-local/],
    ['http://[fd00::1]/x.csv', /unique local/],
    [`http://[::ffff:127.0.0.1]:${port}/ok.csv`, /loopback, as an IPv4 address inside IPv6/],
    ['http://[::ffff:169.254.169.254]/', /link-local.*, as an IPv4 address inside IPv6/],
    ['http://[64:ff9b::a00:1]/', /private.*, as an IPv4 address inside IPv6/],
    [`http://0.0.0.0:${port}/ok.csv`, /unspecified/],
    ['http://[::]/x.csv', /unspecified/],
    ['http://224.0.0.1/x.csv', /multicast/],
    ['http://[ff02::1]/x.csv', /multicast/],
    ['http://100.64.0.1/x.csv', /CGNAT/],
    ['http://255.255.255.255/x.csv', /broadcast/],
    [`http://localhost:${port}/ok.csv`, /the host localhost resolves to .*loopback/],
  ];
  const before = main.seen.length;
  for (const [url, reason] of cases) {
    const started = Date.now();
    const err = await open(url).then(() => undefined, (e: unknown) => e);
    t.ok(err instanceof HarvestFailed, `${url} refused`);
    t.match((err as Error).message, reason, `${url}: ${(err as Error).message}`);
    t.match((err as Error).message, /HARVEST_ALLOW_HOSTS/, 'says how to allow it');
    t.ok(Date.now() - started < 2000, 'refused at once, not after a connection attempt');
  }
  t.equal(main.seen.length, before, 'the local server saw none of them');
});

t.test('the address rules themselves: public addresses pass, embedded IPv4 is unwrapped', async (t) => {
  for (const ok of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1']) {
    t.equal(forbiddenAddressReason(ok), undefined, `${ok} is public`);
  }
  t.equal(embeddedIPv4('::ffff:7f00:1'), '127.0.0.1', 'mapped form in hex');
  t.equal(embeddedIPv4('2002:a9fe:a9fe::1'), '169.254.169.254', '6to4 carries an IPv4 address');
  t.match(forbiddenAddressReason('2002:a9fe:a9fe::1'), /link-local/);
  t.equal(forbiddenAddressReason('fe80::1%eth0'), 'link-local', 'a zone id does not hide the class');
  t.throws(() => parseAllowList('10.0.0.0/33'), /prefix/);
  t.throws(() => parseAllowList('not a host!'), /neither a host name/);
  t.throws(() => ingestConfigFromEnv({ HARVEST_ALLOW_HOSTS: '127.0.0.1/99' }), /HARVEST_ALLOW_HOSTS/, 'a bad setting stops the start naming it');
  t.throws(() => ingestConfigFromEnv({ INGEST_HARVEST_MAX_BYTES: '-1' }), /INGEST_HARVEST_MAX_BYTES/);
  t.throws(() => ingestConfigFromEnv({ HARVEST_SECRET_x: 'v' }), /HARVEST_SECRET_x/, 'a secret setting with a bad name stops the start');
});

t.test('the allow-list opens exactly what it names', async (t) => {
  t.equal(await text((await open(`${main.base}/ok.csv`, '127.0.0.1/32')).body), csv, 'a CIDR');
  t.equal(await text((await open(`${main.base}/ok.csv`, '127.0.0.0/8')).body), csv, 'a wider CIDR');
  await t.rejects(open(`${main.base}/ok.csv`, '10.0.0.0/8'), /loopback/, 'another network does not');
  await t.rejects(open(`${main.base}/ok.csv`, 'example.org'), /loopback/, 'another host name does not');
  const named: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  t.equal(await text((await open(`http://harvest.example.test:${main.port}/ok.csv`, 'harvest.example.test', { resolve: named })).body), csv, 'a host name');
});

t.test('the connection goes to the checked address: no second DNS answer in between', async (t) => {
  let calls = 0;
  // the first answer is the checked one; a rebinding resolver would answer differently the second time
  const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
  const before = main.seen.length;
  const res = await open(`http://data.example.test:${main.port}/ok.csv`, '127.0.0.1/32', { resolve: rebinding });
  t.equal(await text(res.body), csv, 'reached the server at the checked address (data.example.test exists in no DNS)');
  t.equal(calls, 1, 'resolved once');
  t.equal(main.seen[before]?.headers.host, `data.example.test:${main.port}`, 'the request names the host it was given');
  const mixed: Resolver = async () => [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ];
  await t.rejects(open('http://mixed.example.test/ok.csv', '', { resolve: mixed }), /resolves to 127\.0\.0\.1.*loopback/, 'one forbidden address among several is enough');
  const none: Resolver = async () => {
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  await t.rejects(open('http://nowhere.example.test/x.csv', '', { resolve: none }), /cannot be resolved \(ENOTFOUND\)/);
});

t.test('redirects are followed by hand and every target is checked again', async (t) => {
  const allow = '127.0.0.1/32';
  await t.rejects(open(`${main.base}/to-metadata`, allow), /169\.254\.169\.254 is link-local/, 'to the cloud metadata endpoint');
  await t.rejects(open(`${main.base}/to-loopback6`, allow), /::1 is loopback/, 'to IPv6 loopback');
  await t.rejects(open(`${main.base}/to-private`, allow), /10\.0\.0\.1 is private/, 'to a private address');
  await t.rejects(open(`${main.base}/to-file`, allow), /file: URLs are not harvested/, 'to another scheme');
  await t.rejects(open(`${main.base}/loop`, allow), /redirects more than 5 times/, 'at most 5 redirects');
  const res = await open(`${main.base}/to-ok`, allow);
  t.equal(await text(res.body), csv, 'an allowed target is followed');
  t.equal(res.url, `${main.base}/ok.csv`, 'and the answering URL is known (for relative next links)');
});

t.test('size and time are limited', async (t) => {
  const small = { harvestMaxBytes: 1000 };
  await t.rejects(open(`${main.base}/big-announced`, '127.0.0.1/32', { extra: small }), /announces 5000 bytes, more than the limit of 1000/);
  const chunked = await open(`${main.base}/big-chunked`, '127.0.0.1/32', { extra: small });
  await t.rejects(text(chunked.body), /more than the limit of 1000 bytes/, 'counted while streaming when no length is announced');
  const quick = { harvestTimeoutMs: 300 };
  let started = Date.now();
  await t.rejects(open(`${main.base}/stall-head`, '127.0.0.1/32', { extra: quick }), /took longer than 300 ms/, 'a server that never answers');
  t.ok(Date.now() - started < 3000);
  started = Date.now();
  const stalled = await open(`${main.base}/stall-body`, '127.0.0.1/32', { extra: quick });
  await t.rejects(text(stalled.body), /took longer than 300 ms/, 'a body that never ends');
  t.ok(Date.now() - started < 3000);
});

t.test('credentials: a header from the named secret setting, only to the source’s origin', async (t) => {
  const extra = { harvestSecrets: { HARVEST_SECRET_TEST: SECRET } };
  const authRef = { header: 'X-Api-Key', secret: 'HARVEST_SECRET_TEST' };
  const before = main.seen.length;
  await text((await open(`${main.base}/ok.csv`, '127.0.0.1/32', { extra, auth: authRef })).body);
  t.equal(main.seen[before]?.headers['x-api-key'], SECRET, 'sent as the named header');
  const otherBefore = other.seen.length;
  await text((await open(`${main.base}/to-other`, '127.0.0.1/32', { extra, auth: authRef })).body);
  t.equal(other.seen.length, otherBefore + 1, 'the redirect was followed');
  t.equal(other.seen[otherBefore]?.headers['x-api-key'], undefined, 'but the credential stays with the source’s origin');
  const missing = await open(`${main.base}/ok.csv`, '127.0.0.1/32', { auth: { header: 'Authorization', secret: 'HARVEST_SECRET_FEHLT' } }).catch((e: Error) => e);
  t.match((missing as Error).message, /HARVEST_SECRET_FEHLT.*not set/, 'a missing setting is named');
});

t.test('through the API: stored by reference, never echoed, never logged', async (t) => {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const saved = { allow: process.env.HARVEST_ALLOW_HOSTS, secret: process.env.HARVEST_SECRET_SENSTADT };
  process.env.HARVEST_ALLOW_HOSTS = '127.0.0.1/32';
  process.env.HARVEST_SECRET_SENSTADT = SECRET;
  const database = await testDatabase(t);
  const app = await createApp({ title: 'test', config: serviceConfigFromEnv({ LOG_LEVEL: 'trace' }), database, logStream });
  await app.register(async (scoped) => metadataService.routes(scoped as never));
  await app.register(async (scoped) => ingestService.routes(scoped as never));
  await app.ready();
  t.teardown(() => app.close());
  process.env.HARVEST_ALLOW_HOSTS = saved.allow ?? '';
  if (saved.allow === undefined) delete process.env.HARVEST_ALLOW_HOSTS;
  if (saved.secret === undefined) delete process.env.HARVEST_SECRET_SENSTADT;

  const db = database.db;
  await baseFixtures(db);
  await addVariable(db, { id: 't_safe', agency: 'afs' });
  const writer = await addKey(db, 'afs', ['metadata:write', 'ingest:write']);
  const body = { id: 'safe-src', agencyId: 'afs', variableId: 't_safe', lorVersion: '2021', kind: 'csv', mapping: { unit: 'PLR_ID', date: 'Stichtag', value: 'EW' } };

  const userinfo = await app.inject({ method: 'POST', url: '/v1/sources', headers: auth(writer), payload: { ...body, url: `http://user:${SECRET}@127.0.0.1:${main.port}/ok.csv` } });
  t.equal(userinfo.statusCode, 400, 'a URL with userinfo is refused');
  t.match(userinfo.headers['content-type'], /problem\+json/);
  t.equal(userinfo.json().invalidParams[0].pointer, '/body/url', 'naming the field');
  t.notOk(userinfo.body.includes(SECRET), 'and not echoed');
  const token = await app.inject({ method: 'POST', url: '/v1/sources', headers: auth(writer), payload: { ...body, url: `${main.base}/ok.csv?token=${SECRET}` } });
  t.equal(token.statusCode, 400, 'a token in the query is refused too');
  t.notOk(token.body.includes(SECRET));
  const badSecret = await app.inject({ method: 'POST', url: '/v1/sources', headers: auth(writer), payload: { ...body, url: `${main.base}/ok.csv`, auth: { header: 'Authorization', secret: 'DATABASE_URL' } } });
  t.equal(badSecret.statusCode, 400, 'only HARVEST_SECRET_* settings can be named (never DATABASE_URL)');
  t.equal(badSecret.json().invalidParams[0].pointer, '/body/auth/secret');
  const hostHeader = await app.inject({ method: 'POST', url: '/v1/sources', headers: auth(writer), payload: { ...body, url: `${main.base}/ok.csv`, auth: { header: 'Host', secret: 'HARVEST_SECRET_SENSTADT' } } });
  t.equal(hostHeader.statusCode, 400, 'a header the harvest sets itself cannot carry the credential');

  const created = await app.inject({
    method: 'POST',
    url: '/v1/sources',
    headers: auth(writer),
    payload: { ...body, url: `${main.base}/ok.csv`, auth: { header: 'Authorization', secret: 'HARVEST_SECRET_SENSTADT' } },
  });
  t.equal(created.statusCode, 201, created.body);
  t.same(created.json().auth, { header: 'Authorization', secret: 'HARVEST_SECRET_SENSTADT' }, 'the reference is shown, not the value');
  const stored = JSON.stringify(await db.selectFrom('referenced_source').selectAll().where('id', '=', 'safe-src').executeTakeFirstOrThrow());
  t.notOk(stored.includes(SECRET), 'the source record holds no secret');

  const before = main.seen.length;
  const harvest = await app.inject({ method: 'POST', url: '/v1/sources/safe-src/harvest', headers: auth(writer) });
  t.equal(harvest.statusCode, 201, harvest.body);
  t.equal(main.seen[before]?.headers.authorization, SECRET, 'the source received its credential');
  const failing = await app.inject({ method: 'PATCH', url: '/v1/sources/safe-src', headers: auth(writer), payload: { url: `${main.base}/to-metadata` } });
  t.equal(failing.statusCode, 200);
  const refused = await app.inject({ method: 'POST', url: '/v1/sources/safe-src/harvest', headers: auth(writer) });
  t.equal(refused.statusCode, 502, 'a redirect to the metadata endpoint fails the harvest');
  t.match(refused.headers['content-type'], /problem\+json/);
  t.match(refused.json().detail, /169\.254\.169\.254 is link-local/);

  const answers = [
    created.body,
    harvest.body,
    refused.body,
    (await app.inject({ url: '/v1/sources/safe-src', headers: auth(writer) })).body,
    (await app.inject({ url: '/v1/sources' })).body,
    (await app.inject({ url: `/v1/batches/${harvest.json().id}`, headers: auth(writer) })).body,
  ];
  for (const [i, answer] of answers.entries()) t.notOk(answer.includes(SECRET), `answer ${i} holds no secret`);
  const batches = JSON.stringify(await db.selectFrom('ingest_batch').selectAll().where('source_id', '=', 'safe-src').execute());
  t.notOk(batches.includes(SECRET), 'nor do the batch records');
  t.ok(lines.length > 5, `the log was captured (${lines.length} lines at trace level)`);
  t.notOk(lines.join('').includes(SECRET), 'no log line holds the secret');
  t.ok(lines.some((l) => l.includes('/v1/sources/safe-src/harvest')), 'the harvest requests are in the log');
});
