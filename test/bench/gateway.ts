// The gateway the benches measure: a copy of the test template, rate limit out of the way, on a loopback port.
import { buildGateway, gatewayConfigFromEnv } from '@datenpool/gateway';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import { serveOnLoopback } from '../support/app.ts';
import { testDatabase } from '../support/database.ts';

/** the gateway settings of every bench: the rate limit out of the way of the load generators */
export function benchGatewayConfig() {
  return gatewayConfigFromEnv({ RATE_LIMIT_MAX: '100000000' }, []);
}

export async function benchGateway() {
  const teardowns: Array<() => unknown> = [];
  const database = await testDatabase({ teardown: (fn) => teardowns.push(fn) });
  const app = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'warn' }), database }, benchGatewayConfig());
  const baseUrl = await serveOnLoopback(app);
  return { app, database, baseUrl, teardowns };
}
