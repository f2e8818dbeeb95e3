import pg from 'pg';

/** Bounds on every connection, so a stuck database cannot hold a request forever. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const STATEMENT_TIMEOUT_MS = 30_000;
export const IDLE_TIMEOUT_MS = 30_000;

// BIGINT (int8) columns hold centavos; they are read as JS numbers. Every amount the
// application accepts is bounded far below 2^53, and totals are asserted to stay so.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return parsed;
});

// DATE columns (occurred_on) stay 'YYYY-MM-DD' strings: a calendar day has no time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /**
   * Told when an idle pooled connection is lost, e.g. for a log line. A checked-out
   * connection's loss reaches its caller as the error of the query in progress.
   */
  onIdleConnectionLost?: (error: Error) => void;
}

/**
 * Errors that a database connection reported through its 'error' event. Only these are
 * known to be a lost connection of ours; the process forgives such an error if it also
 * reaches no handler (the same object rejects the query in progress), and nothing else
 * that merely looks like one, such as a socket error of any other origin.
 */
const connectionErrors = new WeakSet<object>();

/** Records an error a database client or pool emitted as 'error'. */
export function rememberConnectionError(error: unknown): void {
  if (typeof error === 'object' && error !== null) connectionErrors.add(error);
}

/** True when this very error object was emitted by a database connection's 'error' event. */
export function isConnectionError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && connectionErrors.has(error);
}

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // A server that vanished without closing the socket is noticed by TCP keepalive.
    keepAlive: true,
    application_name: options.applicationName ?? 'vai-de-pix',
  });
  // pg-pool listens for 'error' only while a client is idle in the pool. A checked-out
  // client whose connection dies (a database restart) emits 'error' with nobody
  // listening, which Node turns into an uncaught exception that stops the process.
  // This listener stays for the client's whole life: the query in progress still fails
  // with the error, the client is marked unusable, and release() then destroys it
  // instead of returning it to the pool.
  pool.on('connect', (client) => {
    client.on('error', rememberConnectionError);
  });
  // An idle client losing its connection: the pool has already dropped it, and the
  // next checkout opens a new connection.
  pool.on('error', (error) => {
    rememberConnectionError(error);
    options.onIdleConnectionLost?.(error);
  });
  return pool;
}
