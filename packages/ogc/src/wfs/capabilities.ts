// GetCapabilities: the service, its operations and constraints, every collection as a feature type, and the
// Filter_Capabilities of what the FILTER parameter really understands (fes.ts).
import type { CollectionDescription } from '../provider.ts';
import { WfsException } from './exception.ts';
import { comparisonOperators, spatialOperators } from './fes.ts';
import { GML_MEDIA_TYPE, JSON_MEDIA_TYPE, type Kvp, SCHEMA_MEDIA_TYPE, VERSION, VERSIONS } from './kvp.ts';
import { crsUrn, offeredCrs } from './srs.ts';
import { escapeXml, FEATURE_NS, FEATURE_PREFIX, FES_NS, GML_NS, OWS_NS, WFS_NS, WFS_SCHEMA_LOCATION, XLINK_NS, XSI_NS } from './xml.ts';

export interface ServiceInformation {
  title: string;
  abstract: string;
  provider: string;
  /** where the operations are requested: `{base}/wfs` */
  endpoint: string;
  /** the largest COUNT (the default too) */
  countDefault: number;
}

export const STORED_QUERY_GET_FEATURE_BY_ID = 'urn:ogc:def:query:OGC-WFS::GetFeatureById';

const SECTIONS = ['ServiceIdentification', 'ServiceProvider', 'OperationsMetadata', 'FeatureTypeList', 'Filter_Capabilities'] as const;
type Section = (typeof SECTIONS)[number];

/** SECTIONS (all when absent or All); ACCEPTFORMATS must allow XML */
export function requestedSections(kvp: Kvp): Set<Section> {
  const formats = kvp.get('ACCEPTFORMATS');
  if (formats !== undefined && !formats.split(',').some((f) => /^(text|application)\/xml$/i.test(f.trim()))) {
    throw new WfsException('InvalidParameterValue', 'acceptFormats', `acceptFormats=${formats}: the capabilities are offered as text/xml only.`);
  }
  const value = kvp.get('SECTIONS');
  if (value === undefined) return new Set(SECTIONS);
  const sections = new Set<Section>();
  for (const name of value.split(',').map((s) => s.trim())) {
    if (name.toLowerCase() === 'all') return new Set(SECTIONS);
    const section = SECTIONS.find((s) => s.toLowerCase() === name.toLowerCase());
    if (!section) throw new WfsException('InvalidParameterValue', 'sections', `sections: ${name} is not a section; sections: All, ${SECTIONS.join(', ')}.`);
    sections.add(section);
  }
  return sections;
}

const constraint = (name: string, value: string) =>
  `<ows:Constraint name="${name}"><ows:NoValues/><ows:DefaultValue>${value}</ows:DefaultValue></ows:Constraint>`;
const allowed = (name: string, values: readonly string[], element = 'Parameter') =>
  `<ows:${element} name="${name}"><ows:AllowedValues>${values.map((v) => `<ows:Value>${escapeXml(v)}</ows:Value>`).join('')}</ows:AllowedValues></ows:${element}>`;

function operationsMetadata(info: ServiceInformation): string {
  const dcp = `<ows:DCP><ows:HTTP><ows:Get xlink:href="${escapeXml(`${info.endpoint}?`)}"/></ows:HTTP></ows:DCP>`;
  const operation = (name: string, parameters = '') => `<ows:Operation name="${name}">${dcp}${parameters}</ows:Operation>`;
  return `<ows:OperationsMetadata>
    ${operation('GetCapabilities', allowed('AcceptVersions', VERSIONS) + allowed('AcceptFormats', ['text/xml']) + allowed('Sections', ['ServiceIdentification', 'ServiceProvider', 'OperationsMetadata', 'FeatureTypeList', 'Filter_Capabilities']))}
    ${operation('DescribeFeatureType', allowed('outputFormat', [SCHEMA_MEDIA_TYPE]))}
    ${operation('GetFeature', allowed('outputFormat', [GML_MEDIA_TYPE, JSON_MEDIA_TYPE]) + allowed('resultType', ['results', 'hits']))}
    ${operation('ListStoredQueries')}
    ${operation('DescribeStoredQueries')}
    ${allowed('version', VERSIONS)}
    ${constraint('ImplementsBasicWFS', 'FALSE')}
    ${constraint('ImplementsSimpleWFS', 'TRUE')}
    ${constraint('ImplementsTransactionalWFS', 'FALSE')}
    ${constraint('ImplementsLockingWFS', 'FALSE')}
    ${constraint('KVPEncoding', 'TRUE')}
    ${constraint('XMLEncoding', 'FALSE')}
    ${constraint('SOAPEncoding', 'FALSE')}
    ${constraint('ImplementsInheritance', 'FALSE')}
    ${constraint('ImplementsRemoteResolve', 'FALSE')}
    ${constraint('ImplementsResultPaging', 'TRUE')}
    ${constraint('ImplementsStandardJoins', 'FALSE')}
    ${constraint('ImplementsSpatialJoins', 'FALSE')}
    ${constraint('ImplementsTemporalJoins', 'FALSE')}
    ${constraint('ImplementsFeatureVersioning', 'FALSE')}
    ${constraint('ManageStoredQueries', 'FALSE')}
    ${constraint('CountDefault', String(info.countDefault))}
    ${allowed('QueryExpressions', ['wfs:Query', 'wfs:StoredQuery'], 'Constraint')}
  </ows:OperationsMetadata>`;
}

