// `pnpm datenpool lor import <file> --version <v> --level <l>`: the geometry service's command line.
import { lorLevelSchema } from '@datenpool/contracts';
import type { ProcessContext } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { importLorFile, LorImportRejected } from './import/import-lor.ts';

const usage = 'usage: pnpm datenpool lor import <file> --version <2006|2021> --level <bezirk|prognoseraum|bezirksregion|planungsraum|berlin>';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

export async function lorCommand(args: string[], context: ProcessContext, _log: FastifyBaseLogger): Promise<number> {
  const [sub, file] = args;
  const level = lorLevelSchema.safeParse(option(args, 'level'));
  const version = option(args, 'version');
  if (sub !== 'import' || !file || file.startsWith('--') || !version || !level.success) {
    console.error(usage);
    return 2;
  }
  try {
    const report = await importLorFile(context.database.db, file, version, level.data);
    console.log(`imported ${report.imported} ${report.level} units into LOR ${report.version}`);
    for (const r of report.repaired) console.log(`  repaired ${r.id}: ${r.reason}`);
    return 0;
  } catch (err) {
    if (err instanceof LorImportRejected) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
