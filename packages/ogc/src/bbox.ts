// The `bbox` parameter (Part 1) with `bbox-crs` (Part 2): four or six numbers, min before max.
import { BadRequest } from '@datenpool/service-kit';
import { type CrsDefinition, parseCrs } from './crs.ts';

export interface BoundingBox {
  /** west, south, east, north in the CRS's x/y order (longitude/easting first) */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  crs: CrsDefinition;
}

export function parseBbox(value: string | undefined, bboxCrs: string | undefined): BoundingBox | undefined {
  if (bboxCrs !== undefined && value === undefined) {
    throw new BadRequest('bbox-crs is given without bbox.', { name: 'bbox-crs' });
  }
  if (value === undefined) return undefined;
  const crs = parseCrs(bboxCrs, 'bbox-crs');
  const parts = value.split(',');
  const numbers = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if (parts.length !== 4 && parts.length !== 6) {
    throw new BadRequest(`bbox needs 4 or 6 comma-separated numbers, got ${parts.length}.`, { name: 'bbox' });
  }
  if (numbers.some((n) => !Number.isFinite(n))) {
    throw new BadRequest(`bbox=${value} contains a value that is not a number.`, { name: 'bbox' });
  }
  // six numbers carry a height range, which 2D data ignores
  const [a, b, c, d] = parts.length === 6 ? [numbers[0], numbers[1], numbers[3], numbers[4]] : numbers;
  // EPSG:4326 is latitude first: the client sends south,west,north,east
  const [minX, minY, maxX, maxY] = (crs.latitudeFirst ? [b, a, d, c] : [a, b, c, d]) as number[] as [
    number,
    number,
    number,
    number,
  ];
  if (minY > maxY) throw new BadRequest('bbox has its lower corner above its upper corner.', { name: 'bbox' });
  if (minX > maxX && !crs.geographic) {
    throw new BadRequest('bbox has its lower corner right of its upper corner.', { name: 'bbox' });
  }
  if (minX > maxX) {
    // across the antimeridian: not meaningful for Berlin data, and not supported
    throw new BadRequest('bbox crossing the antimeridian (west > east) is not supported.', { name: 'bbox' });
  }
  if (crs.geographic && (minY < -90 || maxY > 90 || minX < -180 || maxX > 180)) {
    throw new BadRequest('bbox lies outside the valid range of longitude and latitude.', { name: 'bbox' });
  }
  return { minX, minY, maxX, maxY, crs };
}
