// The CRS of the WFS: EPSG:25833 (the storage CRS, every type's DefaultCRS), EPSG:4326 (latitude first, as WFS 2.0
// and its URN say) and EPSG:3857, named by URN in the capabilities and in srsName.
import { type CrsDefinition, EPSG_3857, EPSG_4326, EPSG_25833, parseCrs, supportedCrs } from '../crs.ts';
import { WfsException } from './exception.ts';

const byUri = (uri: string) => supportedCrs.find((c) => c.uri === uri) as CrsDefinition;

/** the CRS SRSNAME may name, the type's DefaultCRS first */
export const offeredCrs: readonly CrsDefinition[] = [byUri(EPSG_25833), byUri(EPSG_4326), byUri(EPSG_3857)];

export function crsUrn(srid: number): string {
  return `urn:ogc:def:crs:EPSG::${srid}`;
}

/**
 * the CRS an srsName names (URN, EPSG:n or the http URI, each with EPSG axis order); `fallback` when absent. Output
 * (SRSNAME) is one of the offered CRS; a query geometry (BBOX, FILTER) may be in CRS84 too (longitude first).
 */
export function parseSrsName(value: string | undefined, fallback: CrsDefinition, locator: string, use: 'output' | 'query' = 'output'): CrsDefinition {
  if (value === undefined || value.trim() === '') return fallback;
  const allowed = use === 'output' ? offeredCrs : supportedCrs;
  const notOffered = () =>
    new WfsException('InvalidParameterValue', locator, `${locator}=${value} is not offered; CRS: ${offeredCrs.map((c) => crsUrn(c.srid)).join(', ')}${use === 'query' ? ', urn:ogc:def:crs:OGC:1.3:CRS84' : ''}.`);
  let crs: CrsDefinition;
  try {
    crs = parseCrs(value, locator);
  } catch {
    throw notOffered();
  }
  if (!allowed.includes(crs)) throw notOffered();
  return crs;
}

/** the storage CRS of a collection as one of the offered ones (EPSG:25833 where it is none of them) */
export function defaultCrsOf(storageCrs: string): CrsDefinition {
  return offeredCrs.find((c) => c.uri === storageCrs) ?? (offeredCrs[0] as CrsDefinition);
}
