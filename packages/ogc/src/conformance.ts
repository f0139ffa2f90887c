// The conformance registry: modules declare the classes they implement; /conformance lists them.

const declared = new Set<string>();

/** adds conformance class URIs; called by each module when its routes are registered */
export function declareConformance(classes: readonly string[]): void {
  for (const uri of classes) declared.add(uri);
}

/** the classes declared so far, sorted */
export function conformanceClasses(): string[] {
  return [...declared].sort();
}

/** OGC API Features Part 1 and Common: the classes the feature routes implement */
export const featuresCoreConformance = [
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
] as const;
