// The viewer's profile CSV (web/src/csv.ts, written in the browser) by the one CSV writer: for a unit's profile from
// the API, each row is the row the indicator API's CSV has for that indicator and unit, the header its header; a text
// that a spreadsheet would run as a formula is defused as the API defuses it.
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import type { ProfileResponse } from '../web/src/api.ts';
import { profileCsv } from '../web/src/csv.ts';

const { app } = await testGateway(t);

t.test('each row of the profile CSV is the API CSV row of that indicator and unit', async (t) => {
  const unit = '01100101';
  const res = await app.inject({ url: `/v1/units/${unit}/profile?version=2021&f=json` });
  t.equal(res.statusCode, 200);
  const profile = res.json() as ProfileResponse;
  const csv = profileCsv(profile);
  t.ok(csv.startsWith('\uFEFF'), 'a UTF-8 BOM, as the API writes it');
  t.ok(csv.endsWith('\r\n'), 'CRLF line ends');
  const lines = csv.slice(1).split('\r\n').filter(Boolean);
  const withValues = profile.zielbereiche.flatMap((z) => z.indicators).filter((i) => i.value);
  t.ok(withValues.length > 0, `${withValues.length} indicators with a value`);
  t.equal(lines.length, withValues.length + 1, 'a header and one row per indicator with a value');
  for (const [i, entry] of withValues.entries()) {
    const date = (entry.value as unknown as { date: string }).date;
    const api = await app.inject({ url: `/v1/indicators/${entry.indicator}/values?version=2021&level=planungsraum&unit=${unit}&date=${date.slice(0, 4)}&f=csv` });
    t.equal(api.statusCode, 200, entry.indicator);
    const apiLines = api.body.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    t.equal(lines[0], apiLines[0], `${entry.indicator}: the same header`);
    t.equal(lines[i + 1], apiLines[1], `${entry.indicator}: the same row`);
  }
});

t.test('text cells: separators quoted, formula-like text defused, numbers as they are', async (t) => {
  const value = { indicator: 'x', version: '2021', level: 'planungsraum', unit: '01100101', unitName: '=HYPERLINK("http://evil")', date: '2023-12-31', breakdown: 'age=a;sex=w', value: -1.5, status: 'ok' };
  const profile = { unit: { id: '01100101', level: 'planungsraum', name: 'n' }, version: '2021', date: null, zielbereiche: [{ zielbereich: 'z', indicators: [{ indicator: 'x', value }] }] };
  const row = profileCsv(profile as unknown as ProfileResponse).split('\r\n')[1] ?? '';
  const cells = row.split(',');
  t.equal(cells[4], `"'=HYPERLINK(""http://evil"")"`, 'a leading = gets an apostrophe and quotes, inner quotes doubled');
  t.equal(cells[6], '"age=a;sex=w"', 'a text with the other separator is quoted');
  t.equal(cells[7], '-1.5', 'a negative number is a number, not a formula');
  t.equal(cells[0], 'x', 'plain text unquoted');
});
