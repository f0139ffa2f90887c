// SDMX-ML 2.1 StructureSpecific data: Series elements with the key as attributes, Obs with TIME_PERIOD, OBS_VALUE, attributes.
import { type DataMessage, type Observations, partOf, type SdmxObservation, seriesPositions } from '../dataset.ts';
import { AGENCY, MEASURE, VERSION } from '../model.ts';
import { messageHeaderXml, urn } from './urn.ts';
import { type Attrs, closeTag, el, emptyTag, openTag, XML_DECLARATION } from './xml-writer.ts';

function obsAttrs(message: DataMessage, o: SdmxObservation, positions: number[]): Attrs {
  const out: Attrs = {};
  for (const p of positions) out[message.dimensions[p] as string] = o.key[p];
  // SDMX-ML marks a missing value as NaN; its OBS_STATUS (and CONF_STATUS) says why
  out[MEASURE] = o.value === null ? 'NaN' : String(o.value);
  for (const a of message.attributes) out[a.id] = o.attributes[a.id];
  return out;
}

/**
 * The message as text chunks, one per batch of observations. The observations come in the order of the data sets
 * and series (see `streamable` and `regrouped`), so a data set or series ends where the next one begins.
 */
export async function* dataXml(message: DataMessage, observations: Observations): AsyncGenerator<string> {
  const dims = message.dimensions;
  const all = message.dimensionAtObservation === 'AllDimensions';
  const obsPositions = all ? dims.map((_, i) => i) : [dims.indexOf(message.dimensionAtObservation)];
  const positions = seriesPositions(message);
  const structureId = `${AGENCY}_${message.flow.id}_${VERSION.replace('.', '_')}`;
  const namespace = `${urn.dataflow(message.flow.id)}:ObsLevelDim:${message.dimensionAtObservation}`;
  const dataSetAttrs = (part: { action: string; validFrom?: string }): Attrs => ({
    'ss:structureRef': structureId,
    'xsi:type': 'ns1:DataSetType',
    'ss:dataScope': 'DataStructure',
    'ss:action': part.action,
    'ss:validFromDate': part.validFrom,
  });

  yield XML_DECLARATION +
    openTag('message:StructureSpecificData', {
      'xmlns:message': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message',
      'xmlns:ss': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific',
      'xmlns:common': 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common',
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xmlns:ns1': namespace,
    }) +
    messageHeaderXml(
      el(
        'message:Structure',
        { structureID: structureId, namespace, dimensionAtObservation: message.dimensionAtObservation },
        el('common:StructureUsage', {}, el('Ref', { agencyID: AGENCY, id: message.flow.id, version: VERSION })),
      ),
    );

  let part: string | undefined;
  let series: string | undefined;
  for await (const batch of observations.read()) {
    let text = '';
    for (const o of batch) {
      const head = partOf(message, o);
      if (head.id !== part) {
        if (series !== undefined) text += closeTag('Series');
        if (part !== undefined) text += closeTag('message:DataSet');
        text += openTag('message:DataSet', dataSetAttrs(head));
        part = head.id;
        series = undefined;
      }
      if (!all) {
        const key = positions.map((p) => o.key[p]).join('\u0000');
        if (key !== series) {
          if (series !== undefined) text += closeTag('Series');
          const keyAttrs: Attrs = {};
          for (const p of positions) keyAttrs[dims[p] as string] = o.key[p];
          text += openTag('Series', keyAttrs);
          series = key;
        }
      }
      text += el('Obs', obsAttrs(message, o, obsPositions));
    }
    if (text !== '') yield text;
  }
  let end = '';
  if (series !== undefined) end += closeTag('Series');
  if (part !== undefined) end += closeTag('message:DataSet');
  // a plain read is one data set, empty or not; changes have one per revision, none when nothing changed
  else if (!message.changes) end += emptyTag('message:DataSet', dataSetAttrs({ action: 'Information' }));
  yield end + closeTag('message:StructureSpecificData');
}
