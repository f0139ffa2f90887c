// Conformance classes of OGC API Features Part 1 and Common; each other module exports the classes it implements
// (crs.ts, sorting.ts, schema.ts, cql2/parse-filter.ts), and the features plugin declares those of what it mounts.

/** OGC API Features Part 1 and Common: the classes the feature routes implement */
export const featuresCoreConformance = [
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
] as const;
