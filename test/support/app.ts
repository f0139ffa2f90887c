// The whole gateway over a test database, driven with Fastify's inject (no socket).
import type { App } from '@datenpool/service-kit';
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import { testDatabase } from './database.ts';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export async function testGateway(t: TestLike, env: NodeJS.ProcessEnv = {}): Promise<{ app: App; database: Awaited<ReturnType<typeof testDatabase>> }> {
  const database = await testDatabase(t);
  const app = await buildGateway(
    { config: serviceConfigFromEnv({ LOG_LEVEL: 'silent', ...env }), database },
    gatewayConfigFromEnv({ RATE_LIMIT_MAX: '1000000', ...env }, []),
  );
  await app.ready();
  t.teardown(() => app.close());
  return { app, database };
}
