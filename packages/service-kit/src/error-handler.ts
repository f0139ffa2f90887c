// The one error handler: every error leaves as application/problem+json, 500s without internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { redactUrlSecrets } from './auth.ts';
import { HttpProblem, type InvalidParam, type ProblemBody, problemType } from './problems.ts';

export const PROBLEM_JSON = 'application/problem+json';

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  body: Omit<ProblemBody, 'instance'>,
): FastifyReply {
  // a string payload is sent as it is, past any route's response serializer
  return reply
    .code(body.status as number)
    .type(PROBLEM_JSON)
    .send(JSON.stringify({ ...body, instance: redactUrlSecrets(request.url) }));
}

const fastifyCodes: Record<string, { status: number; kind: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, kind: 'payload-too-large', title: 'Payload too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, kind: 'unsupported-media-type', title: 'Unsupported media type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, kind: 'bad-request', title: 'Bad request' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, kind: 'malformed-body', title: 'Malformed body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, kind: 'malformed-body', title: 'Malformed body' },
};

function validationParams(error: FastifyError): InvalidParam[] {
  const context = (error as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  const items = (error.validation ?? []) as Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  return items.map((issue) => {
    const path = issue.instancePath && issue.instancePath !== '/' ? issue.instancePath : '';
    const name = path.split('/').filter(Boolean)[0];
    return {
      pointer: `/${context}${path}`,
      ...(name ? { name } : {}),
      reason: issue.message ?? 'invalid',
    };
  });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) {
      reply.headers(error.headers);
      return sendProblem(reply, request, {
        type: problemType(error.kind),
        title: error.title,
        status: error.status,
        detail: error.message,
        ...error.extensions,
      });
    }
    if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
      const invalidParams = validationParams(error);
      const detail = invalidParams.map((p) => `${p.pointer}: ${p.reason}`).join('; ');
      return sendProblem(reply, request, {
        type: problemType('validation'),
        title: 'Invalid request',
        status: 400,
        detail: detail || 'The request is invalid.',
        invalidParams,
      });
    }
    const known = error.code ? fastifyCodes[error.code] : undefined;
    if (known) {
      return sendProblem(reply, request, {
        type: problemType(known.kind),
        title: known.title,
        status: known.status,
        detail: error.message,
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendProblem(reply, request, {
        type: problemType('client-error'),
        title: 'Bad request',
        status,
        detail: error.message,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, {
      type: problemType('internal'),
      title: 'Internal server error',
      status: 500,
      detail: `The server could not complete the request. Quote request id ${request.id} when reporting it.`,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, {
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: `No resource at ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
