// Reads an LOR file (GeoJSON in the bundled or Berlin's official 2021 form, or the 2021 units CSV; either may be
// gzip-compressed, `.gz`) into normalised units, checking structure, id format, hierarchy ids and duplicates.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { idLengthByLevel, type LorLevel, lorLevels, parentIdOf } from '@datenpool/contracts';
import * as gjv from 'geojson-validation';

export interface LorFeature {
  /** 1-based position in the file (feature number or CSV data row) */
  index: number;
  id: string;
  name: string;
  parentId: string | null;
  /** m², from the file; replaced by the area of the geometry where one is given */
  area: number | null;
  /** a GeoJSON geometry object, or null for units whose geometry is not yet known */
  geometry: unknown | null;
}

export interface ImportProblem {
  /** the feature's id where known, else `#<index>` */
  feature: string;
  code: string;
  message: string;
}

export interface LorFile {
  /** EPSG code of the coordinates: 25833 (official files) or 4326 (lon/lat, GeoJSON default) */
  srid: number;
  features: LorFeature[];
  problems: ImportProblem[];
  /** what was repaired while reading (names with surrounding white space), to be logged */
  repairs?: ImportProblem[];
}

/** the attribute prefix of Berlin's official files per level (PLR_ID, BZR_NAME, …) */
const officialPrefix: Partial<Record<LorLevel, string>> = {
  planungsraum: 'PLR',
  bezirksregion: 'BZR',
  prognoseraum: 'PGR',
  bezirk: 'BEZ',
};

export function idPattern(level: LorLevel): RegExp {
  return level === 'berlin' ? /^0$/ : new RegExp(`^\\d{${idLengthByLevel[level]}}$`);
}

