// The one stored query WFS 2.0 requires (GetFeatureById): ListStoredQueries and DescribeStoredQueries.
import { STORED_QUERY_GET_FEATURE_BY_ID } from './capabilities.ts';
import { WfsException } from './exception.ts';
import { escapeXml, FEATURE_NS, FEATURE_PREFIX, WFS_NS, WFS_SCHEMA_LOCATION, XSI_NS } from './xml.ts';

const head = (element: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<wfs:${element} xmlns:wfs="${WFS_NS}" xmlns:xsi="${XSI_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:${FEATURE_PREFIX}="${FEATURE_NS}" xsi:schemaLocation="${WFS_SCHEMA_LOCATION}">`;

export function listStoredQueries(typeIds: readonly string[]): string {
  return `${head('ListStoredQueriesResponse')}
  <wfs:StoredQuery id="${STORED_QUERY_GET_FEATURE_BY_ID}">
    <wfs:Title>Get feature by identifier</wfs:Title>
    ${typeIds.map((id) => `<wfs:ReturnFeatureType>${FEATURE_PREFIX}:${escapeXml(id)}</wfs:ReturnFeatureType>`).join('\n    ')}
  </wfs:StoredQuery>
</wfs:ListStoredQueriesResponse>
`;
}

export function describeStoredQueries(ids: string | undefined): string {
  for (const id of ids?.split(',').map((i) => i.trim()) ?? []) {
    if (id !== STORED_QUERY_GET_FEATURE_BY_ID) {
      throw new WfsException('InvalidParameterValue', 'storedQuery_id', `storedQuery_id=${id} is not a stored query here; stored queries: ${STORED_QUERY_GET_FEATURE_BY_ID}.`);
    }
  }
  return `${head('DescribeStoredQueriesResponse')}
  <wfs:StoredQueryDescription id="${STORED_QUERY_GET_FEATURE_BY_ID}">
    <wfs:Title>Get feature by identifier</wfs:Title>
    <wfs:Abstract>The feature whose gml:id is id ({typeName}.{feature id}), alone; NotFound (404) where there is none.</wfs:Abstract>
    <wfs:Parameter name="id" type="xsd:string"/>
    <wfs:QueryExpressionText isPrivate="true" language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" returnFeatureTypes=""/>
  </wfs:StoredQueryDescription>
</wfs:DescribeStoredQueriesResponse>
`;
}