function featureType(d: CollectionDescription): string {
  const bbox = d.extent.spatial?.bbox[0];
  return `<wfs:FeatureType>
      <wfs:Name>${FEATURE_PREFIX}:${escapeXml(d.id)}</wfs:Name>
      <wfs:Title>${escapeXml(d.title)}</wfs:Title>
      ${d.description ? `<wfs:Abstract>${escapeXml(d.description)}</wfs:Abstract>` : ''}
      <wfs:DefaultCRS>${crsUrn(defaultSrid(d))}</wfs:DefaultCRS>
      ${offeredCrs
        .filter((c) => c.srid !== defaultSrid(d))
        .map((c) => `<wfs:OtherCRS>${crsUrn(c.srid)}</wfs:OtherCRS>`)
        .join('')}
      <wfs:OutputFormats><wfs:Format>${GML_MEDIA_TYPE}</wfs:Format><wfs:Format>${JSON_MEDIA_TYPE}</wfs:Format></wfs:OutputFormats>
      ${bbox ? `<ows:WGS84BoundingBox><ows:LowerCorner>${bbox[0]} ${bbox[1]}</ows:LowerCorner><ows:UpperCorner>${bbox[2]} ${bbox[3]}</ows:UpperCorner></ows:WGS84BoundingBox>` : ''}
    </wfs:FeatureType>`;
}

/** the SRID of a collection's storage CRS, which is its DefaultCRS */
export function defaultSrid(d: Pick<CollectionDescription, 'storageCrs'>): number {
  const srid = Number(/(\d+)$/.exec(d.storageCrs)?.[1]);
  return Number.isInteger(srid) && offeredCrs.some((c) => c.srid === srid) ? srid : 25833;
}

function filterCapabilities(): string {
  const conformance = [
    ['ImplementsQuery', 'TRUE'],
    ['ImplementsAdHocQuery', 'TRUE'],
    ['ImplementsFunctions', 'FALSE'],
    ['ImplementsResourceId', 'TRUE'],
    ['ImplementsMinStandardFilter', 'TRUE'],
    ['ImplementsStandardFilter', 'FALSE'],
    ['ImplementsMinSpatialFilter', 'TRUE'],
    ['ImplementsSpatialFilter', 'FALSE'],
    ['ImplementsMinTemporalFilter', 'FALSE'],
    ['ImplementsTemporalFilter', 'FALSE'],
    ['ImplementsVersionNav', 'FALSE'],
    ['ImplementsSorting', 'TRUE'],
    ['ImplementsExtendedOperators', 'FALSE'],
    ['ImplementsMinimumXPath', 'FALSE'],
    ['ImplementsSchemaElementFunc', 'FALSE'],
  ];
  return `<fes:Filter_Capabilities>
    <fes:Conformance>${conformance.map(([n, v]) => `<fes:Constraint name="${n}"><ows:NoValues/><ows:DefaultValue>${v}</ows:DefaultValue></fes:Constraint>`).join('')}</fes:Conformance>
    <fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/></fes:Id_Capabilities>
    <fes:Scalar_Capabilities>
      <fes:LogicalOperators/>
      <fes:ComparisonOperators>${comparisonOperators.map((o) => `<fes:ComparisonOperator name="${o}"/>`).join('')}</fes:ComparisonOperators>
    </fes:Scalar_Capabilities>
    <fes:Spatial_Capabilities>
      <fes:GeometryOperands><fes:GeometryOperand name="gml:Envelope"/><fes:GeometryOperand name="gml:Point"/><fes:GeometryOperand name="gml:LineString"/><fes:GeometryOperand name="gml:Polygon"/></fes:GeometryOperands>
      <fes:SpatialOperators>${spatialOperators.map((o) => `<fes:SpatialOperator name="${o}"/>`).join('')}</fes:SpatialOperators>
    </fes:Spatial_Capabilities>
  </fes:Filter_Capabilities>`;
}

export function capabilitiesDocument(info: ServiceInformation, types: readonly CollectionDescription[], sections: Set<Section>): string {
  const parts: string[] = [];
  if (sections.has('ServiceIdentification')) {
    parts.push(`<ows:ServiceIdentification>
    <ows:Title>${escapeXml(info.title)}</ows:Title>
    <ows:Abstract>${escapeXml(info.abstract)}</ows:Abstract>
    <ows:ServiceType codeSpace="OGC">WFS</ows:ServiceType>
    ${VERSIONS.map((v) => `<ows:ServiceTypeVersion>${v}</ows:ServiceTypeVersion>`).join('')}
    <ows:Fees>NONE</ows:Fees>
    <ows:AccessConstraints>NONE</ows:AccessConstraints>
  </ows:ServiceIdentification>`);
  }
  if (sections.has('ServiceProvider')) {
    parts.push(`<ows:ServiceProvider><ows:ProviderName>${escapeXml(info.provider)}</ows:ProviderName><ows:ServiceContact/></ows:ServiceProvider>`);
  }
  if (sections.has('OperationsMetadata')) parts.push(operationsMetadata(info));
  if (sections.has('FeatureTypeList')) parts.push(`<wfs:FeatureTypeList>\n    ${types.map(featureType).join('\n    ')}\n  </wfs:FeatureTypeList>`);
  if (sections.has('Filter_Capabilities')) parts.push(filterCapabilities());
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:WFS_Capabilities version="${VERSION}" xmlns:wfs="${WFS_NS}" xmlns:ows="${OWS_NS}" xmlns:fes="${FES_NS}" xmlns:gml="${GML_NS}" xmlns:xlink="${XLINK_NS}" xmlns:xsi="${XSI_NS}" xmlns:${FEATURE_PREFIX}="${FEATURE_NS}" xsi:schemaLocation="${WFS_SCHEMA_LOCATION}">
  ${parts.join('\n  ')}
</wfs:WFS_Capabilities>
`;
}
