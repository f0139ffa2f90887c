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

/** the app listening on a free loopback port, for real clients (GDAL, Chromium, pandas); its base URL */
export async function serveOnLoopback(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}
