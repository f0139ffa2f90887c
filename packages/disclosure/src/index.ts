// Statistical disclosure control of the pool, held once: the relations it publishes and the cells it withholds.
export { cellKey, type LatticeCell, publishedRelations, type RelationOptions, subgroupCodes, type VersionLink } from './relations.ts';
export { PRIMARY, PUBLISHED, reasonOf, SECONDARY, singleUnknowns, type WithheldReason, withhold } from './withhold.ts';
export { type ObservationCell, disclosureOfGroup, isPrimary } from './observations.ts';
