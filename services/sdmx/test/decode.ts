// Test readers of the three SDMX data formats, written from the specifications, independent of the facade's writers.
import { parse } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** one observation as a client sees it: dimension id → code, OBS_VALUE, attributes by id */
export type Row = Record<string, string | number | null>;

export function readCsv(body: string): Row[] {
  return parse(body, { columns: true, skip_empty_lines: true }) as Row[];
}

/** SDMX-JSON 2.0: series keys and observation keys are indexes into the structure's component values */
export function readJson(message: any): Array<Row & { _action: string; _validFrom?: string }> {
  const structure = message.data.structures[0];
  const seriesDims = structure.dimensions.series ?? [];
  const obsDims = structure.dimensions.observation ?? [];
  const obsAttrs = structure.attributes.observation ?? [];
  const codeAt = (component: any, index: number) => {
    const v = component.values[index];
    return v.id ?? v.value;
  };
  const rows: Array<Row & { _action: string; _validFrom?: string }> = [];
  for (const ds of message.data.dataSets) {
    const emit = (seriesKey: number[], obsKey: number[], obs: unknown[]) => {
      const row: Row & { _action: string; _validFrom?: string } = { _action: ds.action, ...(ds.validFrom ? { _validFrom: ds.validFrom } : {}) };
      seriesDims.forEach((d: any, i: number) => {
        row[d.id] = codeAt(d, seriesKey[i] as number);
      });
      obsDims.forEach((d: any, i: number) => {
        row[d.id] = codeAt(d, obsKey[i] as number);
      });
      row.OBS_VALUE = obs[0] as number | null;
      obsAttrs.forEach((a: any, i: number) => {
        const idx = obs[i + 1] as number | null;
        row[a.id] = idx === null || idx === undefined ? null : codeAt(a, idx);
      });
      rows.push(row);
    };
    const split = (k: string) => (k === '' ? [] : k.split(':').map(Number));
    for (const [sk, series] of Object.entries<any>(ds.series ?? {})) {
      for (const [ok, obs] of Object.entries<unknown[]>(series.observations)) emit(split(sk), split(ok), obs);
    }
    for (const [ok, obs] of Object.entries<unknown[]>(ds.observations ?? {})) emit([], split(ok), obs);
  }
  return rows;
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  isArray: (name) => ['message:DataSet', 'Series', 'Obs'].includes(name),
});

export function parseXml(body: string): any {
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  return xmlParser.parse(body);
}

/** SDMX-ML 2.1 StructureSpecific: the series key as Series attributes, each Obs with its own attributes */
export function readXml(body: string): Array<Row & { _action: string }> {
  const doc = parseXml(body)['message:StructureSpecificData'];
  const rows: Array<Row & { _action: string }> = [];
  for (const ds of doc['message:DataSet'] ?? []) {
    const action = ds['ss:action'];
    const plain = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).filter(([k]) => !k.includes(':') && k !== '#text'));
    for (const series of ds.Series ?? []) {
      for (const obs of series.Obs ?? []) rows.push({ _action: action, ...plain(series), ...plain(obs) });
    }
    for (const obs of ds.Obs ?? []) rows.push({ _action: action, ...plain(obs) });
  }
  return rows;
}
