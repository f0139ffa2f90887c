// SDMX URNs and the header fields every message carries.
import { randomUUID } from 'node:crypto';
import { AGENCY, CONCEPT_SCHEME, VERSION } from '../model.ts';

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
