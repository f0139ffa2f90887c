// The indicator layers keep their public definitions per catalog fingerprint (services/indicators/src/layers.ts): a
// change of the catalog, written with or without updated_at, reaches the next look-up of the same app.
import t from 'tap';
import { sql } from '@datenpool/db';
import { testGateway } from '../../../test/support/app.ts';
import { variablesOf } from '../src/plan.ts';
import { loadDefinitions } from '../src/queries/catalog.ts';
import { loadFixture } from './fixture.ts';

const { app, database } = await testGateway(t);
await loadFixture(database);
const db = database.db;
const LAYER = 'indicator-tx_volumen';

async function listed(): Promise<string[]> {
  const res = await app.inject({ url: '/collections?f=json' });
  t.equal(res.statusCode, 200);
  return res.json().collections.map((c: { id: string }) => c.id);
}

const status = async (url: string) => (await app.inject({ url })).statusCode;

t.test('a variable made restricted hides the layers over it at once; made public again, they are back', async (t) => {
  const { definitions } = await loadDefinitions(db);
  const variable = [...variablesOf(definitions, 'tx_volumen')][0];
  t.ok(variable, 'tx_volumen reads a variable');
  // the definitions are kept now: every look-up below after a write is answered from the catalog as written
  t.equal(await status(`/collections/${LAYER}?f=json`), 200);
  t.equal(await status(`/collections/${LAYER}/tiles`), 200);
  // an update that leaves updated_at as it was
  await db.updateTable('variable').set({ access: 'restricted' }).where('id', '=', variable!).execute();
  t.equal(await status(`/collections/${LAYER}?f=json`), 404, 'the item look-up no longer finds it');
  t.equal(await status(`/collections/${LAYER}/tiles`), 404, 'nor the tiles');
  t.notOk((await listed()).includes(LAYER), 'nor the listing');
  await db.updateTable('variable').set({ access: 'public' }).where('id', '=', variable!).execute();
  t.equal(await status(`/collections/${LAYER}?f=json`), 200);
  t.ok((await listed()).includes(LAYER));
});

t.test('a retired indicator leaves, a new one arrives, a deleted one leaves', async (t) => {
  t.equal(await status(`/collections/${LAYER}/tiles`), 200);
  const { status: was } = await db.selectFrom('indicator').select('status').where('id', '=', 'tx_volumen').executeTakeFirstOrThrow();
  t.not(was, 'retired');
  await db.updateTable('indicator').set({ status: 'retired' }).where('id', '=', 'tx_volumen').execute();
  t.equal(await status(`/collections/${LAYER}/tiles`), 404);
  await db.updateTable('indicator').set({ status: was }).where('id', '=', 'tx_volumen').execute();
  t.equal(await status(`/collections/${LAYER}/tiles`), 200);
  // a copy of the indicator under a new id (the same formula): a new layer
  await sql`INSERT INTO indicator SELECT (jsonb_populate_record(NULL::indicator, to_jsonb(i) || '{"id": "tx_volumen_copy"}')).*
    FROM indicator i WHERE id = 'tx_volumen'`.execute(db);
  t.equal(await status('/collections/indicator-tx_volumen_copy/tiles'), 200, 'an inserted indicator is found');
  await sql`DELETE FROM indicator WHERE id = 'tx_volumen_copy'`.execute(db);
  t.equal(await status('/collections/indicator-tx_volumen_copy/tiles'), 404, 'a deleted one is gone');
});
