// Services as child processes: a start that fails ends the wait at once naming the exit, and leaves no process behind.
import t from 'tap';
import { startService } from './processes.ts';

t.setTimeout(600_000);

t.test('a service whose start fails: startService rejects naming the exit, long before its health bound', async (t) => {
  const started = Date.now();
  // a bad setting stops the start naming the variable (packages/service-kit/src/config.ts)
  const error = await startService('metadata', { LOG_LEVEL: 'loudest' }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  t.ok(error instanceof Error, 'rejected');
  t.match(error?.message, /the process exited \(1\) before it became healthy/, String(error?.message));
  t.ok(Date.now() - started < 290_000, 'not after waiting out the 300 s health bound');
});
