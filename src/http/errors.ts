import './types.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import { isPersonDeleted, pgCode, SqlState } from '../db/sqlstate.js';
import { DATABASE_RETRY_AFTER_SECONDS, DomainError, type FieldError } from '../lib/errors.js';
import { READ_ONLY_RETRY_AFTER_SECONDS } from './read-only.js';

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
const CONTENTION_CODES: ReadonlySet<string> = new Set([
  SqlState.serializationFailure,
  SqlState.deadlockDetected,
  SqlState.lockNotAvailable,
]);
export const CONTENTION_RETRY_AFTER_SECONDS = '1';

export function isContention(error: unknown): boolean {
  const code = pgCode(error);
  return code !== undefined && CONTENTION_CODES.has(code);
}

/**
 * The database cannot be reached or is restarting: an outage, not a bug. The SQLSTATEs
 * are the class 08 connection exceptions that mean a lost or refused connection,
 * admin_shutdown (also sent to every session by pg_ctl stop/restart and
 * pg_terminate_backend), crash_shutdown, cannot_connect_now (starting up, shutting down,
 * in recovery), too_many_connections and disk_full (a table that must grow on a full
 * volume: the statement is refused before it changes anything, and writes succeed again
 * once space is freed, with no restart). Not the rest of class 08: protocol_violation
 * (08P01) is what a query with the wrong number of parameters gets, a bug that must
 * answer 500. Then the socket error codes from Node when the server is down or gone.
 */
const DATABASE_UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set([
  SqlState.connectionException,
  SqlState.connectionDoesNotExist,
  SqlState.connectionFailure,
  SqlState.unableToConnect,
  SqlState.connectionRejected,
  SqlState.adminShutdown,
  SqlState.crashShutdown,
  SqlState.cannotConnectNow,
  SqlState.tooManyConnections,
  SqlState.diskFull,
]);
const DATABASE_UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/**
 * node-postgres and pg-pool report a lost or refused connection as plain errors with
 * only a message: a socket that closed under a query, a client used after its
 * connection errored, a connect that outlived connectionTimeoutMillis.
 */
const DATABASE_UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Query read timeout$/,
];
/**
 * pg-pool's message when a checkout waited connectionTimeoutMillis for a free client.
 * Every connection was busy (overload, or a client never released): contention or a
 * leak, not an outage, so it is not database_unavailable.
 */
const POOL_CHECKOUT_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';
/** Wrappers (pg-pool, a query layer) keep the driver's error in `cause`; this many levels are looked at. */
const CAUSE_DEPTH_MAX = 4;

function unavailableHere(error: { code?: unknown; message?: unknown }): boolean {
  const code = error.code;
  if (typeof code === 'string' && (DATABASE_UNAVAILABLE_SQLSTATES.has(code) || DATABASE_UNAVAILABLE_SOCKET_CODES.has(code))) {
    return true;
  }
  // Only an error without a code of its own is judged by its message: the driver's.
  const message = error.message;
  return (
    code === undefined && typeof message === 'string' && DATABASE_UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))
  );
}

type ErrorShape = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/** True when the error, or an error it wraps (a bounded number of causes deep), passes the test. */
function somewhereInChain(error: unknown, test: (candidate: ErrorShape) => boolean): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= CAUSE_DEPTH_MAX && typeof current === 'object' && current !== null; depth += 1) {
    const candidate = current as ErrorShape;
    if (test(candidate)) return true;
    // Node reports a refused connect to a name with several addresses as an AggregateError.
    if (
      Array.isArray(candidate.errors) &&
      candidate.errors.some((inner) => typeof inner === 'object' && inner !== null && test(inner))
    ) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}

/** True when the error, or an error it wraps, says the database is down, restarting or unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return somewhereInChain(error, unavailableHere);
}

/** True when the error, or an error it wraps, is pg-pool giving up waiting for a free connection. */
export function isPoolCheckoutTimeout(error: unknown): boolean {
  return somewhereInChain(
    error,
    (candidate) => candidate.code === undefined && candidate.message === POOL_CHECKOUT_TIMEOUT_MESSAGE,
  );
}

/**
 * True when the error, or an error it wraps, is PostgreSQL refusing a write in a read-only
 * transaction (SQLSTATE 25006): a replica, default_transaction_read_only, a server put in
 * read-only. Not contention (a retry now meets the same refusal) and not a bug: the
 * statement was refused before it changed anything, and the transaction rolls back whole.
 */
export function isDatabaseReadOnly(error: unknown): boolean {
  return somewhereInChain(error, (candidate) => candidate.code === SqlState.readOnlySqlTransaction);
}

const READ_ONLY_DETAIL =
  'The service is read-only for now: reading works, changes are refused and nothing was written. Retry later; a write retried with the same Idempotency-Key takes effect once.';

/** The answer to a write while the service is read-only, whoever noticed it (READ_ONLY=true or the database). */
export function readOnlyRefusal(): DomainError {
  return new DomainError('read_only', 503, READ_ONLY_DETAIL, {}, { 'retry-after': READ_ONLY_RETRY_AFTER_SECONDS });
}

/** How long a client is told to wait before retrying a 503, or undefined when the answer is not one. */
export function retryAfterSeconds(error: unknown): string | undefined {
  if (isDatabaseReadOnly(error)) return READ_ONLY_RETRY_AFTER_SECONDS;
  if (isContention(error) || isPoolCheckoutTimeout(error)) return CONTENTION_RETRY_AFTER_SECONDS;
  if (isDatabaseUnavailable(error)) return DATABASE_RETRY_AFTER_SECONDS;
  return undefined;
}

export function problemFromError(error: FastifyError): Problem | undefined {
  if (error instanceof DomainError) return problem(error.status, error.code, error.message, error.extra);
  // The account was deleted while this request was under way: its session is gone with it.
  if (isPersonDeleted(error)) return problem(401, 'unauthenticated', 'Sign in to continue.');
  if (isDatabaseReadOnly(error)) return problem(503, 'read_only', READ_ONLY_DETAIL);
  if (isContention(error)) return problem(503, 'busy', 'The accounts are busy right now; nothing was written. Retry shortly.');
  if (isPoolCheckoutTimeout(error)) {
    return problem(
      503,
      'busy',
      'The server is busy right now. Retry shortly; a write retried with the same Idempotency-Key takes effect once.',
    );
  }
  if (isDatabaseUnavailable(error)) {
    return problem(
      503,
      'database_unavailable',
      'The database is unavailable right now. Retry shortly; a write retried with the same Idempotency-Key takes effect once.',
    );
  }
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
