// SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions, OBS_VALUE, the attributes; one row per observation.
import { type CsvFormat, csvHeader, csvLine } from '@datenpool/service-kit';
import type { DataMessage, Observations } from '../dataset.ts';
import { MEASURE } from '../model.ts';
import { structureRef } from './urn.ts';

/** SDMX-CSV as its readers expect it: comma, decimal point, LF lines, no BOM; cells by the one CSV writer (defused) */
const SDMX_CSV: CsvFormat = { sep: 'comma', decimal: 'point', lineEnd: '\n', bom: false };

function action(message: DataMessage, deleted: boolean): string {
  if (!message.changes) return 'I';
  return deleted ? 'D' : 'R';
}

/** the message as text chunks, one per batch of observations: written while the rows are read */
export async function* dataCsv(message: DataMessage, observations: Observations): AsyncGenerator<string> {
  const attrs = message.attributes.map((a) => a.id);
  yield csvHeader(['STRUCTURE', 'STRUCTURE_ID', 'ACTION', ...message.dimensions, MEASURE, ...attrs], SDMX_CSV);
  const structureId = structureRef(message.flow.id);
  for await (const batch of observations.read()) {
    let text = '';
    for (const o of batch) {
      text += csvLine(['dataflow', structureId, action(message, o.deleted), ...o.key, o.value, ...attrs.map((a) => o.attributes[a] ?? '')], SDMX_CSV);
    }
    if (text !== '') yield text;
  }
}
