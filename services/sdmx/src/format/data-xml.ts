// SDMX-ML 2.1 StructureSpecific data: Series elements with the key as attributes, Obs with TIME_PERIOD, OBS_VALUE, attributes.
import { type DataMessage, dataSetParts, type SdmxObservation } from '../dataset.ts';
import { AGENCY, MEASURE, VERSION } from '../model.ts';
import { messageHeaderXml, urn } from './urn.ts';
import { type Attrs, el, XML_DECLARATION } from './xml-writer.ts';

function obsAttrs(message: DataMessage, o: SdmxObservation, positions: number[]): Attrs {
  const out: Attrs = {};
  for (const p of positions) out[message.dimensions[p] as string] = o.key[p];
  // SDMX-ML marks a missing value as NaN; its OBS_STATUS (and CONF_STATUS) says why
  out[MEASURE] = o.value === null ? 'NaN' : String(o.value);
  for (const a of message.attributes) out[a.id] = o.attributes[a.id];
  return out;
}

export function dataXml(message: DataMessage): string {
  const dims = message.dimensions;
  const all = message.dimensionAtObservation === 'AllDimensions';
  const obsPositions = all ? dims.map((_, i) => i) : [dims.indexOf(message.dimensionAtObservation)];
  const seriesPositions = dims.map((_, i) => i).filter((i) => !obsPositions.includes(i));
  const structureId = `${AGENCY}_${message.flow.id}_${VERSION.replace('.', '_')}`;
  const namespace = `${urn.dataflow(message.flow.id)}:ObsLevelDim:${message.dimensionAtObservation}`;

  const dataSets = dataSetParts(message).map((part) => {
    let body: string[];
    if (all) {
      body = part.observations.map((o) => el('Obs', obsAttrs(message, o, obsPositions)));
    } else {
      const series = new Map<string, SdmxObservation[]>();
      for (const o of part.observations) {
        const key = seriesPositions.map((p) => o.key[p]).join('\u0000');
        const list = series.get(key);
        if (list) list.push(o);
        else series.set(key, [o]);
      }
      body = [...series.values()].map((list) => {
        const first = list[0] as SdmxObservation;
        const keyAttrs: Attrs = {};
        for (const p of seriesPositions) keyAttrs[dims[p] as string] = first.key[p];
        return el('Series', keyAttrs, list.map((o) => el('Obs', obsAttrs(message, o, obsPositions))));
      });
    }
    return el(
      'message:DataSet',
      {
        'ss:structureRef': structureId,
        'xsi:type': 'ns1:DataSetType',
        'ss:dataScope': 'DataStructure',
        'ss:action': part.action,
        'ss:validFromDate': part.validFrom,
      },
      body,
    );
  });

  return (
    XML_DECLARATION +
    el(
      'message:StructureSpecificData',
      {
        'xmlns:message': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message',
        'xmlns:ss': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific',
        'xmlns:common': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common',
        'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        'xmlns:ns1': namespace,
      },
      messageHeaderXml(
        el(
          'message:Structure',
          { structureID: structureId, namespace, dimensionAtObservation: message.dimensionAtObservation },
          el('common:StructureUsage', {}, el('Ref', { agencyID: AGENCY, id: message.flow.id, version: VERSION })),
        ),
      ),
      dataSets,
    )
  );
}
