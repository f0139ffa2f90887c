// A client that drops the connection mid-upload: the batch fails, nothing of it is stored, the server goes on.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { addKey, addVariable, baseFixtures, lor2021Units } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_abort', agency: 'afs', referenceDate: 'any' });
const key = await addKey(db, 'afs', ['ingest:write']);
const plr = lor2021Units().find((u) => u.level === 'planungsraum')!.id;
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as AddressInfo).port;
const batch = () => db.selectFrom('ingest_batch').selectAll().where('variable_id', '=', 't_abort').executeTakeFirst();

t.test('an upload aborted by the client leaves a failed batch and no observations', async (t) => {
  const req = request({ port, host: '127.0.0.1', path: '/v1/variables/t_abort/observations', method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
  req.on('error', () => {});
  req.write('unit,date,value\n');
  let day = 0;
  for (let round = 0; round < 200 && !((await batch())?.rows_total ?? 0); round++) {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++, day++) lines.push(`${plr},${new Date(Date.UTC(1900, 0, 1) + day * 86_400_000).toISOString().slice(0, 10)},${i}`);
    if (!req.write(`${lines.join('\n')}\n`)) await new Promise((r) => req.once('drain', r));
  }
  t.equal((await batch())?.status, 'running', 'the batch was running when the client left');
  req.destroy();
  let status = 'running';
  for (let i = 0; i < 100 && status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await batch())!.status;
  }
  t.equal(status, 'failed');
  const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE variable_id = 't_abort'`.execute(db);
  t.equal(rows.rows[0]!.n, 0);
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  t.equal(health.status, 200, 'the server still answers');
});
