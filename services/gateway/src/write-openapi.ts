// Writes the assembled OpenAPI document to openapi/datenpool.json (checked by a drift test).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDb, type DatabaseHandle } from '@datenpool/db';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import { gatewayConfigFromEnv } from './config.ts';
import { buildGateway } from './gateway.ts';

export const openapiPath = fileURLToPath(new URL('../../../openapi/datenpool.json', import.meta.url));

/** the OpenAPI document of the whole API; the database only backs the app, it shapes nothing */
export async function renderOpenApi(given?: DatabaseHandle): Promise<string> {
  const database = given ?? (await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 30_000 }));
  try {
    const app = await buildGateway(
      { config: serviceConfigFromEnv({}), database },
      gatewayConfigFromEnv({}, []),
    );
    await app.ready();
    const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
    await app.close();
    return text;
  } finally {
    if (!given) await database.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(openapiPath, await renderOpenApi());
  console.log(`wrote ${openapiPath}`);
}
