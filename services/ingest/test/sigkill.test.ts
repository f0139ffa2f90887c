// The ingest process killed (SIGKILL) in the middle of a large streaming batch leaves nothing of it visible.
import { request } from 'node:http';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { startService } from '../../../test/support/processes.ts';
import { addKey, addVariable, baseFixtures, lor2021Units } from './fixtures.ts';

const database = await testDatabase(t);
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_kill', agency: 'afs', referenceDate: 'any' });
const key = await addKey(db, 'afs', ['ingest:write']);
const plrs = lor2021Units().filter((u) => u.level === 'planungsraum').map((u) => u.id);

const batchOf = async () => db.selectFrom('ingest_batch').selectAll().where('variable_id', '=', 't_kill').executeTakeFirst();

t.test('SIGKILL mid-upload: after restart the batch is failed and none of its rows exist', async (t) => {
  const first = await startService('ingest', { DATABASE_URL: database.url });
  const req = request(`${first.url}/v1/variables/t_kill/observations?lorVersion=2021`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => {}); // the server dies under it
  req.write('unit,date,value\n');
  let day = 0;
  let progressSeen = false;
  // keeps streaming distinct rows until the batch shows progress, then kills the server mid-stream
  for (let round = 0; round < 400 && !progressSeen; round++) {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++, day++) {
      const date = new Date(Date.UTC(2000, 0, 1) + (day % 9000) * 86_400_000).toISOString().slice(0, 10);
      lines.push(`${plrs[Math.floor(day / 9000) % plrs.length]},${date},${day}`);
    }
    if (!req.write(`${lines.join('\n')}\n`)) await new Promise((r) => req.once('drain', r));
    const batch = await batchOf();
    progressSeen = !!batch && batch.rows_total > 0;
  }
  t.ok(progressSeen, 'the running batch showed progress before the kill');
  t.equal((await batchOf())?.status, 'running');
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  req.destroy();

  const second = await startService('ingest', { DATABASE_URL: database.url });
  t.teardown(() => second.stop());
  // the start answers /health before its clean-up has run: wait (bounded) for the clean-up's one transaction
  const deadline = Date.now() + 60_000;
  while ((await batchOf())?.status === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const batch = (await batchOf())!;
  t.equal(batch.status, 'failed', 'a batch left running by a dead process is marked failed at start');
  const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE batch_id = ${batch.id}`.execute(db);
  t.equal(rows.rows[0]!.n, 0, 'no observation of the batch is visible');
  const staged = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ingest_staging WHERE batch_id = ${batch.id}`.execute(db);
  t.equal(staged.rows[0]!.n, 0, 'its staged rows are gone');
  const health = await fetch(`${second.url}/v1/variables/t_kill/observations`);
  t.equal((await health.json()).numberReturned, 0);
});
