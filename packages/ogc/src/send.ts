// Sends a document that is text already (GeoJSON assembled from PostGIS, JSON Schema) past the route's serializer.

/**
 * typed for routes whose response schema documents the JSON this text is; a Buffer holds the text
 * as UTF-8 and is labelled so, as Fastify labels strings
 */
export function sendText<R extends { type(t: string): unknown }>(reply: R, mediaType: string, text: string | Buffer): R {
  const type = typeof text === 'string' || mediaType.includes('charset=') ? mediaType : `${mediaType}; charset=utf-8`;
  (reply.type(type) as { send(p: unknown): unknown }).send(text);
  return reply;
}

/** sends a stream of text (a FeatureCollection read from a cursor) with the given media type */
export function sendStream<R extends { type(t: string): unknown }>(reply: R, mediaType: string, stream: NodeJS.ReadableStream): R {
  (reply.type(mediaType) as { send(p: unknown): unknown }).send(stream);
  return reply;
}