function crsOf(collection: Record<string, unknown>): number | undefined {
  const crs = collection.crs as { properties?: { name?: unknown } } | undefined;
  const name = crs?.properties?.name;
  if (typeof name !== 'string') return 4326;
  if (/CRS84$|EPSG:{1,2}4326$|EPSG\/0\/4326$/.test(name)) return 4326;
  if (/EPSG:{1,2}25833$|EPSG\/0\/25833$/.test(name)) return 25833;
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

function trimmed(id: string, raw: string): ImportProblem {
  return { feature: id, code: 'name', message: `name ${JSON.stringify(raw)} trimmed to ${JSON.stringify(raw.trim())}` };
}

export function parseGeoJson(source: string, level: LorLevel): LorFile {
  const problems: ImportProblem[] = [];
  let collection: Record<string, unknown>;
  try {
    collection = JSON.parse(source) as Record<string, unknown>;
  } catch (err) {
    return { srid: 4326, features: [], problems: [{ feature: '(file)', code: 'json', message: (err as Error).message }] };
  }
  if (collection?.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    return {
      srid: 4326,
      features: [],
      problems: [{ feature: '(file)', code: 'geojson', message: 'not a GeoJSON FeatureCollection' }],
    };
  }
  const srid = crsOf(collection);
  if (srid === undefined) {
    problems.push({ feature: '(file)', code: 'crs', message: 'unsupported crs; expected CRS84, EPSG:4326 or EPSG:25833' });
  }
  const prefix = officialPrefix[level];
  const features: LorFeature[] = [];
  const repairs: ImportProblem[] = [];
  (collection.features as unknown[]).forEach((raw, i) => {
    const index = i + 1;
    const feature = raw as { properties?: Record<string, unknown> | null; geometry?: unknown };
    const props = feature?.properties ?? {};
    const id = text(props.id) ?? (prefix ? text(props[`${prefix}_ID`]) : undefined);
    const label = id ?? `#${index}`;
    for (const message of gjv.isFeature(raw, true)) problems.push({ feature: label, code: 'geojson', message });
    if (!feature?.geometry) problems.push({ feature: label, code: 'geometry', message: 'geometry is missing' });
    const rawName = props.name ?? (prefix ? props[`${prefix}_NAME`] : undefined);
    const name = text(rawName);
    if (id && name && typeof rawName === 'string' && rawName !== name) repairs.push(trimmed(id, rawName));
    if (!id) {
      problems.push({ feature: label, code: 'id', message: 'no id (property id or the official *_ID attribute)' });
      return;
    }
    const parentId = level === 'berlin' ? null : (parentIdOf(id) ?? null);
    // where the official file names the parent, it must agree with the id scheme
    const parentLevel = lorLevels[lorLevels.indexOf(level) - 1];
    const parentPrefix = parentLevel ? officialPrefix[parentLevel] : undefined;
    const statedParent = parentPrefix ? text(props[`${parentPrefix}_ID`] ?? props[parentPrefix]) : undefined;
    if (statedParent && parentId && !parentId.endsWith(statedParent)) {
      problems.push({
        feature: label,
        code: 'hierarchy',
        message: `${parentPrefix}_ID ${statedParent} does not match the parent ${parentId} derived from the id`,
      });
    }
    // the official files state the (ellipsoidal) area as GROESSE_M2 (ODIS) or FINHALT (Geoportal WFS)
    const stated = [props.area, props.GROESSE_M2, props.FINHALT].find((a) => typeof a === 'number' && Number.isFinite(a));
    const area = typeof stated === 'number' ? stated : null;
    features.push({ index, id, name: name ?? '', parentId, area, geometry: feature.geometry ?? null });
  });
  return { srid: srid ?? 4326, features, problems, repairs };
}

/** the 2021 units CSV: one row per Planungsraum, naming its Bezirksregion */
export function parseUnitsCsv(source: string, level: LorLevel): LorFile {
  const problems: ImportProblem[] = [];
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',');
  const column = (start: string) => header.findIndex((h) => h.startsWith(start));
  const columns =
    level === 'planungsraum'
      ? { id: column('Planungsraum (Nummer)'), name: column('Planungsraum (Name)'), area: column('Fläche') }
      : level === 'bezirksregion'
        ? { id: column('Bezirksregion (Nummer)'), name: column('Bezirksregion (Name)'), area: column('Fläche') }
        : undefined;
  if (!columns || columns.id < 0 || columns.name < 0) {
    return {
      srid: 25833,
      features: [],
      problems: [{ feature: '(file)', code: 'csv', message: `the units CSV has no columns for level ${level}` }],
    };
  }
  const byId = new Map<string, LorFeature>();
  const features: LorFeature[] = [];
  const repairs: ImportProblem[] = [];
  lines.forEach((line, i) => {
    const raw = line.split(',');
    const cells = raw.map((c) => c.trim());
    const id = cells[columns.id] ?? '';
    const name = cells[columns.name] ?? '';
    const area = columns.area >= 0 ? Number(cells[columns.area]) : Number.NaN;
    const existing = byId.get(id);
    if (existing) {
      // Bezirksregionen repeat once per Planungsraum: their area is the sum of those rows
      if (level === 'bezirksregion') {
        existing.area = existing.area === null || !Number.isFinite(area) ? null : existing.area + area;
        return;
      }
      problems.push({ feature: id, code: 'duplicate', message: `id ${id} appears more than once` });
      return;
    }
    const feature: LorFeature = {
      index: i + 1,
      id,
      name,
      parentId: parentIdOf(id) ?? null,
      area: Number.isFinite(area) ? area : null,
      geometry: null,
    };
    byId.set(id, feature);
    features.push(feature);
    const rawName = raw[columns.name] ?? '';
    if (rawName !== name) repairs.push(trimmed(id, rawName));
  });
  return { srid: 25833, features, problems, repairs };
}

/** checks that hold for every format: id format of the level, names, duplicates */
export function checkUnits(file: LorFile, level: LorLevel): ImportProblem[] {
  const problems = [...file.problems];
  const pattern = idPattern(level);
  const seen = new Set<string>();
  for (const f of file.features) {
    if (!pattern.test(f.id)) {
      problems.push({ feature: f.id, code: 'id', message: `id ${f.id} is not a ${level} id (${pattern.source})` });
    }
    if (f.name === '') problems.push({ feature: f.id, code: 'name', message: 'name is missing' });
    if (seen.has(f.id) && !problems.some((p) => p.feature === f.id && p.code === 'duplicate')) {
      problems.push({ feature: f.id, code: 'duplicate', message: `id ${f.id} appears more than once` });
    }
    seen.add(f.id);
  }
  return problems;
}

const gunzipped = promisify(gunzip);

/** the text of a file, gunzipped where its name ends in `.gz` */
export async function readLorText(path: string): Promise<string> {
  const bytes = await readFile(path);
  return (path.toLowerCase().endsWith('.gz') ? await gunzipped(bytes) : bytes).toString('utf8');
}

export async function readLorFile(path: string, level: LorLevel): Promise<LorFile> {
  const source = await readLorText(path);
  const file = path.toLowerCase().replace(/\.gz$/, '').endsWith('.csv') ? parseUnitsCsv(source, level) : parseGeoJson(source, level);
  return { ...file, problems: checkUnits(file, level) };
}
