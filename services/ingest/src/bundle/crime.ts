// Bundled Kriminalitätsatlas (Polizei Berlin): case numbers per 2021 Bezirksregion, 2012–2023, one batch per year.
// The police recomputed the older years on the 2021 Bezirksregionen, so every year is keyed on LOR 2021. The rows
// `BB9900` ("Bezirk BB, nicht zuzuordnen") have no LOR unit by design (SOURCES.md defect 8): the pipeline rejects
// them with a row error naming the id, and they are reported as rejected rows of the dataset.
import { BundleCheckFailed, type BundleLoader, longRows, readTable } from './common.ts';

export const crimeYears = Array.from({ length: 12 }, (_, i) => 2012 + i);

/** the atlas's offence columns → the codes of the `delikt` breakdown of `straftaten`; `offences` is the total */
export const deliktCodes: Record<string, string> = {
  robbery: 'raub',
  street_robbery_purse_snatching: 'strassenraub',
  bodily_harm: 'koerperverletzung',
  dangerous_and_grievous_bodily_harm: 'gefaehrliche_koerperverletzung',
  deprivation_of_liberty_coercion_threat_stalking: 'freiheitsberaubung_noetigung_bedrohung',
  theft: 'diebstahl',
  motor_vehicle_theft: 'kfz_diebstahl',
  theft_from_motor_vehicle: 'diebstahl_aus_kfz',
  bicycle_theft: 'fahrraddiebstahl',
  residential_burglary: 'wohnraumeinbruch',
  fire_offences: 'branddelikte',
  arson: 'brandstiftung',
  damage_to_property: 'sachbeschaedigung',
  damage_to_property_by_graffiti: 'graffiti',
  narcotics_offences: 'rauschgiftdelikte',
  kieztaten: 'kieztaten',
};

/** the table's columns → the breakdown cells of `straftaten` they are */
const crimeColumns: Record<string, Record<string, string>> = {
  offences: {},
  ...Object.fromEntries(Object.entries(deliktCodes).map(([column, code]) => [column, { delikt: code }])),
};

export const crimeFile = (year: number, kind: 'case' | 'frequency') =>
  `stats/kriminalitaetsatlas/berlin-lor-crime-atlas-${year}-00-${kind}-numbers-district-regions.csv`;

export async function loadCrime(loader: BundleLoader): Promise<void> {
  for (const year of crimeYears) {
    const table = readTable(crimeFile(year, 'case'), ',');
    const columns = Object.keys(table.records[0] ?? {});
    for (const c of ['id', ...Object.keys(crimeColumns)]) {
      if (!columns.includes(c)) throw new BundleCheckFailed(table.file, `column ${c} is missing`);
    }
    await loader.load('crime', 'straftaten', '2021', longRows(table.records, 'id', `${year}-12-31`, crimeColumns), table.checksum);
  }
}
