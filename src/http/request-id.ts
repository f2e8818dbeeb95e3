import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID_LENGTH_MAX = 128;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/**
 * Honours an incoming X-Request-Id when it is short and plain (so a proxy's id
 * threads through the logs), else makes a new one. Odd values are replaced rather
 * than echoed, so nobody can inject text into logs or headers.
 */
export function newRequestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && incoming.length <= REQUEST_ID_LENGTH_MAX && REQUEST_ID_PATTERN.test(incoming)) {
    return incoming;
  }
  return randomUUID();
}
