// The KVP encoding of WFS 2.0 requests: parameter names in any case, the operations and their parameters, versions,
// type names with their namespace prefixes, output formats, paging; each error an exception naming its parameter.
import { MAX_LIMIT } from '../paging.ts';
import { WfsException } from './exception.ts';
import { FEATURE_NS, FEATURE_PREFIX } from './xml.ts';

export const VERSIONS = ['2.0.0', '2.0.2'] as const;
export const VERSION = '2.0.0';

export const operations = ['GetCapabilities', 'DescribeFeatureType', 'GetFeature', 'ListStoredQueries', 'DescribeStoredQueries'] as const;
export type Operation = (typeof operations)[number];

const common = ['SERVICE', 'REQUEST', 'VERSION', 'NAMESPACES'];

/** the parameters each operation takes; any other is an exception naming it */
const parametersOf: Record<Operation, readonly string[]> = {
  GetCapabilities: [...common, 'ACCEPTVERSIONS', 'SECTIONS', 'UPDATESEQUENCE', 'ACCEPTFORMATS', 'ACCEPTLANGUAGES'],
  DescribeFeatureType: [...common, 'TYPENAMES', 'TYPENAME', 'OUTPUTFORMAT'],
  GetFeature: [
    ...common,
    'TYPENAMES',
    'TYPENAME',
    'COUNT',
    'MAXFEATURES',
    'STARTINDEX',
    'RESULTTYPE',
    'SRSNAME',
    'OUTPUTFORMAT',
    'BBOX',
    'RESOURCEID',
    'FEATUREID',
    'FILTER',
    'FILTER_LANGUAGE',
    'SORTBY',
    'PROPERTYNAME',
    'STOREDQUERY_ID',
    'ID',
  ],
  ListStoredQueries: common,
  DescribeStoredQueries: [...common, 'STOREDQUERY_ID'],
};

/** how WFS 2.0 spells each parameter (the locator of its exceptions) */
export const spelling: Record<string, string> = {
  SERVICE: 'service',
  REQUEST: 'request',
  VERSION: 'version',
  NAMESPACES: 'namespaces',
  ACCEPTVERSIONS: 'acceptVersions',
  SECTIONS: 'sections',
  UPDATESEQUENCE: 'updateSequence',
  ACCEPTFORMATS: 'acceptFormats',
  ACCEPTLANGUAGES: 'acceptLanguages',
  TYPENAMES: 'typeNames',
  TYPENAME: 'typeName',
  OUTPUTFORMAT: 'outputFormat',
  COUNT: 'count',
  MAXFEATURES: 'maxFeatures',
  STARTINDEX: 'startIndex',
  RESULTTYPE: 'resultType',
  SRSNAME: 'srsName',
  BBOX: 'bbox',
  RESOURCEID: 'resourceId',
  FEATUREID: 'featureId',
  FILTER: 'filter',
  FILTER_LANGUAGE: 'filter_language',
  SORTBY: 'sortBy',
  PROPERTYNAME: 'propertyName',
  STOREDQUERY_ID: 'storedQuery_id',
  ID: 'id',
};

const locatorOf = (name: string) => spelling[name] ?? name.toLowerCase();

/** a request's parameters by upper-case name (KVP names are case-insensitive, values are not) */
export class Kvp {
  private constructor(private readonly values: Map<string, string>) {}

  static read(query: URLSearchParams): Kvp {
    const values = new Map<string, string>();
    for (const [name, value] of query) {
      const key = name.toUpperCase();
      if (values.has(key)) throw new WfsException('InvalidParameterValue', locatorOf(key), `${name} is given more than once.`);
      values.set(key, value);
    }
    return new Kvp(values);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** the value, or MissingParameterValue naming it */
  require(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value.trim() === '') {
      throw new WfsException('MissingParameterValue', locatorOf(name), `${locatorOf(name)} is required.`);
    }
    return value;
  }

  /** SERVICE=WFS, a known REQUEST, no parameter the operation does not take, and for all but GetCapabilities VERSION=2.0.x */
  operation(): Operation {
    const service = this.require('SERVICE');
    if (service.toUpperCase() !== 'WFS') throw new WfsException('InvalidParameterValue', 'service', `service=${service} is not offered here; use WFS.`);
    const request = this.require('REQUEST');
    const operation = operations.find((o) => o.toLowerCase() === request.toLowerCase());
    if (!operation) {
      throw new WfsException('OperationNotSupported', 'request', `request=${request} is not supported; operations: ${operations.join(', ')}.`);
    }
    const allowed = parametersOf[operation];
    for (const name of this.values.keys()) {
      if (!allowed.includes(name)) {
        throw new WfsException('InvalidParameterValue', locatorOf(name), `${locatorOf(name)} is not a parameter of ${operation}; parameters: ${allowed.map(locatorOf).join(', ')}.`);
      }
    }
    if (operation === 'GetCapabilities') this.negotiateVersion();
    else {
      const version = this.require('VERSION');
      if (!(VERSIONS as readonly string[]).includes(version)) {
        throw new WfsException('InvalidParameterValue', 'version', `version=${version} is not supported; this server speaks WFS ${VERSIONS.join(', ')}.`);
      }
    }
    return operation;
  }

  /** AcceptVersions must name a version spoken here; a 1.x client's VERSION on GetCapabilities gets the 2.0 capabilities */
  private negotiateVersion(): void {
    const accept = this.get('ACCEPTVERSIONS');
    if (accept === undefined) return;
    const versions = accept.split(',').map((v) => v.trim());
    if (!versions.some((v) => (VERSIONS as readonly string[]).includes(v))) {
      throw new WfsException('VersionNegotiationFailed', 'acceptVersions', `acceptVersions=${accept} names no version spoken here (${VERSIONS.join(', ')}).`);
    }
  }

