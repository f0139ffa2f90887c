// Sends a document that is text already (GeoJSON assembled from PostGIS, JSON Schema) past the route's serializer.

/** typed for routes whose response schema documents the JSON this text is */
export function sendText<R extends { type(t: string): unknown }>(reply: R, mediaType: string, text: string): R {
  (reply.type(mediaType) as { send(p: unknown): unknown }).send(text);
  return reply;
}

/** sends a stream of text (a FeatureCollection read from a cursor) with the given media type */
export function sendStream<R extends { type(t: string): unknown }>(reply: R, mediaType: string, stream: NodeJS.ReadableStream): R {
  (reply.type(mediaType) as { send(p: unknown): unknown }).send(stream);
  return reply;
}
