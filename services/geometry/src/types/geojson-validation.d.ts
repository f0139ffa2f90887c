// Type declarations for geojson-validation (the package ships none): the checks the importer uses.
declare module 'geojson-validation' {
  /** with trace = true: the list of problems, empty when valid */
  export function isFeature(feature: unknown, trace: true): string[];
  export function isFeature(feature: unknown, trace?: false): boolean;
  export function valid(object: unknown, trace: true): string[];
}
