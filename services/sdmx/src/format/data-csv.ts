// SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions, OBS_VALUE, the attributes; one row per observation.
import type { DataMessage } from '../dataset.ts';
import { MEASURE } from '../model.ts';
import { structureRef } from './urn.ts';

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function action(message: DataMessage, deleted: boolean): string {
  if (!message.changes) return 'I';
  return deleted ? 'D' : 'R';
}

export function dataCsv(message: DataMessage): string {
  const attrs = message.attributes.map((a) => a.id);
  const lines = [['STRUCTURE', 'STRUCTURE_ID', 'ACTION', ...message.dimensions, MEASURE, ...attrs].join(',')];
  const structureId = structureRef(message.flow.id);
  for (const o of message.observations) {
    const cells = [
      'dataflow',
      structureId,
      action(message, o.deleted),
      ...o.key,
      o.value === null ? '' : String(o.value),
      ...attrs.map((a) => o.attributes[a] ?? ''),
    ];
    lines.push(cells.map(field).join(','));
  }
  return `${lines.join('\n')}\n`;
}
