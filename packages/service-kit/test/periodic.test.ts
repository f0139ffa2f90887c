// runPeriodically: the timer starts with the app (onReady) or once it listens (onListen), a tick while the last run
// still runs is skipped, a run that throws is logged and the next one runs, and nothing runs after close.
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { createApp, runPeriodically, serviceConfigFromEnv } from '../src/index.ts';

const database = await testDatabase(t);

async function appWithLog() {
  const lines: Array<{ msg?: string; level?: number }> = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const app = await createApp({ title: 'periodic test', config: serviceConfigFromEnv({ LOG_LEVEL: 'info' }), database, logStream });
  return { app, lines };
}

/** waits (up to 10 s, the machine may be busy) until `done` holds */
async function until(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 1000 && !done(); i++) await sleep(10);
  return done();
}

t.test('onReady with a run at start: a tick while the run still runs is skipped; a throw is logged; close stops it', async (t) => {
  const { app, lines } = await appWithLog();
  let calls = 0;
  let open: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let fail = false;
  runPeriodically(app, { everyMs: 5, startOn: 'ready', runAtStart: true, failed: 'the test task failed' }, async () => {
    calls++;
    if (fail) throw new Error('boom');
    await gate;
  });
  t.equal(calls, 0, 'nothing runs before the app is ready');
  await app.ready();
  t.equal(calls, 1, 'the first run starts with the app');
  await sleep(100);
  t.equal(calls, 1, 'the ticks of 100 ms (20 intervals) while the first run waits are skipped');
  fail = true;
  open();
  t.ok(await until(() => lines.some((l) => l.msg === 'the test task failed')), 'a run that throws is logged with the given message');
  t.equal(lines.find((l) => l.msg === 'the test task failed')?.level, 50, 'as an error');
  fail = false;
  gate = Promise.resolve();
  const afterFailure = calls;
  t.ok(await until(() => calls > afterFailure + 2), 'the ticks after a failed run run again');
  await app.close();
  const atClose = calls;
  await sleep(60);
  t.equal(calls, atClose, 'no run after close');
});

t.test('onListen: an app that is only ready (inject) does not run it; a listening one does, first after one interval', async (t) => {
  const { app } = await appWithLog();
  let calls = 0;
  runPeriodically(app, { everyMs: 20, startOn: 'listen', failed: 'the test task failed' }, async () => {
    calls++;
  });
  await app.ready();
  await sleep(80);
  t.equal(calls, 0, 'not while the app is only ready');
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.equal(calls, 0, 'no run at start unless asked for');
  t.ok(await until(() => calls >= 2), 'runs every interval while listening');
  await app.close();
  const atClose = calls;
  await sleep(60);
  t.equal(calls, atClose, 'no run after close');
});
