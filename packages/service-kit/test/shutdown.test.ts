// SIGTERM during a slow request: the request completes, then the process exits 0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';

const database = await testDatabase(t);
const fixture = fileURLToPath(new URL('./fixtures/slow-server.ts', import.meta.url));

t.test('in-flight request finishes and the process exits 0', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const pending = fetch(`http://127.0.0.1:${port}/slow?ms=1500`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGTERM');
  const res = await pending;
  t.equal(res.status, 200, 'the slow request completes');
  t.same(await res.json(), { done: true });
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'exit code 0');
  await t.rejects(fetch(`http://127.0.0.1:${port}/slow?ms=1`), 'no longer accepting');
});
