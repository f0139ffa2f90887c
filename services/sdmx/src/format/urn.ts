// SDMX URNs, the header fields every message carries, and the SDMX-ML header element.
import { randomUUID } from 'node:crypto';
import { AGENCY, CONCEPT_SCHEME, VERSION } from '../model.ts';
import { el, textEl } from './xml-writer.ts';

const ref = (id: string) => `${AGENCY}:${id}(${VERSION})`;

export const urn = {
  codelist: (id: string) => `urn:sdmx:org.sdmx.infomodel.codelist.Codelist=${ref(id)}`,
  code: (list: string, id: string) => `urn:sdmx:org.sdmx.infomodel.codelist.Code=${ref(list)}.${id}`,
  conceptScheme: () => `urn:sdmx:org.sdmx.infomodel.conceptscheme.ConceptScheme=${ref(CONCEPT_SCHEME)}`,
  concept: (id: string) => `urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=${ref(CONCEPT_SCHEME)}.${id}`,
  dataStructure: (id: string) => `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=${ref(id)}`,
  dataflow: (id: string) => `urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=${ref(id)}`,
  component: (
    kind: 'Dimension' | 'TimeDimension' | 'DataAttribute' | 'PrimaryMeasure' | 'DimensionDescriptor' | 'AttributeDescriptor' | 'MeasureDescriptor',
    dsd: string,
    id: string,
  ) =>
    `urn:sdmx:org.sdmx.infomodel.datastructure.${kind}=${ref(dsd)}.${id}`,
};

/** `DATENPOOL:DF_X(1.0)`, the SDMX-CSV STRUCTURE_ID */
export const structureRef = ref;

export function messageHeader(): { id: string; prepared: string } {
  return { id: `DATENPOOL-${randomUUID()}`, prepared: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** the SDMX-ML `message:Header` of a new message (id, test flag, preparation time, sender), then `extra` elements */
export function messageHeaderXml(...extra: string[]): string {
  const header = messageHeader();
  return el(
    'message:Header',
    {},
    textEl('message:ID', {}, header.id),
    textEl('message:Test', {}, 'false'),
    textEl('message:Prepared', {}, header.prepared),
    el('message:Sender', { id: AGENCY }),
    ...extra,
  );
}
