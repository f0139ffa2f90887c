// Conditional requests: a strong ETag from the data version and the exact request, Last-Modified, 304.
import * as crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DataVersion } from './provider.ts';

/**
 * The representation is a deterministic function of the data version, the URL (links are absolute)
 * and the negotiated format, so a hash of those is a strong validator, and a 304 needs no query.
 */
export function entityTag(version: DataVersion, request: FastifyRequest, base: string, format: string): string {
  return `"${sha1(`${version.tag}\n${base}${request.url}\n${format}`)}"`;
}

/** crypto.hash (Node ≥ 20.12) digests in one call, without the Hash object createHash builds (2 % of a small page) */
const sha1: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'base64url')
    : (text) => crypto.createHash('sha1').update(text).digest('base64url');

function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === tag);
}

/** sets ETag, Last-Modified and Vary; answers 304 and returns true where the client's copy is current */
export function answerConditionally(
  request: FastifyRequest,
  reply: FastifyReply,
  version: DataVersion,
  tag: string,
): boolean {
  reply.header('etag', tag);
  reply.header('last-modified', version.lastModified.toUTCString());
  reply.header('vary', 'Accept');
  if (version.headers) reply.headers(version.headers);
  const ifNoneMatch = request.headers['if-none-match'];
  const ifModifiedSince = request.headers['if-modified-since'];
  const notModified = ifNoneMatch
    ? matches(ifNoneMatch, tag)
    : ifModifiedSince !== undefined && Math.floor(version.lastModified.getTime() / 1000) <= Date.parse(ifModifiedSince) / 1000;
  if (notModified) {
    reply.code(304).send();
    return true;
  }
  return false;
}
