// OGC API Features Part 2 (CRS by reference): the CRS the server offers, their URIs, axis order, precision.
import { BadRequest } from '@datenpool/service-kit';

export interface CrsDefinition {
  /** the URI clients send in `crs`, `bbox-crs` and `filter-crs` and receive in `Content-Crs` */
  uri: string;
  srid: number;
  /** true where the EPSG axis order is latitude first (EPSG:4326): coordinates are swapped on output */
  latitudeFirst: boolean;
  /** decimals of coordinates in output: ~1 cm either way */
  precision: number;
  /** true for geographic coordinates in degrees */
  geographic: boolean;
}

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
export const EPSG_4326 = 'http://www.opengis.net/def/crs/EPSG/0/4326';
export const EPSG_25833 = 'http://www.opengis.net/def/crs/EPSG/0/25833';
export const EPSG_3857 = 'http://www.opengis.net/def/crs/EPSG/0/3857';

export const supportedCrs: readonly CrsDefinition[] = [
  { uri: CRS84, srid: 4326, latitudeFirst: false, precision: 7, geographic: true },
  { uri: EPSG_4326, srid: 4326, latitudeFirst: true, precision: 7, geographic: true },
  { uri: EPSG_25833, srid: 25833, latitudeFirst: false, precision: 2, geographic: false },
  { uri: EPSG_3857, srid: 3857, latitudeFirst: false, precision: 2, geographic: false },
];

export const defaultCrs = supportedCrs[0] as CrsDefinition;

export const crsConformance = ['http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs'] as const;

/** common spellings clients send for the same CRS (EPSG:4326, urn:ogc:def:crs:EPSG::4326, [OGC:CRS84]) */
function canonical(value: string): string {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  const epsg = /^(?:EPSG:|urn:ogc:def:crs:EPSG:[\d.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/)(\d+)$/i.exec(v);
  if (epsg) return `http://www.opengis.net/def/crs/EPSG/0/${epsg[1]}`;
  if (/^(?:OGC:CRS84|urn:ogc:def:crs:OGC:1\.3:CRS84|https?:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84)$/i.test(v)) {
    return CRS84;
  }
  return v;
}

/** the CRS a parameter names; CRS84 when absent; 400 naming the parameter when not offered */
export function parseCrs(value: string | undefined, parameter: string): CrsDefinition {
  if (value === undefined || value === '') return defaultCrs;
  const uri = canonical(value);
  const found = supportedCrs.find((c) => c.uri === uri);
  if (!found) {
    throw new BadRequest(
      `${parameter}=${value} is not offered; supported: ${supportedCrs.map((c) => c.uri).join(', ')}.`,
      { name: parameter },
    );
  }
  return found;
}

/** the `Content-Crs` header value */
export function contentCrsHeader(crs: CrsDefinition): string {
  return `<${crs.uri}>`;
}
