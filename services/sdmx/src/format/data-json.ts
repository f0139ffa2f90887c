// SDMX-JSON 2.0 data messages: one structure, data sets of series (or flat observations) keyed by value indexes.
import { confStatusCodes, obsStatusCodes, periodRange } from '../codes.ts';
import { type DataMessage, type Observations, partOf, type SdmxObservation, seriesPositions } from '../dataset.ts';
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

/** what the structure lists, read in a first pass: each component's codes and each attribute's values, the data sets */
interface Inventory {
  /** per dimension position, the codes in the order they first appear (time periods sorted) */
  values: string[][];
  /** per message attribute, its values sorted */
  attrValues: string[][];
  dataSets: number;
}

async function inventory(message: DataMessage, observations: Observations): Promise<Inventory> {
  // each code's first place in series order: where the rows came in another order, the smallest rank seen
  const seen = message.dimensions.map(() => new Map<string, number>());
  let place = 0;
  const attrSeen = message.attributes.map(() => new Set<string>());
  const parts = new Set<string>();
  for await (const batch of observations.read()) {
    for (const o of batch) {
      const at = o.rank ?? place++;
      for (const [p, codes] of seen.entries()) {
        const code = o.key[p] as string;
        const first = codes.get(code);
        if (first === undefined || at < first) codes.set(code, at);
      }
      for (const [i, a] of message.attributes.entries()) {
        const v = o.attributes[a.id];
        if (v !== undefined) (attrSeen[i] as Set<string>).add(v);
      }
      parts.add(partOf(message, o).id);
    }
  }
  return {
    values: seen.map((codes, p) => {
      const inOrder = [...codes.entries()].sort((a, b) => a[1] - b[1]).map(([code]) => code);
      return message.dimensions[p] === TIME_DIMENSION ? inOrder.sort() : inOrder;
    }),
    attrValues: attrSeen.map((set) => [...set].sort()),
    // a plain read is one data set even when it is empty
    dataSets: message.changes ? parts.size : 1,
  };
}

/**
 * The message as text chunks. SDMX-JSON lists every code before the data sets refer to them by index, so the
 * observations are read twice: once for the structure, once to write the data sets (a series at a time, as they
 * come: see `streamable`). The text is what JSON.stringify writes for the whole message.
 */
export async function* dataJson(message: DataMessage, observations: Observations): AsyncGenerator<string> {
  const header = messageHeader();
  const dims = message.dimensions;
  const all = message.dimensionAtObservation === 'AllDimensions';
  const obsPositions = all ? dims.map((_, i) => i) : [dims.indexOf(message.dimensionAtObservation)];
  const positions = seriesPositions(message);
  const { values, attrValues, dataSets } = await inventory(message, observations);
  const index = values.map((v) => new Map(v.map((code, i) => [code, i])));
  const attrIndex = attrValues.map((v) => new Map(v.map((code, i) => [code, i])));

  const dimension = (i: number) => {
    const id = dims[i] as string;
    const labels = observations.labels.get(id);
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
  const keyOf = (o: SdmxObservation, at: number[]) => at.map((p) => (index[p] as Map<string, number>).get(o.key[p] as string)).join(':');

  const head = JSON.stringify({
    meta: { schema: DATA_JSON_SCHEMA, id: header.id, test: false, prepared: header.prepared, contentLanguages: ['en', 'de'], sender: { id: AGENCY } },
    data: {
      structures: [
        {
          links: [{ rel: 'dataflow', urn: urn.dataflow(message.flow.id), href: `${message.baseUrl}/sdmx/2.1/dataflow/${AGENCY}/${message.flow.id}/${VERSION}` }],
          dataSets: Array.from({ length: dataSets }, (_, i) => i),
          annotations: message.flow.annotations.map((a) => ({
            type: a.type,
            ...(a.title === undefined ? {} : { title: a.title }),
            ...(a.text ? { text: a.text.en, texts: { en: a.text.en, de: a.text.de } } : {}),
          })),
          dimensions: { dataSet: [], series: positions.map(dimension), observation: obsPositions.map(dimension) },
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
    },
  });
  // the data sets close the `data` object, the last member of the message
  yield `${head.slice(0, -2)},"dataSets":[`;

  const dataSetOpen = (part: { action: string; validFrom?: string }) =>
    `${JSON.stringify({ structure: 0, action: part.action, ...(part.validFrom ? { validFrom: part.validFrom } : {}) }).slice(0, -1)},"${all ? 'observations' : 'series'}":{`;
  let part: string | undefined;
  let members = 0;
  // a series is written when it ends: its observations are an object keyed by the period index, which
  // JSON.stringify writes in ascending order
  let series: { key: string; observations: Record<string, unknown[]> } | undefined;
  const endSeries = () => {
    if (!series) return '';
    const text = `${members++ > 0 ? ',' : ''}${JSON.stringify(series.key)}:${JSON.stringify({ attributes: [], observations: series.observations })}`;
    series = undefined;
    return text;
  };
  for await (const batch of observations.read()) {
    let text = '';
    for (const o of batch) {
      const head = partOf(message, o);
      if (head.id !== part) {
        text += endSeries();
        text += `${part === undefined ? '' : '}},'}${dataSetOpen(head)}`;
        part = head.id;
        members = 0;
      }
      if (all) {
        text += `${members++ > 0 ? ',' : ''}${JSON.stringify(keyOf(o, obsPositions))}:${JSON.stringify(observationArray(o))}`;
        continue;
      }
      const key = keyOf(o, positions);
      if (series?.key !== key) {
        text += endSeries();
        series = { key, observations: {} };
      }
      series.observations[keyOf(o, obsPositions)] = observationArray(o);
    }
    if (text !== '') yield text;
  }
  let end = endSeries();
  if (part !== undefined) end += '}}';
  else if (!message.changes) end += `${dataSetOpen({ action: 'Information' })}}}`;
  yield `${end}]}}`;
}
