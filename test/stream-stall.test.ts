// A client that stops reading an export holds a cursor and a pool connection: after the stall time the stream is ended
// and the connection given back; a client that reads slowly but steadily is not cut off.
import { Writable } from 'node:stream';
import { sql, startedStream, streamRows } from '@datenpool/db';
import t from 'tap';
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
