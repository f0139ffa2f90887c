// Typed errors that the one error handler renders as application/problem+json (RFC 9457).

/** stable problem type URI per kind */
export const problemType = (kind: string): string => `urn:datenpool:problem:${kind}`;

export interface InvalidParam {
  /** JSON pointer into the request part (`/query/bbox`, `/body/observations/3/value`) */
  pointer: string;
  /** parameter name where one applies */
  name?: string;
  reason: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    readonly title: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export class BadRequest extends HttpProblem {
  /** `param` names the query parameter or field at fault; it becomes an invalid-params entry */
  constructor(detail: string, param?: { name: string; in?: 'query' | 'path' | 'header' | 'body'; position?: number }) {
    super(
      400,
      'bad-request',
      'Bad request',
      detail,
      param
        ? {
            invalidParams: [
              {
                pointer: `/${param.in ?? 'query'}/${param.name}`,
                name: param.name,
                reason: detail,
                ...(param.position === undefined ? {} : { position: param.position }),
              },
            ],
          }
        : {},
    );
  }
}

export class NotFound extends HttpProblem {
  constructor(detail: string) {
    super(404, 'not-found', 'Not found', detail);
  }
}

export class Unauthorized extends HttpProblem {
  constructor(detail = 'A valid API key is required: send Authorization: Bearer <key>.', extensions: Record<string, unknown> = {}) {
    super(401, 'unauthorized', 'Unauthorized', detail, extensions, { 'www-authenticate': 'Bearer realm="datenpool"' });
  }
}

export class Forbidden extends HttpProblem {
  constructor(detail = 'This API key is not allowed to do this.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class Conflict extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'conflict', 'Conflict', detail, extensions);
  }
}

export interface RowError {
  row: number;
  field: string;
  code: string;
  message: string;
}

export class Unprocessable extends HttpProblem {
  constructor(detail: string, extensions: { errors?: RowError[]; totalErrors?: number; [k: string]: unknown } = {}) {
    super(422, 'unprocessable', 'Unprocessable content', detail, extensions);
  }
}

export class PayloadTooLarge extends HttpProblem {
  constructor(limitBytes: number) {
    super(413, 'payload-too-large', 'Payload too large', `The request body exceeds the limit of ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaType extends HttpProblem {
  constructor(detail: string) {
    super(415, 'unsupported-media-type', 'Unsupported media type', detail);
  }
}

export class NotAcceptable extends HttpProblem {
  constructor(detail: string) {
    super(406, 'not-acceptable', 'Not acceptable', detail);
  }
}
