import './types.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Expected failures carry a stable machine code and an HTTP status; they become
 * RFC 9457 problem+json bodies. Anything else reaching the error handler is a bug
 * or an outage and answers 500 without internals.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface FieldError {
  field: string;
  message: string;
  code: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemType(code: string): string {
  return `urn:vai-de-pix:problem:${code}`;
}

export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: problemType(code), title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, body: Problem): FastifyReply {
  reply.problemCode = body.code;
  return reply
    .code(body.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...body, instance: request.url.split('?')[0], request_id: request.id });
}

/** Maps Ajv errors from Fastify's validation into one entry per offending field. */
export function fieldErrors(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((issue) => {
    const params = issue.params as Record<string, unknown>;
    let field = issue.instancePath;
    if (typeof params.missingProperty === 'string') field = `${field}/${params.missingProperty}`;
    if (typeof params.additionalProperty === 'string') field = `${field}/${params.additionalProperty}`;
    return {
      field: `${context}${field || ''}`,
      message: issue.keyword === 'additionalProperties' ? 'is not an accepted field' : (issue.message ?? 'is invalid'),
      code: issue.keyword,
    };
  });
}

/** Fastify's own 4xx errors, each with the stable code clients see. */
const FRAMEWORK_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    detail: 'The request body is larger than the server accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', detail: 'Send the body as application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_body',
    detail: 'The body is empty but the content type says JSON.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_body', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'malformed_body', detail: 'Content-Length does not match the body.' },
};

/**
 * Contention that outlived the bounded retries (serialization failure, deadlock, lock
 * wait over lock_timeout): nothing was written, and the client may simply retry.
 */
const CONTENTION_CODES = new Set(['40001', '40P01', '55P03']);
export const CONTENTION_RETRY_AFTER_SECONDS = '1';

export function isContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONTENTION_CODES.has(code);
}

export function problemFromError(error: FastifyError): Problem | undefined {
  if (error instanceof DomainError) return problem(error.status, error.code, error.message, error.extra);
  if (isContention(error)) return problem(503, 'busy', 'The accounts are busy right now; nothing was written. Retry shortly.');
  if (error.validation) {
    return problem(400, 'validation_failed', 'The request has invalid fields.', { errors: fieldErrors(error) });
  }
  const known = error.code ? FRAMEWORK_CODES[error.code] : undefined;
  if (known) return problem(known.status, known.code, known.detail);
  if (error instanceof SyntaxError || (error.statusCode === 400 && error.message.includes('JSON'))) {
    return problem(400, 'malformed_body', 'The body is not valid JSON.');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return problem(status, 'bad_request', 'The request could not be handled.');
  return undefined;
}
