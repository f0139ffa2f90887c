// Assembles GeoJSON FeatureCollection and Feature responses around feature texts PostGIS produced.
import type { Link } from './links.ts';
import type { ItemsResult, ItemsSummary } from './provider.ts';

/**
 * The FeatureCollection as text chunks: the features are passed through as they came from the
 * database; numberMatched, numberReturned and the links (which depend on them) close the object.
 */
export async function* featureCollectionChunks(
  result: ItemsResult,
  links: (summary: ItemsSummary) => Link[],
): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[';
  let first = true;
  for await (const chunk of result.features) {
    if (chunk === '') continue;
    yield first ? chunk : `,${chunk}`;
    first = false;
  }
  const summary = await result.summary();
  const matched = summary.numberMatched === undefined ? '' : `"numberMatched":${summary.numberMatched},`;
  yield `],${matched}"numberReturned":${summary.numberReturned},"links":${JSON.stringify(links(summary))}}`;
}

/**
 * The chunks of a page small enough to send with a Content-Length, written as UTF-8 into one
 * Buffer sized to fit. A page is megabytes of text: joining the strings would copy (flatten) them
 * once more, and a string handed to the socket is encoded again in pieces as the socket drains;
 * here each byte is encoded once, and the Buffer goes out as it is.
 */
export async function collectBytes(chunks: AsyncIterable<string>): Promise<Buffer> {
  const parts: string[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += Buffer.byteLength(chunk);
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) at += bytes.write(part, at);
  return bytes;
}

/** one chunk as an async iterable: a page aggregated by the database */
export async function* singleChunk(text: string): AsyncGenerator<string> {
  yield text;
}

/** a single Feature with its links appended: the feature text ends with its closing brace */
export function featureText(feature: string, links: Link[]): string {
  return `${feature.slice(0, feature.lastIndexOf('}'))},"links":${JSON.stringify(links)}}`;
}
