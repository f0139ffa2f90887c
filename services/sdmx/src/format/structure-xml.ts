// SDMX-ML 2.1 Structure messages: dataflows, data structure definitions, codelists, the concept scheme.
import {
  AGENCY,
  type Annotation,
  attributes,
  CONCEPT_SCHEME,
  type Codelist,
  concepts,
  type Dsd,
  type Flow,
  MEASURE,
  type Names,
  TIME_DIMENSION,
  VERSION,
} from '../model.ts';
import { messageHeaderXml, urn } from './urn.ts';
import { el, textEl, XML_DECLARATION } from './xml-writer.ts';

export interface StructureBundle {
  dataflows: Flow[];
  dataStructures: Dsd[];
  codelists: Codelist[];
  concepts: boolean;
}

const NS = {
  'xmlns:message': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message',
  'xmlns:structure': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure',
  'xmlns:common': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
};

function nameEls(names: Names): string[] {
  return [textEl('common:Name', { 'xml:lang': 'en' }, names.en), textEl('common:Name', { 'xml:lang': 'de' }, names.de)];
}

function annotationsEl(annotations: Annotation[]): string | undefined {
  if (annotations.length === 0) return undefined;
  return el(
    'common:Annotations',
    {},
    annotations.map((a) =>
      el(
        'common:Annotation',
        {},
        a.title === undefined ? undefined : textEl('common:AnnotationTitle', {}, a.title),
        textEl('common:AnnotationType', {}, a.type),
        a.text ? [textEl('common:AnnotationText', { 'xml:lang': 'en' }, a.text.en), textEl('common:AnnotationText', { 'xml:lang': 'de' }, a.text.de)] : undefined,
      ),
    ),
  );
}

const maintainable = (id: string, u: string) => ({ id, urn: u, agencyID: AGENCY, version: VERSION, isFinal: 'true' });

function conceptRef(id: string): string {
  return el(
    'structure:ConceptIdentity',
    {},
    el('Ref', { id, maintainableParentID: CONCEPT_SCHEME, maintainableParentVersion: VERSION, agencyID: AGENCY, package: 'conceptscheme', class: 'Concept' }),
  );
}

function enumeration(codelist: string): string {
  return el(
    'structure:LocalRepresentation',
    {},
    el('structure:Enumeration', {}, el('Ref', { id: codelist, version: VERSION, agencyID: AGENCY, package: 'codelist', class: 'Codelist' })),
  );
}

function textFormat(textType: string): string {
  return el('structure:LocalRepresentation', {}, el('structure:TextFormat', { textType }));
}

function dataStructureEl(dsd: Dsd): string {
  const dimensions = dsd.dimensions.map((d, i) =>
    el('structure:Dimension', { id: d.id, urn: urn.component('Dimension', dsd.id, d.id), position: i + 1 }, conceptRef(d.id), enumeration(d.codelist)),
  );
  const time = el(
    'structure:TimeDimension',
    { id: TIME_DIMENSION, urn: urn.component('TimeDimension', dsd.id, TIME_DIMENSION), position: dsd.dimensions.length + 1 },
    conceptRef(TIME_DIMENSION),
    textFormat('ObservationalTimePeriod'),
  );
  const attributeEls = attributes.map((a) =>
    el(
      'structure:Attribute',
      { id: a.id, urn: urn.component('DataAttribute', dsd.id, a.id), assignmentStatus: 'Conditional' },
      conceptRef(a.id),
      a.codelist ? enumeration(a.codelist) : textFormat('DateTime'),
      el('structure:AttributeRelationship', {}, el('structure:PrimaryMeasure', {}, el('Ref', { id: MEASURE }))),
    ),
  );
  return el(
    'structure:DataStructure',
    maintainable(dsd.id, urn.dataStructure(dsd.id)),
    nameEls(dsd.names),
    el(
      'structure:DataStructureComponents',
      {},
      el('structure:DimensionList', { id: 'DimensionDescriptor', urn: urn.component('DimensionDescriptor', dsd.id, 'DimensionDescriptor') }, dimensions, time),
      el('structure:AttributeList', { id: 'AttributeDescriptor', urn: urn.component('AttributeDescriptor', dsd.id, 'AttributeDescriptor') }, attributeEls),
      el(
        'structure:MeasureList',
        { id: 'MeasureDescriptor', urn: urn.component('MeasureDescriptor', dsd.id, 'MeasureDescriptor') },
        el('structure:PrimaryMeasure', { id: MEASURE, urn: urn.component('PrimaryMeasure', dsd.id, MEASURE) }, conceptRef(MEASURE), textFormat('Double')),
      ),
    ),
  );
}

function dataflowEl(flow: Flow): string {
  return el(
    'structure:Dataflow',
    maintainable(flow.id, urn.dataflow(flow.id)),
    annotationsEl(flow.annotations),
    nameEls(flow.names),
    el('structure:Structure', {}, el('Ref', { id: flow.dsd.id, version: VERSION, agencyID: AGENCY, package: 'datastructure', class: 'DataStructure' })),
  );
}

function codelistEl(list: Codelist): string {
  return el(
    'structure:Codelist',
    maintainable(list.id, urn.codelist(list.id)),
    nameEls(list.names),
    list.codes.map((c) =>
      el(
        'structure:Code',
        { id: c.id, urn: urn.code(list.id, c.id) },
        nameEls(c.names),
        c.parent ? el('structure:Parent', {}, el('Ref', { id: c.parent })) : undefined,
      ),
    ),
  );
}

function conceptSchemeEl(): string {
  return el(
    'structure:ConceptScheme',
    maintainable(CONCEPT_SCHEME, urn.conceptScheme()),
    nameEls({ de: 'Konzepte des Datenpools', en: 'Concepts of the Datenpool' }),
    concepts.map((c) => el('structure:Concept', { id: c.id, urn: urn.concept(c.id) }, nameEls(c.names))),
  );
}

/** the message; its parts in the order the SDMX-ML 2.1 schema's StructuresType prescribes */
export function structureXml(bundle: StructureBundle): string {
  return (
    XML_DECLARATION +
    el(
      'message:Structure',
      NS,
      messageHeaderXml(),
      el(
        'message:Structures',
        {},
        bundle.dataflows.length ? el('structure:Dataflows', {}, bundle.dataflows.map(dataflowEl)) : undefined,
        bundle.codelists.length ? el('structure:Codelists', {}, bundle.codelists.map(codelistEl)) : undefined,
        bundle.concepts ? el('structure:Concepts', {}, conceptSchemeEl()) : undefined,
        bundle.dataStructures.length ? el('structure:DataStructures', {}, bundle.dataStructures.map(dataStructureEl)) : undefined,
      ),
    )
  );
}
