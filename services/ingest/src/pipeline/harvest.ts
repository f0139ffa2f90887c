// Harvest of a referenced source (CSV, SDMX-CSV or OGC API Features) through the same batch pipeline; every request
// goes through harvest-request.ts (checked and pinned addresses, checked redirects, limits, credentials by reference).
import { createHash } from 'node:crypto';
import type { Database, Kysely } from '@datenpool/db';
import { Forbidden, HttpProblem, NotFound } from '@datenpool/service-kit';
import type { IngestConfig } from '../config.ts';
import { UploadBody } from '../parsers/body.ts';
import { csvRows } from '../parsers/csv.ts';
import { parseJsonText } from '../parsers/json.ts';
import { getSource, recordHarvest } from '../queries/sources.ts';
import { type Actor, type BatchResult, resolveTarget, runBatch, systemActor } from './batch.ts';
import { HarvestFailed, type HarvestAuth, openHarvest, type Resolver } from './harvest-request.ts';
import type { RawRow } from './rows.ts';

/** source field names: `unit`, `date`, `value`, `status` name the source's columns/properties; `breakdown` maps dimension → column */
interface Mapping {
  unit?: string;
  date?: string;
  value?: string;
  status?: string;
  breakdown?: Record<string, string>;
  /** OGC API Features: the reference date when the features carry none */
  fixedDate?: string;
}

const MAX_PAGES = 10_000;

/** how a harvest reaches the network: the settings, the source's credentials by reference, and (tests) the resolver */
interface Fetching {
  config: IngestConfig;
  auth: HarvestAuth | null;
  resolve?: Resolver;
}

function fetchOk(url: string, fetching: Fetching, accept: string) {
  return openHarvest(url, { accept, auth: fetching.auth, settings: fetching.config, ...(fetching.resolve ? { resolve: fetching.resolve } : {}) });
}

function csvRename(mapping: Mapping): Record<string, string> {
  const rename: Record<string, string> = {};
  for (const role of ['unit', 'date', 'value', 'status'] as const) {
    const column = mapping[role];
    if (column) rename[column.toLowerCase()] = role;
  }
  for (const [dim, column] of Object.entries(mapping.breakdown ?? {})) rename[column.toLowerCase()] = dim;
  return rename;
}

/** OGC API Features items, page by page along the `next` links */
async function* featureRows(url: string, mapping: Mapping, fetching: Fetching, hash: ReturnType<typeof createHash>): AsyncGenerator<RawRow> {
  const { config } = fetching;
  let next: string | undefined = /\/items\/?(\?|$)/.test(url) ? url : `${url.replace(/\/$/, '')}/items`;
  let row = 0;
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const res = await fetchOk(next, fetching, 'application/geo+json, application/json');
    const body = new UploadBody(res.body, config.jsonLimit);
    const text = await body.wholeText(config.jsonLimit);
    hash.update(text);
    const doc = parseJsonText(text) as { features?: unknown; links?: { rel?: string; href?: string }[] };
    if (!Array.isArray(doc.features)) throw new HarvestFailed(`${next} is not a GeoJSON FeatureCollection`);
    for (const feature of doc.features as { properties?: Record<string, unknown> }[]) {
      row++;
      const p = feature?.properties ?? {};
      const breakdown: Record<string, unknown> = {};
      for (const [dim, prop] of Object.entries(mapping.breakdown ?? {})) if (p[prop] !== undefined && p[prop] !== null) breakdown[dim] = p[prop];
      yield {
        row,
        unit: p[mapping.unit ?? 'unit'],
        date: p[mapping.date ?? 'date'] ?? mapping.fixedDate,
        value: p[mapping.value ?? 'value'],
        status: p[mapping.status ?? 'status'],
        breakdown,
      };
    }
    const link = doc.links?.find((l) => l.rel === 'next')?.href;
    next = link ? new URL(link, res.url).toString() : undefined;
  }
}

export async function harvestSource(
  db: Kysely<Database>,
  config: IngestConfig,
  sourceId: string,
  actor: Actor,
  options: { mode: 'atomic' | 'partial'; dryRun: boolean },
  network: { resolve?: Resolver } = {},
): Promise<BatchResult> {
  const source = await getSource(db, sourceId);
  if (!source) throw new NotFound(`Referenced source ${sourceId} does not exist.`);
  if (!actor.admin && actor.agencyId !== source.agency_id) throw new Forbidden(`Source ${sourceId} belongs to agency ${source.agency_id}.`);
  const target = await resolveTarget(db, source.variable_id, source.lor_version, systemActor);
  const mapping = (source.mapping ?? {}) as Mapping;
  const hash = createHash('sha256');
  let csvBody: UploadBody | undefined;
  const fetching: Fetching = { config, auth: source.auth ?? null, ...network };

  const rows: AsyncIterable<RawRow> =
    source.kind === 'ogcapi-features'
      ? featureRows(source.url, mapping, fetching, hash)
      : (async function* () {
          const res = await fetchOk(source.url, fetching, source.kind === 'sdmx-csv' ? 'application/vnd.sdmx.data+csv' : 'text/csv');
          csvBody = new UploadBody(res.body, config.bodyLimit);
          yield* csvRows(csvBody.text(), { sdmx: source.kind === 'sdmx-csv', rename: csvRename(mapping) });
        })();
  const batchOptions = {
    ...options,
    decimalComma: false,
    contentType: source.kind === 'ogcapi-features' ? 'application/geo+json' : source.kind === 'sdmx-csv' ? 'application/vnd.sdmx.data+csv' : 'text/csv',
    idempotencyKey: null,
    sourceId: source.id,
  };
  try {
    const result = await runBatch(db, target, batchOptions, { ...actor, agencyId: source.agency_id }, rows, () =>
      csvBody ? csvBody.checksum() : hash.copy().digest('hex'),
    );
    const report = result.body as { status: string; rows: { valid: number }; totalErrors: number };
    if (!options.dryRun) await recordHarvest(db, source.id, `${report.status}: ${report.rows.valid} rows, ${report.totalErrors} errors`);
    return result;
  } catch (err) {
    const reason = err instanceof HttpProblem ? `rejected: ${err.message}` : `failed: ${(err as Error).message}`;
    if (!options.dryRun) await recordHarvest(db, source.id, reason);
    if (err instanceof HarvestFailed) throw new HttpProblem(502, 'harvest-failed', 'Harvest failed', err.message, { sourceId: source.id });
    throw err;
  }
}
