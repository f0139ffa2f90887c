// A client that stops reading an export holds a cursor and a pool connection: after the stall time the stream is ended
// and the connection given back; a client that reads slowly but steadily is not cut off; the routes take the stall
// time from the setting EXPORT_STALL_MS.
import http from 'node:http';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, startedStream, streamRows } from '@datenpool/db';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { testDatabase } from './support/database.ts';

const database = await testDatabase(t);
const pool = database.pool!;

async function* lines(): AsyncGenerator<string> {
  const rows = streamRows(database, sql<{ n: number }>`SELECT n FROM generate_series(1, 2000000) n`, { batchSize: 500 });
  for await (const batch of rows) yield `${batch.map((r) => r.n).join('\n')}\n`;
}
const inUse = () => pool.totalCount - pool.idleCount;
const closed = (stream: NodeJS.ReadableStream) => new Promise<void>((resolve) => stream.once('close', () => resolve()));

t.test('a stalled reader is cut off and its connection given back', async (t) => {
  const before = inUse();
  const stream = await startedStream(lines(), { stallMs: 300 });
  t.equal(inUse(), before + 1, 'the export holds a connection');
  // what the server's reply does with a stream's error (it logs it and ends the response)
  let failure: Error | undefined;
  stream.on('error', (err) => (failure = err));
  // a consumer that takes one chunk and never finishes writing it: backpressure fills the stream's buffer
  stream.pipe(new Writable({ highWaterMark: 1, write: () => {} }));
  await closed(stream);
  t.ok(stream.destroyed, 'the stream was ended');
  t.match(String(failure), /read nothing for 300 ms/);
  for (let i = 0; i < 50 && inUse() > before; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(inUse(), before, 'the connection is back in the pool');
});

t.test('a slow but steady reader is not cut off', async (t) => {
  const stream = await startedStream(lines(), { stallMs: 300 });
  let taken = 0;
  const slow = new Writable({
    highWaterMark: 1,
    write: (_chunk, _enc, done) => {
      taken++;
      setTimeout(done, 100);
    },
  });
  stream.pipe(slow);
  await new Promise((r) => setTimeout(r, 1_500));
  t.notOk(stream.destroyed, 'still streaming after five stall times');
  t.ok(taken >= 5, `${taken} chunks taken`);
  stream.destroy();
  await closed(stream);
});

/** an SDMX export over a socket whose client reads the headers and then nothing: when does the server end it? */
async function stalledExport(stallMs: string | undefined): Promise<{ ended: () => boolean; inUse: () => number; close: () => void }> {
  const { app, database: db } = await testGateway(t, stallMs === undefined ? {} : { EXPORT_STALL_MS: stallMs });
  const base = await serveOnLoopback(app);
  // the server ends the answer by closing its side of the connection (a chunked body cut off); the paused client
  // cannot see that (the FIN waits behind the bytes it does not read)
  let ended = false;
  app.server.once('connection', (socket) => socket.once('close', () => (ended = true)));
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`${base}/sdmx/2.1/data/DF_VAR_EINWOHNER?format=xml&includeHistory=true`, resolve).on('error', reject);
  });
  response.pause();
  response.once('error', () => undefined);
  const held = db.pool as NonNullable<typeof db.pool>;
  return { ended: () => ended, inUse: () => held.totalCount - held.idleCount, close: () => response.destroy() };
}

t.test('EXPORT_STALL_MS: the SDMX route ends a stalled export after the configured time and gives its connection back', async (t) => {
  const short = await stalledExport('400ms');
  // well below the default: an export ended by anything but the setting fails here
  const deadline = Date.now() + 30_000;
  while (!short.ended() && Date.now() < deadline) await sleep(50);
  t.ok(short.ended(), 'the server ended the stalled answer (closed its connection)');
  for (let i = 0; i < 100 && short.inUse() > 0; i++) await sleep(50);
  t.equal(short.inUse(), 0, 'its pool connection is back');

  // the default (60 s) keeps the same stalled client's export open meanwhile: the setting, not another limit, ended it
  const long = await stalledExport(undefined);
  await sleep(2500);
  t.notOk(long.ended(), 'with the default the stalled export is still open after 2.5 s');
  t.equal(long.inUse(), 1, 'and holds its connection');
  long.close();
});
