/**
 * One description of an error for logs and error reports, with nothing personal in it.
 *
 * Errors from PostgreSQL carry row values in their message and fields ("Key (email)=(…)
 * already exists", "Failing row contains (…)", a trigger's RAISE text, `detail`, `where`,
 * `internalQuery`), and query builders embed the bound parameters in theirs ("Failed query:
 * … params: …"). So a database error is described by its SQLSTATE and schema names only,
 * an error that carries a query loses its message, and every other message is scrubbed of
 * anything shaped like an e-mail, a password hash or a token. Whatever the value thrown
 * (an Error, a string, an object), the result is safe to write anywhere.
 */

/** How deep `cause` chains are followed; beyond it the rest is left out. */
const CAUSE_DEPTH_MAX = 4;
/** How many errors of an AggregateError are described. */
const AGGREGATE_ERRORS_MAX = 3;
/** Longest message kept; a longer one is cut, so a huge value cannot flood a log line. */
const MESSAGE_LENGTH_MAX = 500;
/** Most stack frames kept per error. */
const STACK_FRAMES_MAX = 30;

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;
/** Node's and Fastify's own codes (ECONNRESET, FST_ERR_…) are plain identifiers, safe to keep. */
const PLAIN_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Schema names (constraint, table, column …) are identifiers; anything else is dropped. */
const IDENTIFIER_LENGTH_MAX = 128;

const POSTGRES_FIELDS = ['severity', 'constraint', 'table', 'column', 'schema', 'routine', 'dataType'] as const;

/** Properties by which a query builder's error carries the statement and its parameters. */
const QUERY_CARRYING_FIELDS = ['query', 'params', 'parameters', 'sql', 'values'];
const QUERY_MESSAGE_PATTERN = /^\s*Failed query\b|\bparams:/i;

export type SerializedError = {
  type: string;
  message: string;
  code?: string;
  status_code?: number;
  severity?: string;
  constraint?: string;
  table?: string;
  column?: string;
  schema?: string;
  routine?: string;
  data_type?: string;
  /** The class of the error that wrapped the PostgreSQL error (a query builder's), if any. */
  wrapped_in?: string;
  /** Frame lines only; empty when the value had no stack. */
  stack: string;
  cause?: SerializedError;
  errors?: SerializedError[];
};

/** Text that looks like personal data or a credential, each with what replaces it. */
const SCRUB_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\$argon2(id|i|d)\$[A-Za-z0-9$=,.+/]*/g, '[hash]'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [token]'],
  // Session tokens are 32 random bytes in base64url: 43 characters.
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, '[token]'],
];

/**
 * What the server's e-mail schema accepts (auth.schemas.ts: one "@", then dotted labels of
 * anything but spaces, "@" and dots) contains this: a character, "@", a label, a dot and a
 * character. The local part can hold quotes, "=" and brackets and the labels anything, so
 * no character marks where an address begins or ends inside a word: the whole
 * whitespace-delimited word that holds one is masked. Linear: only the character before
 * an "@" starts a match, and the label cannot contain the dot that ends it.
 */
const EMAIL_SHAPE = /[^\s@]@[^\s@.]+\.[^\s@.]/;
const WORD = /\S+/g;
/**
 * Scrubbing looks this far past MESSAGE_LENGTH_MAX before the text is cut, so a secret that
 * straddles the cut is still recognised whole: longer than any address the schema accepts
 * (EMAIL_LENGTH_MAX + 20) and than a session token.
 */
const SCRUB_LOOKAHEAD_MAX = 320;

