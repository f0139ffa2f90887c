// First start: the bundled real statistics and Kitas, loaded through the same batch pipeline as a push.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { ProcessContext } from '@datenpool/service-kit';
import { parse } from 'csv-parse/sync';
import type { FastifyBaseLogger } from 'fastify';
import { type BatchOptions, resolveTarget, runBatch, systemActor, type Target } from './pipeline/batch.ts';
import { ingestFacilities, readFacilities } from './pipeline/facilities.ts';
import type { RawRow } from './pipeline/rows.ts';
import { failOrphanedBatches } from './queries/batches.ts';
import { hasObservations } from './queries/observations.ts';

const dataDir = new URL('../../../data/', import.meta.url);
const LOR = '2021';

const einwohnerColumns: Record<string, Record<string, string>> = {
  Gesamt: {},
  unter6: { age: 'unter6' },
  '6-15': { age: '6-15' },
  '15-18': { age: '15-18' },
  '18-27': { age: '18-27' },
  '27-45': { age: '27-45' },
  '45-55': { age: '45-55' },
  '55-65': { age: '55-65' },
  '65undmehr': { age: '65undmehr' },
  weiblich: { sex: 'weiblich' },
  ausländer: { citizenship: 'auslaendisch' },
};

function readTable(file: string): { records: Record<string, string>[]; checksum: string } {
  const bytes = readFileSync(new URL(file, dataDir));
  const records = parse(bytes, { bom: true, delimiter: ';', columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return { records, checksum: createHash('sha256').update(bytes).digest('hex') };
}

/** the tables' marks for "no value" (suppressed or not applicable): not delivered, not an error */
const NO_VALUE = /^(|–|-|\.|x)$/;

/** wide table → one raw row per unit and column; cells without a value are not delivered */
function longRows(records: Record<string, string>[], unitColumn: string, date: string, columns: Record<string, Record<string, string>>): RawRow[] {
  const rows: RawRow[] = [];
  for (const record of records) {
    for (const [column, breakdown] of Object.entries(columns)) {
      const value = record[column]?.trim();
      if (value !== undefined && !NO_VALUE.test(value)) rows.push({ row: rows.length + 1, unit: record[unitColumn], date, value, breakdown });
    }
  }
  return rows;
}

const options = (contentType: string): BatchOptions => ({
  mode: 'partial',
  dryRun: false,
  decimalComma: false,
  contentType,
  idempotencyKey: null,
  sourceId: null,
});

export async function bootstrapIngest(context: ProcessContext, log: FastifyBaseLogger): Promise<void> {
  const { db } = context.database;
  const orphaned = await failOrphanedBatches(db);
  if (orphaned > 0) log.warn({ batches: orphaned }, 'ingest: batches left running by an ended process were marked failed');
  if (await hasObservations(db)) return;
  const started = Date.now();
  const target = async (id: string): Promise<Target | undefined> => {
    try {
      const t = await resolveTarget(db, id, LOR, systemActor);
      if (t.units.size === 0) throw new Error(`LOR ${LOR} has no units`);
      return t;
    } catch (err) {
      log.warn({ variable: id, reason: (err as Error).message }, 'ingest bootstrap: skipped (variable or LOR units missing)');
      return undefined;
    }
  };
  const load = async (id: string, rows: RawRow[], checksum: string, what: string) => {
    const t = await target(id);
    if (!t) return;
    const began = Date.now();
    const result = await runBatch(db, t, options('text/csv'), systemActor, rows, () => checksum);
    log.debug({ variable: id, what, rows: rows.length, ms: Date.now() - began }, 'ingest bootstrap: batch landed');
    const body = result.body as { rows: { valid: number }; totalErrors: number };
    if (body.totalErrors > 0) log.warn({ variable: id, what, errors: body.totalErrors }, 'ingest bootstrap: rows not loaded');
  };

  const einwohner = readTable('stats/einwohner-plr-2022-06-30.csv');
  await load('einwohner', longRows(einwohner.records, 'PLR-ID', '2022-06-30', einwohnerColumns), einwohner.checksum, 'residents 2022-06-30');
  const mss = readTable('stats/mss-2021-kontextindikatoren-plr.csv');
  await load('einwohner', longRows(mss.records, 'PLR-ID', '2020-12-31', { 'EW 31.12.2020': {} }), mss.checksum, 'residents 2020-12-31');
  const indicators = Object.keys(mss.records[0] ?? {}).filter((c) => /^K\d\d$/.test(c));
  for (const column of indicators) {
    const rows = mss.records
      .filter((r) => !NO_VALUE.test(r[column]?.trim() ?? ''))
      .map((r, i) => ({ row: i + 1, unit: r['PLR-ID'], date: '2020-12-31', value: r[column], breakdown: {} }));
    await load(`mss2021_${column.toLowerCase()}`, rows, mss.checksum, 'MSS 2021');
  }

  const kitas = await target('kitas');
  const places = await target('kita_plaetze');
  if (kitas && places) {
    const bytes = readFileSync(new URL('facilities/kitas-2022-12.geojson', dataDir));
    const checksum = createHash('sha256').update(bytes).digest('hex');
    const began = Date.now();
    try {
      const result = await ingestFacilities(
        db,
        kitas,
        readFacilities(bytes.toString('utf8'), 'e_platz'),
        { date: '2022-12-31', capacity: { target: places, property: 'e_platz' } },
        options('application/geo+json'),
        systemActor,
        () => checksum,
      );
      if (result.totalErrors > 0) log.warn({ errors: result.totalErrors }, 'ingest bootstrap: Kitas not assigned to a unit');
      log.debug({ ms: Date.now() - began }, 'ingest bootstrap: Kitas landed');
    } catch (err) {
      log.warn({ reason: (err as Error).message }, 'ingest bootstrap: Kitas skipped');
    }
  }
  log.info({ ms: Date.now() - started }, 'ingest bootstrap: bundled statistics and Kitas loaded');
}