  /** prefix → namespace URI from NAMESPACES=xmlns(p,uri),…; the advertised prefix is always bound */
  namespaces(): Map<string, string> {
    const bound = new Map<string, string>([[FEATURE_PREFIX, FEATURE_NS]]);
    const value = this.get('NAMESPACES');
    if (value === undefined) return bound;
    const pattern = /xmlns\(\s*(?:([^,()\s]+)\s*,)?\s*([^()\s]+)\s*\)\s*(?:,|$)/gy;
    let at = 0;
    for (;;) {
      pattern.lastIndex = at;
      const match = pattern.exec(value);
      if (!match) break;
      bound.set(match[1] ?? '', match[2] as string);
      at = pattern.lastIndex;
      if (at >= value.length) break;
    }
    if (at < value.length || value.trim() === '') {
      throw new WfsException('InvalidParameterValue', 'namespaces', `namespaces=${value} is not a list of xmlns(prefix,uri).`);
    }
    return bound;
  }

  /**
   * the collection ids TYPENAMES (or a 1.1 client's TYPENAME) names, in their order: each `prefix:id` with a prefix
   * bound to the feature namespace, `{namespace}id`, or the bare id; undefined where neither is given
   */
  typeNames(): string[] | undefined {
    const key = this.get('TYPENAMES') !== undefined ? 'TYPENAMES' : 'TYPENAME';
    const value = this.get(key);
    if (value === undefined) return undefined;
    const locator = locatorOf(key);
    if (/[()]/.test(value)) throw new WfsException('OptionNotSupported', locator, `${locator}=${value}: joins of feature types are not supported.`);
    const namespaces = this.namespaces();
    const ids = value.split(',').map((name) => {
      const typeName = name.trim();
      const clark = /^\{([^}]*)\}(.+)$/.exec(typeName);
      if (clark) {
        if (clark[1] !== FEATURE_NS) throw new WfsException('InvalidParameterValue', locator, `${typeName}: unknown namespace ${clark[1]}.`);
        return clark[2] as string;
      }
      const colon = typeName.indexOf(':');
      if (colon < 0) return typeName;
      const prefix = typeName.slice(0, colon);
      if (namespaces.get(prefix) !== FEATURE_NS) {
        throw new WfsException('InvalidParameterValue', locator, `${typeName}: the prefix ${prefix} is not bound to ${FEATURE_NS} (namespaces).`);
      }
      return typeName.slice(colon + 1);
    });
    if (ids.some((id) => id === '')) throw new WfsException('InvalidParameterValue', locator, `${locator}=${value} contains an empty type name.`);
    return ids;
  }

  /** a non-negative integer parameter */
  integer(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
      throw new WfsException('InvalidParameterValue', locatorOf(name), `${locatorOf(name)}=${value} is not a non-negative integer.`);
    }
    return Number(value);
  }

  /** COUNT (or a 1.1 client's MAXFEATURES): at least 1, clamped to the largest page; the largest page when absent */
  count(): number {
    const key = this.get('COUNT') !== undefined ? 'COUNT' : 'MAXFEATURES';
    const count = this.integer(key);
    if (count === undefined) return MAX_LIMIT;
    if (count < 1) throw new WfsException('InvalidParameterValue', locatorOf(key), `${locatorOf(key)} must be at least 1.`);
    return Math.min(count, MAX_LIMIT);
  }
}

export type OutputFormat = 'gml' | 'json';

/** media type spellings, compared without case, spaces and `+` (which a query string turns into a space) */
const normalise = (value: string) => value.toLowerCase().replace(/[\s+"]/g, '');

const gmlFormats = ['application/gml+xml; version=3.2', 'text/xml; subtype=gml/3.2', 'text/xml; subtype=gml/3.2.1', 'application/gml+xml', 'gml32', 'gml3'].map(normalise);
const jsonFormats = ['application/json', 'application/geo+json', 'json', 'geojson'].map(normalise);

export const GML_MEDIA_TYPE = 'application/gml+xml; version=3.2';
export const JSON_MEDIA_TYPE = 'application/json';
export const SCHEMA_MEDIA_TYPE = 'text/xml; subtype=gml/3.2';

/** OUTPUTFORMAT of GetFeature (GML 3.2 by default) */
export function outputFormat(kvp: Kvp): OutputFormat {
  const value = kvp.get('OUTPUTFORMAT');
  if (value === undefined) return 'gml';
  const n = normalise(value);
  if (gmlFormats.includes(n)) return 'gml';
  if (jsonFormats.includes(n)) return 'json';
  throw new WfsException('InvalidParameterValue', 'outputFormat', `outputFormat=${value} is not offered; formats: ${GML_MEDIA_TYPE}, ${JSON_MEDIA_TYPE}.`);
}

/** OUTPUTFORMAT of DescribeFeatureType: the GML 3.2 application schema is the only one */
export function schemaFormat(kvp: Kvp): void {
  const value = kvp.get('OUTPUTFORMAT');
  if (value !== undefined && !gmlFormats.includes(normalise(value))) {
    throw new WfsException('InvalidParameterValue', 'outputFormat', `outputFormat=${value} is not offered; the schema is ${SCHEMA_MEDIA_TYPE} (XML Schema for GML 3.2).`);
  }
}
