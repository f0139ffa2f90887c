// SDMX-JSON 2.0 structure messages (the JSON form of the same structures as the SDMX-ML ones).
import { AGENCY, type Annotation, attributes, CONCEPT_SCHEME, type Codelist, concepts, type Dsd, type Flow, MEASURE, type Names, TIME_DIMENSION, VERSION } from '../model.ts';
import type { StructureBundle } from './structure-xml.ts';
import { messageHeader, urn } from './urn.ts';

export const STRUCTURE_JSON_SCHEMA =
  'https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/tools/schemas/2.0.0/sdmx-json-structure-schema.json';

function named(names: Names) {
  return { name: names.en, names: { en: names.en, de: names.de } };
}

function annotationsJson(annotations: Annotation[]) {
  return annotations.map((a) => ({
    type: a.type,
    ...(a.title === undefined ? {} : { title: a.title }),
    ...(a.text ? { text: a.text.en, texts: { en: a.text.en, de: a.text.de } } : {}),
  }));
}

const maintainable = (id: string, u: string) => ({ id, version: VERSION, agencyID: AGENCY, isExternalReference: false, isFinal: true, urn: u });

function dataflowJson(flow: Flow) {
  return {
    ...maintainable(flow.id, urn.dataflow(flow.id)),
    ...named(flow.names),
    annotations: annotationsJson(flow.annotations),
    structure: urn.dataStructure(flow.dsd.id),
  };
}

function dataStructureJson(dsd: Dsd) {
  return {
    ...maintainable(dsd.id, urn.dataStructure(dsd.id)),
    ...named(dsd.names),
    dataStructureComponents: {
      dimensionList: {
        id: 'DimensionDescriptor',
        urn: urn.component('DimensionDescriptor', dsd.id, 'DimensionDescriptor'),
        dimensions: dsd.dimensions.map((d, i) => ({
          id: d.id,
          urn: urn.component('Dimension', dsd.id, d.id),
          position: i,
          type: 'Dimension',
          conceptIdentity: urn.concept(d.id),
          localRepresentation: { enumeration: urn.codelist(d.codelist) },
        })),
        timeDimensions: [
          {
            id: TIME_DIMENSION,
            urn: urn.component('TimeDimension', dsd.id, TIME_DIMENSION),
            position: dsd.dimensions.length,
            type: 'TimeDimension',
            conceptIdentity: urn.concept(TIME_DIMENSION),
            localRepresentation: { format: { dataType: 'ObservationalTimePeriod' } },
          },
        ],
      },
      attributeList: {
        id: 'AttributeDescriptor',
        urn: urn.component('AttributeDescriptor', dsd.id, 'AttributeDescriptor'),
        attributes: attributes.map((a) => ({
          id: a.id,
          urn: urn.component('DataAttribute', dsd.id, a.id),
          usage: 'optional',
          attributeRelationship: { observation: {} },
          measureRelationship: [MEASURE],
          conceptIdentity: urn.concept(a.id),
          localRepresentation: a.codelist ? { enumeration: urn.codelist(a.codelist) } : { format: { dataType: 'DateTime' } },
        })),
      },
      measureList: {
        id: 'MeasureDescriptor',
        urn: urn.component('MeasureDescriptor', dsd.id, 'MeasureDescriptor'),
        measures: [
          {
            id: MEASURE,
            urn: urn.component('PrimaryMeasure', dsd.id, MEASURE),
            usage: 'optional',
            conceptIdentity: urn.concept(MEASURE),
            localRepresentation: { format: { dataType: 'Double' } },
          },
        ],
      },
    },
  };
}

function codelistJson(list: Codelist) {
  return {
    ...maintainable(list.id, urn.codelist(list.id)),
    ...named(list.names),
    codes: list.codes.map((c) => ({ id: c.id, urn: urn.code(list.id, c.id), ...named(c.names), ...(c.parent ? { parent: c.parent } : {}) })),
  };
}

function conceptSchemeJson() {
  return {
    ...maintainable(CONCEPT_SCHEME, urn.conceptScheme()),
    ...named({ de: 'Konzepte des Datenpools', en: 'Concepts of the Datenpool' }),
    concepts: concepts.map((c) => ({ id: c.id, urn: urn.concept(c.id), ...named(c.names) })),
  };
}

export function structureJson(bundle: StructureBundle): unknown {
  const header = messageHeader();
  return {
    meta: {
      schema: STRUCTURE_JSON_SCHEMA,
      id: header.id,
      test: false,
      prepared: header.prepared,
      contentLanguages: ['en', 'de'],
      sender: { id: AGENCY },
    },
    data: {
      ...(bundle.dataflows.length ? { dataflows: bundle.dataflows.map(dataflowJson) } : {}),
      ...(bundle.dataStructures.length ? { dataStructures: bundle.dataStructures.map(dataStructureJson) } : {}),
      ...(bundle.codelists.length ? { codelists: bundle.codelists.map(codelistJson) } : {}),
      ...(bundle.concepts ? { conceptSchemes: [conceptSchemeJson()] } : {}),
    },
  };
}
