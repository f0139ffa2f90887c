// CSV and SDMX-CSV 2.0 bodies streamed through csv-parse into raw rows (header row 0, data from 1).
import { once } from 'node:events';
import { CsvError, parse } from 'csv-parse';
import { MalformedBody, type RawRow } from '../pipeline/rows.ts';

/** a single field or record longer than this is a malformed body, not a value */
const MAX_RECORD_CHARS = 64 * 1024;

/** SDMX-CSV columns that carry no dimension of ours */
const SDMX_IGNORED = new Set(['structure', 'structure_id', 'structure_name', 'freq', 'unit_measure', 'unit_mult', 'decimals', 'obs_conf', 'comment']);
const SDMX_UNIT = new Set(['lor', 'lor_unit', 'ref_area', 'unit']);

type Role = 'unit' | 'date' | 'value' | 'status' | 'action' | 'ignore' | { dim: string };

function csvRole(name: string): Role {
  if (name === 'unit' || name === 'date' || name === 'value' || name === 'status') return name;
  return { dim: name };
}

function sdmxRole(name: string): Role {
  if (SDMX_UNIT.has(name)) return 'unit';
  if (name === 'time_period') return 'date';
  if (name === 'obs_value') return 'value';
  if (name === 'obs_status') return 'status';
  if (name === 'action') return 'action';
  if (SDMX_IGNORED.has(name)) return 'ignore';
  return { dim: name };
}

/** semicolon when the header line has one, else comma */
async function* withDelimiter(source: AsyncIterable<string>, found: (d: string) => void): AsyncGenerator<string> {
  let head = '';
  let decided = false;
  for await (const text of source) {
    if (decided) {
      yield text;
      continue;
    }
    head += text;
    const eol = head.indexOf('\n');
    if (eol < 0 && head.length < MAX_RECORD_CHARS) continue;
    const line = eol < 0 ? head : head.slice(0, eol);
    found(line.includes(';') ? ';' : ',');
    decided = true;
    yield head;
  }
  if (!decided) {
    found(head.includes(';') ? ';' : ',');
    if (head) yield head;
  }
}

function asMalformed(err: unknown, row: number): unknown {
  if (err instanceof CsvError) return new MalformedBody(`The CSV is malformed near data row ${row + 1}: ${err.message.slice(0, 200)}`);
  return err;
}

export async function* csvRows(source: AsyncIterable<string>, options: { sdmx: boolean; rename?: Record<string, string> }): AsyncGenerator<RawRow> {
  let delimiter = ',';
  const text = withDelimiter(source, (d) => {
    delimiter = d;
  });
  const first = await text.next();
  if (first.done) throw new MalformedBody('The body is empty; a header row and data rows are expected.');
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  let feedError: unknown;
  const feed = (async () => {
    try {
      if (!parser.write(first.value)) await once(parser, 'drain');
      for await (const chunk of text) if (!parser.write(chunk)) await once(parser, 'drain');
      parser.end();
    } catch (err) {
      feedError = err;
      parser.destroy(err as Error);
    }
  })();

  let roles: Role[] | undefined;
  let row = 0;
  let completed = false;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!roles) {
        const names = record.map((n) => {
          const name = n.trim().toLowerCase();
          return options.rename?.[name] ?? name;
        });
        if (names.some((n) => n === '')) throw new MalformedBody('The header row has an empty column name.');
        roles = names.map(options.sdmx ? sdmxRole : csvRole);
        // two columns for one role (e.g. two `unit` columns): which one counts would be a guess
        const keys = roles.map((r) => (typeof r === 'string' ? r : `breakdown ${r.dim}`));
        const twice = keys.find((k, i) => k !== 'ignore' && keys.indexOf(k) !== i);
        if (twice) throw new MalformedBody(`The header names the ${twice} column more than once (columns: ${names.join(', ').slice(0, 200)}).`);
        const need = ['unit', 'date', 'value'].filter((r) => !roles!.includes(r as Role));
        if (need.length && !(options.sdmx && need.length === 1 && need[0] === 'value' && roles.includes('action'))) {
          throw new MalformedBody(
            options.sdmx
              ? `The SDMX-CSV header lacks ${need.join(', ')} (expected a LOR or REF_AREA column, TIME_PERIOD and OBS_VALUE).`
              : `The CSV header must name the columns unit, date and value (found: ${names.join(', ').slice(0, 200)}).`,
          );
        }
        continue;
      }
      row++;
      const out: RawRow = { row, breakdown: {} };
      if (record.length !== roles.length) {
        out.errors = [{ row, field: 'row', code: 'column-count', message: `The row has ${record.length} fields; the header has ${roles.length}.` }];
      }
      roles.forEach((role, i) => {
        const cell = record[i];
        if (role === 'ignore' || cell === undefined) return;
        if (typeof role === 'object') out.breakdown[role.dim] = cell;
        else out[role] = cell;
      });
      yield out;
    }
    completed = true;
  } catch (err) {
    throw asMalformed(err, row);
  } finally {
    // a consumer that stops early (or a failure) must not leave the feeder waiting for 'drain'
    if (!completed && !parser.destroyed) {
      parser.on('error', () => {});
      parser.destroy(new Error('parsing stopped'));
    }
    await feed;
  }
  if (feedError) throw asMalformed(feedError, row);
  if (!roles) throw new MalformedBody('The body is empty; a header row and data rows are expected.');
}
