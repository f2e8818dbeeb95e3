import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * What a client-sent X-Request-Id must look like to be used: long enough not to collide
 * by accident (a UUID, a proxy's 16–32 hex digits), short enough to log, and made of
 * characters that need no escaping in logs, headers or JSON.
 */
export const REQUEST_ID_LENGTH_MIN = 8;
export const REQUEST_ID_LENGTH_MAX = 128;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/**
 * Honours an incoming X-Request-Id that looks like one (so a proxy's id threads through
 * the logs), else makes a new one. Odd values are replaced rather than echoed, so nobody
 * can inject text into logs or headers. The id is echoed only on the response to the
 * request that carried it and stored with what that request wrote, which only its owner
 * can read; stored idempotent answers hold bodies, never the first request's id.
 */
export function newRequestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (
    typeof incoming === 'string' &&
    incoming.length >= REQUEST_ID_LENGTH_MIN &&
    incoming.length <= REQUEST_ID_LENGTH_MAX &&
    REQUEST_ID_PATTERN.test(incoming)
  ) {
    return incoming;
  }
  return randomUUID();
}
