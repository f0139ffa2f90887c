// One versioned release bundle of the pool's public data as a zip: every LOR collection as a GeoPackage, every public
// indicator value as CSV, the variables and indicator definitions as JSON, and a manifest with each member's SHA-256.
//
// A release is identified by the data it holds (releaseState: last landed batch, last recompute, LOR versions, catalogue
// changes): `{date}-{hash}`, the date of the newest change and a hash of the state. The bundle is built from the
// data on demand and is reproducible: the same data gives the same bytes (members in a fixed order, rows ordered, the
// zip's times the release date), so its SHA-256 is the release's checksum and ETag. Memory: the bundle is built in
// memory (about 30 MB for the bundled data: the GeoPackages, the CSV, the zip).
import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '@datenpool/db';
import { type CollectionLookup, parseItemsQuery } from '@datenpool/ogc';
import { collectionGeoPackage, type SqliteEngine } from '@datenpool/ogc/downloads';
import { Conflict, csvDocument, rfc4180 } from '@datenpool/service-kit';
import { zipSync, type Zippable } from 'fflate';
import { isIndicatorRestricted, inputVariables } from './access.ts';
import { licenceUri } from './dcat-vocabulary.ts';
import { catalogGraph, listIndicators } from './queries/indicators.ts';
import { type ReleaseMember, type ReleaseState, type ReleaseValueRow, releaseState, releaseValues } from './queries/releases.ts';
import { listVariables } from './queries/variables.ts';

export const RELEASE_MEDIA_TYPE = 'application/zip';

export interface ReleaseBundle {
  id: string;
  state: ReleaseState;
  zip: Uint8Array;
  sha256: string;
  members: ReleaseMember[];
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** the newest instant the state names (ISO text sorts as time) */
function newestChange(state: ReleaseState): string {
  const times = [state.landedAt, state.computedAt, state.variablesAt, state.indicatorsAt, ...state.lor.map(([, at]) => at)];
  return times.filter((t): t is string => t !== null).sort().at(-1) ?? '1980-01-01T00:00:00.000000Z';
}

/** `{date}-{hash}`: the date of the newest change, and the first 12 hex digits of the state's SHA-256 */
export function releaseId(state: ReleaseState): string {
  return `${newestChange(state).slice(0, 10)}-${sha256(JSON.stringify(state)).slice(0, 12)}`;
}

const valueColumns: Array<keyof ReleaseValueRow> = [
  'indicator',
  'lor_version',
  'level',
  'unit',
  'date',
  'breakdown',
  'value',
  'numerator',
  'denominator',
  'status',
  'berlin',
  'district',
  'rank',
  'percentile',
  'change_1y',
  'change_ny',
  'target',
  'class',
  'class_label',
];

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** the members of the release of `state`, in their order in the zip */
async function members(database: DatabaseHandle, collections: CollectionLookup, SQL: SqliteEngine, id: string, state: ReleaseState) {
  const db = database.db;
  const files: Array<{ path: string; mediaType: string; bytes: Uint8Array }> = [];
  const lor = (await collections.list(database)).filter((s) => s.id.startsWith('lor-')).sort((a, b) => a.id.localeCompare(b.id));
  for (const source of lor) {
    const raw = new URLSearchParams();
    const { bytes } = await collectionGeoPackage(SQL, database, { source, query: parseItemsQuery(raw, source), raw });
    files.push({ path: `lor/${source.id}.gpkg`, mediaType: 'application/geopackage+sqlite3', bytes });
  }
  const [graph, indicators, variables] = await Promise.all([catalogGraph(db), listIndicators(db, { status: 'active' }), listVariables(db, { status: 'active' })]);
  const published = indicators.filter((i) => !isIndicatorRestricted(graph, i.id)).sort((a, b) => a.id.localeCompare(b.id));
  const values = await releaseValues(db, published.map((i) => i.id));
  files.push({
    path: 'indicators/values.csv',
    mediaType: 'text/csv',
    bytes: csvDocument(valueColumns, values, (row) => valueColumns.map((c) => row[c]), rfc4180),
  });
  files.push({
    path: 'metadata/indicators.json',
    mediaType: 'application/json',
    bytes: json(published.map((i) => ({ ...i, inputs: [...inputVariables(graph, i.id)].sort() }))),
  });
  files.push({
    path: 'metadata/variables.json',
    mediaType: 'application/json',
    bytes: json(variables.filter((v) => v.access === 'public').sort((a, b) => a.id.localeCompare(b.id))),
  });
  const listed: ReleaseMember[] = files.map((f) => ({ path: f.path, mediaType: f.mediaType, bytes: f.bytes.byteLength, sha256: sha256(f.bytes) }));
  const manifest = {
    release: id,
    title: 'Datenpool Berlin: Datenstand / data release',
    license: licenceUri,
    state,
    members: listed,
  };
  return { files, manifest, listed };
}

/** the bundle of the state read now; built again (up to three times) where the data changed while it was read */
export async function buildRelease(database: DatabaseHandle, collections: CollectionLookup, SQL: SqliteEngine): Promise<ReleaseBundle> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await releaseState(database.db);
    const id = releaseId(state);
    const { files, manifest, listed } = await members(database, collections, SQL, id, state);
    if (releaseId(await releaseState(database.db)) !== id) continue;
    // DOS times (the zip's) have no zone: the release's date at local midnight, so that the bytes do not depend on TZ
    const [year, month, day] = newestChange(state).slice(0, 10).split('-').map(Number) as [number, number, number];
    const mtime = new Date(year, month - 1, day);
    const zippable: Zippable = { 'manifest.json': [json(manifest), { mtime }] };
    for (const f of files) zippable[f.path] = [f.bytes, { mtime, level: f.path.endsWith('.csv') || f.path.endsWith('.json') ? 9 : 6 }];
    const zip = zipSync(zippable, { mtime });
    return { id, state, zip, sha256: sha256(zip), members: listed };
  }
  throw new Conflict('The data changed three times while the release bundle was built: try again in a moment.');
}
