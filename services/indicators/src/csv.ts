// CSV of indicator values (Excel-friendly variants) and the CSVW metadata document that describes it.
import { type CsvDialect, csvDocument } from '@datenpool/service-kit';
import type { IndicatorValue } from './queries/values.ts';

interface Column {
  name: string;
  title: string;
  datatype: 'string' | 'decimal' | 'integer' | 'date';
  description: string;
  get: (v: IndicatorValue) => string | number | null;
}

export const csvColumns: Column[] = [
  { name: 'indicator', title: 'Indikator', datatype: 'string', description: 'indicator id', get: (v) => v.indicator },
  { name: 'version', title: 'LOR-Version', datatype: 'string', description: 'LOR version', get: (v) => v.version },
  { name: 'level', title: 'Ebene', datatype: 'string', description: 'LOR level', get: (v) => v.level },
  { name: 'unit', title: 'Raum', datatype: 'string', description: 'LOR unit id (0 = Berlin)', get: (v) => v.unit },
  { name: 'unit_name', title: 'Name', datatype: 'string', description: 'name of the LOR unit', get: (v) => v.unitName },
  { name: 'date', title: 'Stichtag', datatype: 'date', description: 'reference date (31 December of the year)', get: (v) => v.date },
  { name: 'breakdown', title: 'Merkmal', datatype: 'string', description: 'breakdown dim=code;… (empty: total)', get: (v) => v.breakdown },
  { name: 'value', title: 'Wert', datatype: 'decimal', description: 'indicator value (empty where suppressed)', get: (v) => v.value },
  { name: 'numerator', title: 'Zähler', datatype: 'decimal', description: 'numerator', get: (v) => v.numerator },
  { name: 'denominator', title: 'Nenner', datatype: 'decimal', description: 'denominator (base)', get: (v) => v.denominator },
  { name: 'status', title: 'Status', datatype: 'string', description: 'ok, suppressed, provisional or estimated', get: (v) => v.status },
  { name: 'berlin', title: 'Berlin', datatype: 'decimal', description: 'value of Berlin', get: (v) => v.berlin },
  { name: 'district', title: 'Bezirk', datatype: 'decimal', description: "value of the unit's district", get: (v) => v.district },
  { name: 'rank', title: 'Rang in Berlin', datatype: 'integer', description: 'rank within the units of the level in Berlin (1 = highest value)', get: (v) => v.rank },
  {
    name: 'rank_district',
    title: 'Rang im Bezirk',
    datatype: 'integer',
    description: "rank within the units of the level in the unit's district (1 = highest value)",
    get: (v) => v.rankDistrict,
  },
  { name: 'percentile', title: 'Perzentil', datatype: 'decimal', description: 'percent rank within the level', get: (v) => v.percentile },
  { name: 'change_1y', title: 'Veränderung 1 Jahr', datatype: 'decimal', description: 'change against the previous year', get: (v) => v.change1y },
  { name: 'change_ny', title: 'Veränderung n Jahre', datatype: 'decimal', description: 'change against n years earlier', get: (v) => v.changeNy },
  { name: 'target', title: 'Zielwert', datatype: 'decimal', description: 'target value', get: (v) => v.target },
  { name: 'target_distance', title: 'Abstand zum Ziel', datatype: 'decimal', description: 'value minus target', get: (v) => v.targetDistance },
  { name: 'class', title: 'Klasse', datatype: 'integer', description: 'class of an index value', get: (v) => v.class },
];

/** UTF-8 with BOM (so Excel reads umlauts), CRLF lines, a header row of column names; cells by the one CSV writer */
export function valuesCsv(values: IndicatorValue[], dialect: CsvDialect): Buffer {
  const format = { sep: dialect.sep, decimal: dialect.decimal, lineEnd: '\r\n', bom: true } as const;
  return csvDocument(
    csvColumns.map((c) => c.name),
    values,
    (v) => csvColumns.map((c) => c.get(v)),
    format,
  );
}

/** CSVW (W3C Tabular Data) metadata of the CSV at `csvUrl` */
export function csvwMetadata(csvUrl: string, title: string, dialect: CsvDialect): Record<string, unknown> {
  const decimal = dialect.decimal === 'comma' ? { decimalChar: ',' } : { decimalChar: '.' };
  return {
    '@context': 'http://www.w3.org/ns/csvw',
    url: csvUrl,
    'dc:title': title,
    dialect: {
      delimiter: dialect.sep === 'semicolon' ? ';' : ',',
      encoding: 'utf-8',
      header: true,
      headerRowCount: 1,
      lineTerminators: ['\r\n'],
      doubleQuote: true,
    },
    tableSchema: {
      columns: csvColumns.map((c) => ({
        name: c.name,
        titles: { de: c.title, en: c.name },
        'dc:description': c.description,
        datatype: c.datatype === 'decimal' ? { base: 'decimal', format: decimal } : c.datatype,
        required: ['indicator', 'version', 'level', 'unit', 'date', 'status'].includes(c.name),
      })),
      primaryKey: ['indicator', 'version', 'level', 'unit', 'date', 'breakdown'],
    },
  };
}
