// SDMX-JSON 2.0 data messages: one structure, data sets of series (or flat observations) keyed by value indexes.
import { confStatusCodes, obsStatusCodes, periodRange } from '../codes.ts';
import { type DataMessage, dataSetParts, type SdmxObservation } from '../dataset.ts';
import { AGENCY, concepts, MEASURE, TIME_DIMENSION, VERSION } from '../model.ts';
import { messageHeader, urn } from './urn.ts';

export const DATA_JSON_SCHEMA = 'https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json';

const conceptNames = new Map(concepts.map((c) => [c.id, c.names]));
const statusNames = new Map<string, { en: string; de: string }>([
  ...obsStatusCodes.map((c) => [`OBS_STATUS:${c.id}`, c] as const),
  ...confStatusCodes.map((c) => [`CONF_STATUS:${c.id}`, c] as const),
]);

function attributeValue(attribute: string, coded: boolean, v: string) {
  if (!coded) return { value: v };
  const names = statusNames.get(`${attribute}:${v}`);
  return { id: v, ...(names ? { name: names.en, names: { en: names.en, de: names.de } } : {}) };
}

function named(id: string) {
  const names = conceptNames.get(id);
  return names ? { name: names.en, names: { en: names.en, de: names.de } } : { name: id };
}

/** the codes of one component in the order they first appear (time periods sorted), with their index */
function componentValues(message: DataMessage, position: number): string[] {
  const seen = new Set<string>();
  for (const o of message.observations) seen.add(o.key[position] as string);
  const values = [...seen];
  return message.dimensions[position] === TIME_DIMENSION ? values.sort() : values;
}

function attributeValues(message: DataMessage, id: keyof SdmxObservation['attributes']): string[] {
  const seen = new Set<string>();
  for (const o of message.observations) {
    const v = o.attributes[id];
    if (v !== undefined) seen.add(v);
  }
  return [...seen].sort();
}

export function dataJson(message: DataMessage): unknown {
  const header = messageHeader();
  const dims = message.dimensions;
  const all = message.dimensionAtObservation === 'AllDimensions';
  const obsPositions = all ? dims.map((_, i) => i) : [dims.indexOf(message.dimensionAtObservation)];
  const seriesPositions = dims.map((_, i) => i).filter((i) => !obsPositions.includes(i));
  const values = dims.map((_, i) => componentValues(message, i));
  const index = values.map((v) => new Map(v.map((code, i) => [code, i])));
  const attrValues = message.attributes.map((a) => attributeValues(message, a.id));
  const attrIndex = attrValues.map((v) => new Map(v.map((code, i) => [code, i])));

  const dimension = (i: number) => {
    const id = dims[i] as string;
    const labels = message.labels.get(id);
    return {
      id,
      ...named(id),
      keyPosition: i,
      ...(id === TIME_DIMENSION ? { roles: ['TIME_PERIOD'] } : id === 'REF_AREA' ? { roles: ['REF_AREA'] } : {}),
      values: (values[i] as string[]).map((code) => {
        if (id === TIME_DIMENSION) {
          const range = periodRange(code);
          return { value: code, ...(range ? { start: `${range.first}T00:00:00`, end: `${range.last}T23:59:59` } : {}) };
        }
        const names = labels?.get(code);
        return { id: code, ...(names ? { name: names.en, names: { en: names.en, de: names.de } } : {}) };
      }),
    };
  };

  const observationArray = (o: SdmxObservation) => [
    o.value,
    ...message.attributes.map((a, i) => {
      const v = o.attributes[a.id];
      return v === undefined ? null : ((attrIndex[i] as Map<string, number>).get(v) ?? null);
    }),
  ];
  const keyOf = (o: SdmxObservation, positions: number[]) => positions.map((p) => (index[p] as Map<string, number>).get(o.key[p] as string)).join(':');

  const dataSets = dataSetParts(message).map((part) => {
    const base = { structure: 0, action: part.action, ...(part.validFrom ? { validFrom: part.validFrom } : {}) };
    if (all) {
      const observations: Record<string, unknown[]> = {};
      for (const o of part.observations) observations[keyOf(o, obsPositions)] = observationArray(o);
      return { ...base, observations };
    }
    const series: Record<string, { attributes: never[]; observations: Record<string, unknown[]> }> = {};
    for (const o of part.observations) {
      const sk = keyOf(o, seriesPositions);
      series[sk] ??= { attributes: [], observations: {} };
      series[sk].observations[keyOf(o, obsPositions)] = observationArray(o);
    }
    return { ...base, series };
  });

  return {
    meta: { schema: DATA_JSON_SCHEMA, id: header.id, test: false, prepared: header.prepared, contentLanguages: ['en', 'de'], sender: { id: AGENCY } },
    data: {
      structures: [
        {
          links: [{ rel: 'dataflow', urn: urn.dataflow(message.flow.id), href: `/sdmx/2.1/dataflow/${AGENCY}/${message.flow.id}/${VERSION}` }],
          dataSets: dataSets.map((_, i) => i),
          annotations: message.flow.annotations.map((a) => ({
            type: a.type,
            ...(a.title === undefined ? {} : { title: a.title }),
            ...(a.text ? { text: a.text.en, texts: { en: a.text.en, de: a.text.de } } : {}),
          })),
          dimensions: { dataSet: [], series: seriesPositions.map(dimension), observation: obsPositions.map(dimension) },
          measures: { observation: [{ id: MEASURE, ...named(MEASURE), values: [] }] },
          attributes: {
            dataSet: [],
            series: [],
            observation: message.attributes.map((a, i) => ({
              id: a.id,
              ...named(a.id),
              values: (attrValues[i] as string[]).map((v) => attributeValue(a.id, a.codelist !== undefined, v)),
            })),
          },
        },
      ],
      dataSets,
    },
  };
}
