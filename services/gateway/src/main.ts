// `npm start`: the gateway with every service in one process.
import { openProcessContext, serveUntilSignal } from '@datenpool/service-kit';
import { gatewayProcessSettings } from './config.ts';
import { bootstrapServices, buildGateway } from './gateway.ts';

const context = await openProcessContext({ port: 3000 }, gatewayProcessSettings);
const app = await buildGateway(context);
await bootstrapServices(context, app.log, undefined, 'before-listen');
await serveUntilSignal(app, context);
// e.g. the first computation of indicator values: requests meanwhile compute what they need lazily
bootstrapServices(context, app.log, undefined, 'after-listen').catch((err) =>
  app.log.error({ err }, 'background bootstrap failed'),
);
