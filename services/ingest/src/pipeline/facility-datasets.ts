// The facility datasets the pool keeps as points: which property is the id, the name, the places, and which variables count them.

export interface FacilityDatasetSpec {
  /** dataset id = OGC collection id */
  id: string;
  title: string;
  description: string;
  /** the property holding the feature id (unique within the dataset) */
  idProperty: string;
  nameProperty: string;
  /** the property holding the places; summed into `capacity` where given */
  placesProperty?: string;
  schulartProperty?: string;
  traegerProperty?: string;
  /** the variable receiving the number of facilities per unit */
  count: string;
  /** the variable receiving the sum of places per unit */
  capacity?: string;
  /** the count also per code of this breakdown dimension, the code made from the property's text by {@link breakdownCode} */
  breakdown?: { dimension: string; property: string };
  source: string;
  licence: string;
}

const geoportal = 'Geoportal Berlin WFS (Senatsverwaltung für Bildung, Jugend und Familie), via tesch-ch/berlin_PLR_data f5550dd05f84';

export const facilityDatasets: readonly FacilityDatasetSpec[] = [
  {
    id: 'kitas',
    title: 'Kindertagesstätten',
    description: 'Day-care centres of Berlin (Kita-Verzeichnis) with their approved places (e_platz).',
    idProperty: 'e_nr',
    nameProperty: 'e_name',
    placesProperty: 'e_platz',
    traegerProperty: 't_art',
    count: 'kitas',
    capacity: 'kita_plaetze',
    source: geoportal,
    licence: 'dl-de/by-2-0',
  },
  {
    id: 'schulen',
    title: 'Schulen',
    description: 'Schools of Berlin (Schulverzeichnis) with school type (schulart) and operator (traeger: öffentlich, privat).',
    idProperty: 'bsn',
    nameProperty: 'name',
    schulartProperty: 'schulart',
    traegerProperty: 'traeger',
    count: 'schulen',
    breakdown: { dimension: 'schulart', property: 'schulart' },
    source: geoportal,
    licence: 'dl-de/by-2-0',
  },
  {
    id: 'jugendfreizeiteinrichtungen',
    title: 'Jugendfreizeiteinrichtungen',
    description: 'Youth centres of Berlin (Jugendfreizeiteinrichtungen, Abenteuerspielplätze, Kinderfarmen) with places and operator.',
    idProperty: 'e_nr',
    nameProperty: 'e_name',
    placesProperty: 'e_platz',
    traegerProperty: 't_art',
    count: 'jugendfreizeiteinrichtungen',
    source: geoportal,
    licence: 'dl-de/by-2-0',
  },
];

export function facilityDatasetOfVariable(variableId: string): FacilityDatasetSpec | undefined {
  return facilityDatasets.find((d) => d.count === variableId);
}

/** a published text as a breakdown code: lower case, umlauts spelled out, every other run of characters `_` */
export function breakdownCode(text: string): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
