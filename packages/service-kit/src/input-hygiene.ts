// Input every route refuses before its own validation: NUL characters and malformed percent-encoding in the URL,
// NUL characters, lone surrogates and excessive nesting in JSON bodies. Each is a 400 problem naming where it is;
// without this they reached the database (a NUL in a text parameter is a PostgreSQL error: a 500) or the stack.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pipeline, type Readable, Transform } from 'node:stream';
import { sendProblem } from './error-handler.ts';
import { BadRequest, HttpProblem, problemType } from './problems.ts';

/** deeper JSON than any contract of the API needs; deeper bodies are refused before anything walks them recursively */
export const MAX_JSON_DEPTH = 64;

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * the URL's path and query, decoded part by part: throws a problem for what no parameter may hold, naming the query
 * parameter (or the path parameter of the matched route, from `params`) that holds it; `url` where no name applies
 */
export function checkUrl(url: string, params: Record<string, unknown> = {}): void {
  // only percent-encoding can make a NUL, a lone surrogate or a malformed escape (the HTTP parser refuses control
  // characters, and other bytes read as Latin-1 are no surrogates): a URL without % is clean, as most are
  if (!url.includes('%') && !url.includes(NUL)) return;
  const [path = '', query = ''] = url.split('?', 2);
  const decode = (text: string): string | undefined => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  };
  const fault = (text: string): string | undefined => {
    const decoded = decode(text);
    if (decoded === undefined) return `has malformed percent-encoding: ${JSON.stringify(text.slice(0, 40))}`;
    if (decoded.includes(NUL)) return 'contains a NUL character (%00)';
    if (LONE_SURROGATE.test(decoded)) return 'contains an unpaired UTF-16 surrogate';
    return undefined;
  };
  for (const segment of path.split('/')) {
    const reason = fault(segment);
    if (!reason) continue;
    const decoded = decode(segment);
    const param = Object.entries(params).find(([, value]) => typeof value === 'string' && decoded !== undefined && value === decoded)?.[0];
    const name = param ?? 'url';
    throw new BadRequest(`The path${param ? ` parameter ${param}` : ''} ${reason}.`, { name, in: 'path' });
  }
  for (const pair of query.split('&')) {
    const [key = '', ...rest] = pair.split('=');
    const keyFault = fault(key);
    if (keyFault) throw new BadRequest(`A query parameter name ${keyFault}.`, { name: 'url', in: 'query' });
    const reason = rest.length ? fault(rest.join('=')) : undefined;
    if (reason) {
      const name = decode(key) || 'url';
      throw new BadRequest(`The query parameter ${name} ${reason}.`, { name, in: 'query' });
    }
  }
}

/**
 * the first place in a parsed JSON body that no contract accepts: a string with NUL or a lone surrogate, or nesting
 * deeper than MAX_JSON_DEPTH; walked without recursion, so a body nested 20 000 deep cannot overflow the stack
 */
export function jsonBodyFault(body: unknown): { pointer: string; reason: string } | undefined {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value: body, pointer: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return { pointer, reason: 'contains a NUL character' };
      if (LONE_SURROGATE.test(value)) return { pointer, reason: 'contains an unpaired UTF-16 surrogate' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { pointer, reason: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      if (key.includes(NUL) || LONE_SURROGATE.test(key)) return { pointer: `${pointer}/${key.split(NUL).join('\\u0000')}`, reason: 'has a key with a NUL character or an unpaired surrogate' };
      stack.push({ value: child, pointer: `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/** JSON media types (application/json, application/geo+json, …): their bodies must be UTF-8 (RFC 8259) */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * the body as it arrives, passed through unchanged, failing with a 400 at the first byte that is not UTF-8: decoded
 * leniently, such bytes became U+FFFD and were stored as text; checked as a stream, so streamed pushes stay streamed
 */
function utf8Checked(payload: Readable): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const refused = () =>
    new HttpProblem(400, 'malformed-body', 'Malformed body', `The body is not valid UTF-8 (in the bytes from ${offset}).`, {
      invalidParams: [{ pointer: '/body', reason: 'is not valid UTF-8' }],
    });
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        callback(refused());
        return;
      }
      offset += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      try {
        decoder.decode();
        callback();
      } catch {
        callback(refused());
      }
    },
  });
  pipeline(payload, checked, () => {});
  return checked;
}

export function registerInputHygiene(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    checkUrl(request.url, (request.params ?? {}) as Record<string, unknown>);
  });
  app.addHook('preParsing', async (request: FastifyRequest, _reply: FastifyReply, payload: Readable) =>
    JSON_MEDIA_TYPE.test(String(request.headers['content-type'] ?? '')) ? utf8Checked(payload) : payload,
  );
  app.addHook('preValidation', async (request: FastifyRequest) => {
    // parsed JSON only: plain objects and arrays (streamed bodies such as a CSV push are parsed, and checked, by their route)
    const body = request.body;
    if (body === null || typeof body !== 'object') return;
    if (!Array.isArray(body) && Object.getPrototypeOf(body) !== Object.prototype && Object.getPrototypeOf(body) !== null) return;
    const fault = jsonBodyFault(body);
    if (fault) {
      throw new HttpProblem(400, 'validation', 'Invalid request', `/body${fault.pointer}: ${fault.reason}.`, {
        invalidParams: [{ pointer: `/body${fault.pointer}`, reason: fault.reason }],
      });
    }
  });
}

/**
 * what the HTTP parser refuses before Fastify sees a request (a request line or headers over 16 KB, a malformed request,
 * a request timeout), written to the socket as a problem; Fastify's default handler writes plain JSON
 */
export function clientErrorProblem(this: { log: { trace(obj: unknown, msg: string): void } }, err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, title, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request header fields too large', 'The URL and headers together exceed the limit of 16 KB.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request timeout', 'The request did not arrive in time.']
        : [400, 'Bad request', 'The request cannot be parsed as HTTP.'];
  this.log.trace({ err }, 'client error');
  if (socket.writable) {
    const kind = status === 431 ? 'request-too-large' : status === 408 ? 'request-timeout' : 'bad-request';
    const body = JSON.stringify({ type: problemType(kind), title, status, detail });
    socket.write(`HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/**
 * the router's own refusals, before a route is known: a path it cannot decode, a path parameter over Fastify's
 * maxParamLength (100); a 400 problem naming the url (which parameter is unknown yet), without echoing the whole URL
 */
export function frameworkErrorProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const reason = /max param length/i.test(error.message) ? 'a path parameter is longer than 100 characters' : 'the path cannot be decoded (malformed percent-encoding)';
  sendProblem(reply, request, {
    type: problemType('bad-request'),
    title: 'Bad request',
    status: 400,
    detail: `The URL cannot be read: ${reason}.`,
    invalidParams: [{ pointer: '/path', name: 'url', reason }],
  });
}
