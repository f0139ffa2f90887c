// `pnpm datenpool <command> …`: the command-line entry; commands come from the services.
import { openProcessContext } from '@datenpool/service-kit';
import pino from 'pino';
import { gatewayProcessSettings } from './config.ts';
import { services } from './services.ts';

const [name, ...args] = process.argv.slice(2);
const commands = new Map(services.flatMap((s) => Object.entries(s.commands ?? {})));
const command = name ? commands.get(name) : undefined;
if (!command) {
  console.error(`usage: pnpm datenpool <command> …\ncommands: ${[...commands.keys()].join(', ') || '(none)'}`);
  process.exit(2);
}
const context = await openProcessContext({}, gatewayProcessSettings);
const log = pino({ level: context.config.logLevel });
let code = 1;
try {
  code = await command(args, context, log);
} finally {
  await context.database.close();
}
process.exit(code);
