// Excel workbooks (.xlsx) of indicator values and of unit profiles: German headers, LOR ids as text cells, numbers as
// numeric cells, dates as date cells. The columns of the values are csv.ts's, so CSV and Excel never disagree.
import writeXlsxFile, { type Cell, type Row, type SheetData } from 'write-excel-file/node';
import { lorLevelNamesDe, type LorLevel } from '@datenpool/contracts';
import { csvColumns } from './csv.ts';
import type { IndicatorValue } from './queries/values.ts';
import type { ProfileResponse } from './schemas.ts';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const header = (titles: string[]): Row => titles.map((value) => ({ value, type: String, fontWeight: 'bold' as const }));
const text = (value: string | null | undefined): Cell => (value === null || value === undefined ? null : { value, type: String });
const number = (value: number | null | undefined, format = '#,##0.0##'): Cell =>
  value === null || value === undefined || !Number.isFinite(value) ? null : { value, type: Number, format };
const integer = (value: number | null | undefined): Cell => number(value, '0');
/** a YYYY-MM-DD date as an Excel date (midnight UTC, which Excel shows as that day) */
const day = (value: string | null | undefined): Cell => (value ? { value: new Date(`${value.slice(0, 10)}T00:00:00Z`), type: Date, format: 'dd.mm.yyyy' } : null);

/** the value rows as the CSV has them, one cell type per column datatype */
function valueRows(values: IndicatorValue[]): SheetData {
  return [
    header(csvColumns.map((c) => c.title)),
    ...values.map((v) =>
      csvColumns.map((c) => {
        const cell = c.get(v);
        if (c.datatype === 'date') return day(cell as string | null);
        if (c.datatype === 'integer') return integer(cell as number | null);
        if (c.datatype === 'decimal') return number(cell as number | null);
        return text(cell === null ? null : String(cell));
      }),
    ),
  ];
}

const columnWidths = (widths: number[]) => widths.map((width) => ({ width }));

/** one indicator × the units of a level (or any selection of values) as a workbook with one sheet */
export async function valuesXlsx(values: IndicatorValue[]): Promise<Buffer> {
  return writeXlsxFile([{ data: valueRows(values), sheet: 'Werte', stickyRowsCount: 1, columns: columnWidths(csvColumns.map((c) => (c.name === 'unit_name' ? 32 : 14))) }], {
    fontFamily: 'Calibri',
    fontSize: 11,
  }).toBuffer();
}

export const profileColumns = [
  'Zielbereich',
  'Indikator-ID',
  'Indikator',
  'Einheit',
  'Stichtag',
  'Wert',
  'Bezirk',
  'Berlin',
  'Rang im Bezirk',
  'Einheiten im Bezirk',
  'Rang in Berlin',
  'Einheiten in Berlin',
  'Veränderung zum Vorjahr',
  'Zielwert',
  'Abstand zum Ziel',
  'Status',
];

/** the profile (sheet Profil: one row per core indicator), the unit's series (Zeitreihen) and what it is (Info) */
export async function profileXlsx(profile: ProfileResponse, series: IndicatorValue[]): Promise<Buffer> {
  const rows: SheetData = [header(profileColumns)];
  for (const group of profile.zielbereiche) {
    for (const i of group.indicators) {
      const v = i.value;
      const withheld = v?.status === 'suppressed';
      rows.push([
        text(group.zielbereich),
        text(i.indicator),
        text(i.label),
        text(i.unitOfMeasure),
        day(v?.date),
        number(v?.value),
        number(v?.district),
        number(v?.berlin),
        integer(withheld ? null : v?.rankDistrict),
        integer(v?.rankDistrict === null || v?.rankDistrict === undefined ? null : i.unitsRanked?.district),
        integer(withheld ? null : v?.rank),
        integer(v?.rank === null || v?.rank === undefined ? null : i.unitsRanked?.berlin),
        number(v?.change1y),
        number(v?.target),
        number(v?.targetDistance),
        text(v ? v.status : 'keine Daten'),
      ]);
    }
  }
  const u = profile.unit;
  const info: SheetData = [
    header(['Merkmal', 'Wert']),
    [text('Raum'), text(u.name)],
    [text('LOR-ID'), text(u.id)],
    [text('Ebene'), text(lorLevelNamesDe[u.level as LorLevel] ?? u.level)],
    [text('Bezirk'), text(u.district ? `${u.district.name} (${u.district.id})` : null)],
    [text('LOR-Version'), text(profile.version)],
    [text('Stichtag'), day(profile.date)],
    [text('Fläche (ha)'), number(u.areaM2 === null ? null : u.areaM2 / 10_000, '#,##0.0')],
    [text('Kernindikatoren mit Werten'), integer(profile.withData)],
    [text('Quelle'), text('Datenpool Berlin; Daten der Fachverwaltungen und des Amts für Statistik Berlin-Brandenburg (siehe Lizenzangaben der Variablen)')],
  ];
  return writeXlsxFile(
    [
      { data: rows, sheet: 'Profil', stickyRowsCount: 1, columns: columnWidths(profileColumns.map((c) => (c === 'Indikator' ? 48 : c === 'Zielbereich' ? 16 : 13))) },
      { data: valueRows(series), sheet: 'Zeitreihen', stickyRowsCount: 1, columns: columnWidths(csvColumns.map((c) => (c.name === 'unit_name' ? 32 : 14))) },
      { data: info, sheet: 'Info', columns: columnWidths([28, 60]) },
    ],
    { fontFamily: 'Calibri', fontSize: 11 },
  ).toBuffer();
}
