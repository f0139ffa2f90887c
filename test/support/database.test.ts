// The test databases under parallel test files (.taprc `jobs`): copies of the template made at the same time, and a
// copy made while another file holds a session on the template (test/replica.test.ts dumps it), each get their own.
import { sql } from '@datenpool/db';
import pg from 'pg';
import t from 'tap';
import { copyTemplate, TEMPLATE_DB, testDatabase, urlForDatabase } from './database.ts';

t.setTimeout(600_000);

const current = async (database: Awaited<ReturnType<typeof testDatabase>>) =>
  (await sql<{ name: string; units: number }>`SELECT current_database() AS name, (SELECT count(*)::int FROM lor_unit) AS units`.execute(database.db)).rows[0];

t.test('four copies made at once: four databases, each with the template’s rows, each dropped at its end', async (t) => {
  const names: string[] = [];
  await t.test('copies', async (t) => {
    const copies = await Promise.all([0, 1, 2, 3].map(() => testDatabase(t)));
    const seen = await Promise.all(copies.map(current));
    names.push(...seen.map((s) => s?.name as string));
    t.equal(new Set(names).size, 4, `four distinct databases: ${names.join(', ')}`);
    const template = new pg.Client({ connectionString: urlForDatabase(TEMPLATE_DB) });
    // counted through a session on the template, closed before any further copy is made
    await template.connect();
    const units = (await template.query<{ n: number }>('SELECT count(*)::int AS n FROM lor_unit')).rows[0]?.n;
    await template.end();
    t.ok((units ?? 0) > 0, `the template holds ${units} LOR units`);
    t.ok(
      seen.every((s) => s?.units === units),
      'every copy holds them',
    );
  });
  const admin = new pg.Client({ connectionString: urlForDatabase('postgres') });
  await admin.connect();
  const left = (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])).rows;
  await admin.end();
  t.same(left, [], 'the four copies were dropped when their test ended');
});

t.test('a copy made while a session is connected to the template waits for it and then succeeds', async (t) => {
  const holder = new pg.Client({ connectionString: urlForDatabase(TEMPLATE_DB) });
  await holder.connect();
  // PostgreSQL itself waits 5 s for other sessions on the template before it refuses (55006): hold it longer than that
  const holdMs = 6_500;
  const started = Date.now();
  let released = 0;
  // the session is released by a timer while the copy waits
  const release = new Promise<void>((resolve) =>
    setTimeout(() => {
      released = Date.now();
      holder.end().then(resolve, resolve);
    }, holdMs),
  );
  const database = await testDatabase(t);
  await release;
  // without the retry the copy is refused (55006) 5 s after its request, while the template is still held
  t.ok(released > 0, `the copy came after the template was released (${Date.now() - started} ms after the request)`);
  const seen = await current(database);
  t.match(seen?.name, /^dp_test_[0-9a-f]{12}$/, 'a database of its own');
  t.ok((seen?.units ?? 0) > 0, 'with the template’s rows');
});

t.test('another refusal is not waited for: a missing template fails at once with PostgreSQL’s code', async (t) => {
  const started = Date.now();
  await t.rejects(copyTemplate('dp_test_never', 'dp_test_no_such_template'), { code: '3D000' }, 'the missing template is named, not retried');
  t.ok(Date.now() - started < 60_000, 'refused without waiting as for a busy template');
});
