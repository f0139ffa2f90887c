// JSON bodies: size-limited, nesting-checked before JSON.parse, then read as raw rows.
import { MalformedBody, type RawRow } from '../pipeline/rows.ts';

/** deeper nesting than any valid observation document needs; a bomb stops here with a 400 */
const MAX_DEPTH = 32;

/** refuses nesting bombs without recursion: JSON.parse itself is never handed them */
export function checkNesting(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) throw new MalformedBody(`The JSON is nested deeper than ${MAX_DEPTH} levels.`);
    } else if (c === 125 || c === 93) depth--;
  }
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new MalformedBody('The body is empty.');
  checkNesting(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MalformedBody(`The body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

/** `{"observations":[{unit, date, value, breakdown?, status?, action?}]}` or a bare array of them */
export function* jsonRows(document: unknown): Generator<RawRow> {
  const list = Array.isArray(document)
    ? document
    : document && typeof document === 'object' && Array.isArray((document as { observations?: unknown }).observations)
      ? (document as { observations: unknown[] }).observations
      : undefined;
  if (!list) throw new MalformedBody('The JSON body must be {"observations": [ … ]} or an array of observations.');
  let row = 0;
  for (const item of list) {
    row++;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      yield { row, breakdown: {}, errors: [{ row, field: 'row', code: 'not-an-object', message: 'An observation must be a JSON object.' }] };
      continue;
    }
    const o = item as Record<string, unknown>;
    const breakdown = o.breakdown;
    const out: RawRow = { row, unit: o.unit, date: o.date, value: o.value, status: o.status, action: o.action, breakdown: {} };
    if (breakdown !== undefined && breakdown !== null) {
      if (typeof breakdown !== 'object' || Array.isArray(breakdown)) {
        out.errors = [{ row, field: 'breakdown', code: 'not-an-object', message: 'breakdown must be an object {"dimension": "code"}.' }];
      } else {
        for (const [dim, code] of Object.entries(breakdown)) {
          if (typeof code === 'string') out.breakdown[dim] = code;
          else {
            out.errors = out.errors ?? [];
            out.errors.push({ row, field: dim, code: 'not-a-string', message: `The code of ${dim} must be a string.` });
          }
        }
      }
    }
    yield out;
  }
}
