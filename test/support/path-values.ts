// A valid value for each path parameter of the gateway's OpenAPI document, for the tests that walk the document
// (test/openapi-errors.test.ts, test/support/fuzz-api.ts): the LOR units, collections, tile matrix set, viewer and SDMX
// artefacts are the bundled data's, the same for every caller; the records a caller refers to (its own or the bundle's)
// and the tile and release it requests are its to name.

/** what differs between the callers: the records, the tile and the release the requests refer to */
export interface PathRecords {
  agency: string;
  variable: string;
  indicator: string;
  target: string;
  source: string;
  key: string;
  batch: string;
  release: string;
  tile: { matrix: string; row: string; col: string };
  /** an SDMX series key of the flow DF_VAR_KITAS */
  sdmxKey: string;
}

/** a path parameter's value by operation path and name (the first match wins); throws naming a parameter without one */
export function pathValues(records: PathRecords): (path: string, name: string) => string {
  const table: Array<[RegExp, string, string]> = [
    [/^\/v1\/lor\//, 'version', '2021'],
    [/^\/v1\/lor\//, 'id', '01100101'],
    [/^\/viewer/, 'version', '2021'],
    [/^\/viewer/, 'level', 'bezirk'],
    [/^\/collections/, 'collectionId', 'lor-2021-bezirk'],
    [/^\/collections/, 'featureId', '01'],
    [/\/tiles|^\/tileMatrixSets/, 'tileMatrixSetId', 'WebMercatorQuad'],
    [/\/tiles\//, 'tileMatrix', records.tile.matrix],
    [/\/tiles\//, 'tileRow', records.tile.row],
    [/\/tiles\//, 'tileCol', records.tile.col],
    [/^\/v1\/agencies/, 'id', records.agency],
    [/^\/v1\/variables/, 'id', records.variable],
    [/^\/v1\/variables/, 'variableId', records.variable],
    [/^\/v1\/indicators/, 'id', records.indicator],
    [/^\/v1\/indicators/, 'targetId', records.target],
    [/^\/v1\/sources/, 'id', records.source],
    [/^\/v1\/admin\/keys/, 'id', records.key],
    [/^\/v1\/batches/, 'id', records.batch],
    [/^\/v1\/units/, 'unitId', '01100101'],
    [/^\/v1\/releases/, 'release', records.release],
    [/^\/sdmx/, 'agency', 'DATENPOOL'],
    [/^\/sdmx\/2\.1\/dataflow/, 'id', 'DF_VAR_EINWOHNER'],
    [/^\/sdmx\/2\.1\/datastructure/, 'id', 'DSD_VARIABLES_2021'],
    [/^\/sdmx\/2\.1\/codelist/, 'id', 'CL_LOR_2021'],
    [/^\/sdmx\/2\.1\/conceptscheme/, 'id', 'CS_DATENPOOL'],
    [/^\/sdmx/, 'version', '1.0'],
    // a small flow: a request the facade accepts reads the whole flow
    [/^\/sdmx/, 'flow', 'DF_VAR_KITAS'],
    [/^\/sdmx/, 'key', records.sdmxKey],
  ];
  return (path, name) => {
    const hit = table.find(([re, n]) => re.test(path) && n === name);
    if (!hit) throw new Error(`no valid value for path parameter ${name} of ${path}: add one to test/support/path-values.ts`);
    return hit[2];
  };
}
