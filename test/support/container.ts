// Where a Docker engine answers: a PostGIS container via testcontainers. Writes `export DATABASE_URL=…`
// to the file named by argv[2] and keeps the container until this process is ended.
import { writeFileSync } from 'node:fs';
import { PostgreSqlContainer } from '@testcontainers/postgresql';

const target = process.argv[2];
if (!target) throw new Error('usage: container.ts <env-file>');
const container = await new PostgreSqlContainer('postgis/postgis:15-3.4')
  .withDatabase('postgres')
  .withUsername('postgres')
  .withPassword('postgres')
  .start();
writeFileSync(target, `export DATABASE_URL=${container.getConnectionUri()}\n`);
const stop = async () => {
  await container.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
setInterval(() => {}, 60_000);
