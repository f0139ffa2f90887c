// The XML vocabulary of the WFS: namespaces, escaping, and feature property names made into element names.

export const WFS_NS = 'http://www.opengis.net/wfs/2.0';
export const OWS_NS = 'http://www.opengis.net/ows/1.1';
export const FES_NS = 'http://www.opengis.net/fes/2.0';
export const GML_NS = 'http://www.opengis.net/gml/3.2';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

/** the namespace of the feature types (one per collection) and the prefix they are advertised with */
export const FEATURE_NS = 'urn:datenpool:features';
export const FEATURE_PREFIX = 'datenpool';

export const WFS_SCHEMA_LOCATION = `${WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd`;
export const GML_SCHEMA_LOCATION = 'http://schemas.opengis.net/gml/3.2.1/gml.xsd';

/** characters XML 1.0 does not allow at all (a control character in a delivered value) */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to drop
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** text or attribute content, escaped; characters XML cannot carry are dropped */
export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const NCNAME = /^[\p{L}_][\p{L}\p{N}._-]*$/u;

export function isNcName(value: string): boolean {
  return NCNAME.test(value);
}

/**
 * each property name as an XML element name (an NCName): names that are one already stay as they are, others (a
 * delivered property with a space, a leading digit) get `_` for what an element name cannot hold, made unique
 */
export function elementNames(properties: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>(['geometry']);
  for (const property of properties) {
    let name = isNcName(property) ? property : property.replace(/[^\p{L}\p{N}._-]/gu, '_').replace(/^(?=[\p{N}.-]|$)/u, '_');
    if (taken.has(name)) {
      let n = 2;
      while (taken.has(`${name}_${n}`)) n++;
      name = `${name}_${n}`;
    }
    taken.add(name);
    names.set(property, name);
  }
  return names;
}

/** the gml:id of a feature: `{collection}.{feature id}`, the feature id with what an NCName cannot hold escaped */
export function gmlId(collectionId: string, featureId: string): string {
  return `${collectionId}.${featureId.replace(/[^A-Za-z0-9_-]/g, (c) => `.${c.codePointAt(0)?.toString(16).padStart(4, '0')}.`)}`;
}

/** the feature id a gml:id (a RESOURCEID) names, undefined where it is not one of this collection */
export function featureIdOf(collectionId: string, resourceId: string): string | undefined {
  if (!resourceId.startsWith(`${collectionId}.`)) return undefined;
  const escaped = resourceId.slice(collectionId.length + 1);
  if (escaped === '') return undefined;
  let malformed = false;
  const id = escaped.replace(/\.([0-9a-f]{4,6})\.|\./g, (all, hex: string | undefined) => {
    if (hex === undefined) {
      malformed = true;
      return all;
    }
    return String.fromCodePoint(Number.parseInt(hex, 16));
  });
  return malformed ? undefined : id;
}