/** Replaces e-mails, password hashes and tokens in free text, and bounds its length. */
export function scrubText(text: string): string {
  let scrubbed = text.slice(0, MESSAGE_LENGTH_MAX + SCRUB_LOOKAHEAD_MAX);
  for (const [pattern, replacement] of SCRUB_PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  scrubbed = scrubbed.replace(WORD, (word) => (EMAIL_SHAPE.test(word) ? '[email]' : word));
  return text.length > MESSAGE_LENGTH_MAX || scrubbed.length > MESSAGE_LENGTH_MAX
    ? `${scrubbed.slice(0, MESSAGE_LENGTH_MAX)}…`
    : scrubbed;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= IDENTIFIER_LENGTH_MAX ? value : undefined;
}

/** An error as node-postgres builds it from the server's ErrorResponse. */
export function isPostgresError(value: unknown): boolean {
  const code = field(value, 'code');
  return typeof code === 'string' && SQLSTATE_PATTERN.test(code) && typeof field(value, 'severity') === 'string';
}

function carriesQuery(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (QUERY_CARRYING_FIELDS.some((name) => name in value)) return true;
  const message = field(value, 'message');
  return typeof message === 'string' && QUERY_MESSAGE_PATTERN.test(message);
}

/** The error's class name; a name is code, but it is scrubbed and bounded like a message all the same. */
function typeName(value: unknown): string {
  let name: string;
  if (value instanceof Error) name = value.name || value.constructor.name || 'Error';
  else if (value === null) name = 'null';
  else if (typeof value === 'object') name = value.constructor?.name ?? 'Object';
  else name = typeof value;
  return scrubText(name.slice(0, IDENTIFIER_LENGTH_MAX));
}

/** Only the "    at …" frame lines: the first lines of a V8 stack repeat the message. */
export function framesOnly(stack: unknown): string {
  if (typeof stack !== 'string') return '';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, STACK_FRAMES_MAX)
    .join('\n');
}

function describePostgres(error: unknown): SerializedError {
  const code = field(error, 'code') as string;
  const described: SerializedError = { type: 'DatabaseError', message: '', code, stack: framesOnly(field(error, 'stack')) };
  for (const name of POSTGRES_FIELDS) {
    const value = identifier(field(error, name));
    if (value !== undefined) described[name === 'dataType' ? 'data_type' : name] = value;
  }
  const on = described.constraint
    ? ` (constraint ${described.constraint})`
    : described.table
      ? ` (table ${described.table})`
      : '';
  described.message = `PostgreSQL error ${code}${on}`;
  return described;
}

function describeError(value: unknown, depth: number): SerializedError {
  if (isPostgresError(value)) return describePostgres(value);
  // A query builder's error around the driver's: described as the database error it is,
  // with the wrapper's frames (they show which query of ours failed).
  const postgres = carriesQuery(value) ? findPostgresError(value) : undefined;
  if (postgres !== undefined) {
    return { ...describePostgres(postgres), wrapped_in: typeName(value), stack: framesOnly(field(value, 'stack')) };
  }
  if (typeof value !== 'object' || value === null) {
    return { type: typeName(value), message: typeof value === 'string' ? scrubText(value) : '', stack: '' };
  }
  const message = field(value, 'message');
  const described: SerializedError = {
    type: typeName(value),
    message: carriesQuery(value)
      ? 'a query failed (message withheld: it embeds the query parameters)'
      : scrubText(typeof message === 'string' ? message : ''),
    stack: framesOnly(field(value, 'stack')),
  };
  const code = field(value, 'code');
  if (typeof code === 'string' && PLAIN_CODE_PATTERN.test(code)) described.code = code;
  const statusCode = field(value, 'statusCode');
  if (typeof statusCode === 'number' && Number.isInteger(statusCode)) described.status_code = statusCode;
  const cause = field(value, 'cause');
  if (cause !== undefined && depth < CAUSE_DEPTH_MAX) described.cause = describeError(cause, depth + 1);
  const errors = field(value, 'errors');
  if (Array.isArray(errors) && depth < CAUSE_DEPTH_MAX) {
    described.errors = errors.slice(0, AGGREGATE_ERRORS_MAX).map((inner) => describeError(inner, depth + 1));
  }
  return described;
}

/**
 * The pino serializer for `err`: for a PostgreSQL error its SQLSTATE, severity and
 * schema names; for any other error its type, scrubbed message, code and frames, and
 * its cause described the same way. Never row values, parameters or query text.
 */
export function serializeError(value: unknown): SerializedError {
  return describeError(value, 0);
}

/** The PostgreSQL error in a chain of causes (a query builder wraps the driver's), if any. */
export function findPostgresError(value: unknown): unknown {
  let current = value;
  for (let depth = 0; depth <= CAUSE_DEPTH_MAX && current !== undefined; depth += 1) {
    if (isPostgresError(current)) return current;
    current = field(current, 'cause');
  }
  return undefined;
}

/**
 * A fresh Error holding only what serializeError keeps, with the original frames, for
 * an error reporter that reads `message`, `stack` and `cause` off whatever it is given.
 */
export function sanitizedError(value: unknown): Error {
  return toError(serializeError(value));
}

function toError(described: SerializedError): Error {
  const error = new Error(described.message || `${described.type} thrown`);
  error.name = described.type;
  error.stack = `${described.type}: ${error.message}\n${described.stack}`;
  if (described.cause) error.cause = toError(described.cause);
  return error;
}
