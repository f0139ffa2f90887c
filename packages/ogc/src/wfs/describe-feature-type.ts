// DescribeFeatureType: the GML 3.2 application schema of feature types, built from each collection's properties (in
// the relation's order, typed by its queryables) and its geometry type.
import type { CollectionDescription, FeatureCollectionSource, Queryable } from '../provider.ts';
import { elementNames, escapeXml, FEATURE_NS, FEATURE_PREFIX, GML_NS, GML_SCHEMA_LOCATION, XSD_NS } from './xml.ts';

const xsdTypes: Record<Queryable['type'], string> = {
  string: 'xsd:string',
  number: 'xsd:double',
  integer: 'xsd:long',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
};

const geometryTypes: Record<string, string> = {
  Point: 'gml:PointPropertyType',
  MultiPoint: 'gml:MultiPointPropertyType',
  LineString: 'gml:CurvePropertyType',
  MultiLineString: 'gml:MultiCurvePropertyType',
  Polygon: 'gml:SurfacePropertyType',
  MultiPolygon: 'gml:MultiSurfacePropertyType',
};

/** the GML property type of a GeoJSON geometry type (any geometry where the type is not one of the simple ones) */
export function geometryPropertyType(geometryType: string): string {
  return geometryTypes[geometryType] ?? 'gml:GeometryPropertyType';
}

/** the properties a feature type has, with their element names, in the order features list them */
export function typeProperties(source: FeatureCollectionSource): Array<[name: string, element: string]> {
  const names = Object.keys(source.relation({}).properties);
  const elements = elementNames(names);
  return names.map((n) => [n, elements.get(n) as string]);
}

export function schemaDocument(types: ReadonlyArray<{ source: FeatureCollectionSource; description: CollectionDescription }>): string {
  const definitions = types.map(({ source, description }) => {
    const elements = typeProperties(source).map(([name, element]) => {
      const type = source.queryables.find((q) => q.name === name)?.type ?? 'string';
      return `<xsd:element name="${escapeXml(element)}" type="${xsdTypes[type]}" minOccurs="0" nillable="true"/>`;
    });
    const id = escapeXml(source.id);
    return `<xsd:complexType name="${id}Type">
    <xsd:complexContent>
      <xsd:extension base="gml:AbstractFeatureType">
        <xsd:sequence>
          ${[...elements, `<xsd:element name="geometry" type="${geometryPropertyType(description.geometryType)}" minOccurs="0" nillable="true"/>`].join('\n          ')}
        </xsd:sequence>
      </xsd:extension>
    </xsd:complexContent>
  </xsd:complexType>
  <xsd:element name="${id}" type="${FEATURE_PREFIX}:${id}Type" substitutionGroup="gml:AbstractFeature"/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="${XSD_NS}" xmlns:gml="${GML_NS}" xmlns:${FEATURE_PREFIX}="${FEATURE_NS}" targetNamespace="${FEATURE_NS}" elementFormDefault="qualified" version="1.0">
  <xsd:import namespace="${GML_NS}" schemaLocation="${GML_SCHEMA_LOCATION}"/>
  ${definitions.join('\n  ')}
</xsd:schema>
`;
}
