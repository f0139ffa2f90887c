// Start-up: the first admin key from DATENPOOL_ADMIN_KEY, so that an operator can create all other keys.
import { ensureKey, type ProcessContext, readGroup, settingsOf } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { metadataSettings } from './config.ts';

/** `env`: settings other than the process's (tests); otherwise DATENPOOL_ADMIN_KEY as the start read it */
export async function bootstrapMetadata(context: ProcessContext, log: FastifyBaseLogger, env?: Readonly<Record<string, string | undefined>>): Promise<void> {
  const key = (env ? readGroup(metadataSettings, env) : settingsOf(context.config, metadataSettings)).adminKey;
  if (!key) {
    log.info('DATENPOOL_ADMIN_KEY is not set: no bootstrap admin key (existing keys keep working)');
    return;
  }
  let id: string;
  try {
    id = await ensureKey(context.database.db, key, { scopes: ['admin'], label: 'bootstrap admin (DATENPOOL_ADMIN_KEY)' });
  } catch (err) {
    throw new Error(`invalid configuration DATENPOOL_ADMIN_KEY: ${(err as Error).message}`);
  }
  const row = await context.database.db.selectFrom('api_key').select(['prefix', 'revoked_at', 'scopes']).where('id', '=', id).executeTakeFirst();
  if (row?.revoked_at) {
    log.warn({ keyId: id, prefix: row.prefix }, 'the admin key from DATENPOOL_ADMIN_KEY was revoked and stays revoked; set a new one');
  } else {
    log.info({ keyId: id, prefix: row?.prefix, scopes: row?.scopes }, 'admin key from DATENPOOL_ADMIN_KEY is active');
  }
}
