// The gateway the benches measure: a copy of the test template, rate limit out of the way, on a loopback port.
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import { testDatabase } from '../support/database.ts';

export async function benchGateway() {
  const teardowns: Array<() => unknown> = [];
  const database = await testDatabase({ teardown: (fn) => teardowns.push(fn) });
  const app = await buildGateway(
    { config: serviceConfigFromEnv({ LOG_LEVEL: 'warn' }), database },
    gatewayConfigFromEnv({ RATE_LIMIT_MAX: '100000000' }, []),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, database, baseUrl, teardowns };
}
