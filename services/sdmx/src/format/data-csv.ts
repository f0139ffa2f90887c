// SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions, OBS_VALUE, the attributes; one row per observation.
import type { DataMessage, Observations } from '../dataset.ts';
import { MEASURE } from '../model.ts';
import { structureRef } from './urn.ts';

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function action(message: DataMessage, deleted: boolean): string {
  if (!message.changes) return 'I';
  return deleted ? 'D' : 'R';
}

/** the message as text chunks, one per batch of observations: written while the rows are read */
export async function* dataCsv(message: DataMessage, observations: Observations): AsyncGenerator<string> {
  const attrs = message.attributes.map((a) => a.id);
  yield `${['STRUCTURE', 'STRUCTURE_ID', 'ACTION', ...message.dimensions, MEASURE, ...attrs].join(',')}\n`;
  const structureId = structureRef(message.flow.id);
  for await (const batch of observations.read()) {
    let text = '';
    for (const o of batch) {
      const cells = [
        'dataflow',
        structureId,
        action(message, o.deleted),
        ...o.key,
        o.value === null ? '' : String(o.value),
        ...attrs.map((a) => o.attributes[a] ?? ''),
      ];
      text += `${cells.map(field).join(',')}\n`;
    }
    if (text !== '') yield text;
  }
}
