// `npm start`: the gateway with every service in one process.
import { openProcessContext, serveUntilSignal } from '@datenpool/service-kit';
import { bootstrapServices, buildGateway } from './gateway.ts';

const context = await openProcessContext({ port: 3000 });
const app = await buildGateway(context);
await bootstrapServices(context, app.log);
await serveUntilSignal(app, context);
