import type { DestinationStream, LoggerOptions } from 'pino';
import { scrubText, serializeError } from './errors.js';

/**
 * Log redaction by object path: credentials and personal data that code might put in a
 * log object never reach the stream. Errors do not rely on it: they go through
 * serializeError, which keeps only what is known to be safe.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.password_hash',
  '*.token',
  '*.email',
  '*.detail',
  '*.parameters',
  '*.params',
  'body',
];

/** The request as it may appear in a log line: no headers, no query string (it can hold e-mails or tokens). */
function serializeRequest(request: { method?: string; url?: string }): { method?: string; path?: string } {
  return { method: request.method, path: request.url?.split('?')[0] };
}

/**
 * Serializers for every logger of the process: the API's (buildApp), the worker's and
 * main's. `err` is the one place an error becomes log text.
 */
export const LOG_SERIALIZERS = {
  err: serializeError,
  error: serializeError,
  req: serializeRequest,
};

/** The pino options of every logger in the process; a stream is given by tests that capture lines. */
export function loggerOptions(level: string, stream?: DestinationStream): LoggerOptions & { stream?: DestinationStream } {
  return { level, redact: LOG_REDACT_PATHS, serializers: LOG_SERIALIZERS, ...(stream ? { stream } : {}) };
}

/** Lines of the embedded server's log that follow an error and quote values or statements. */
const POSTGRES_VALUE_LINE = /\b(DETAIL|STATEMENT|CONTEXT|HINT|QUERY|LOCATION):/;
/** Statement-level messages: a constraint's, a trigger's RAISE text, with the row in it. */
const POSTGRES_STATEMENT_MESSAGE = /^(.*?\b(ERROR|WARNING|NOTICE|INFO)):\s.*$/s;

/**
 * A line of the embedded PostgreSQL server's own log, fit for the app's log, or undefined
 * to drop it. The server logs a failed statement with its message, DETAIL (key values,
 * failing rows) and STATEMENT; the app already logs each failure with its SQLSTATE, so
 * those lines go and a statement-level message keeps only its severity. Server lifecycle
 * lines (start, checkpoint, FATAL connection errors) stay, scrubbed.
 */
export function embeddedPostgresLogLine(line: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || POSTGRES_VALUE_LINE.test(trimmed)) return undefined;
  const statement = POSTGRES_STATEMENT_MESSAGE.exec(trimmed);
  if (statement) return `${statement[1]}: (message withheld: it can quote row values)`;
  return scrubText(trimmed);
}
