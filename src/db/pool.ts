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
  /**
   * PostgreSQL itself, when the pool's own URL goes through a pooler in transaction mode
   * (DATABASE_DIRECT_URL). The pool then sends its statements unnamed, and what needs a
   * session of its own connects here (sessionConnection).
   */
  directUrl?: string;
}

/** The direct URL of each pool that goes through a transaction pooler. */
const directUrls = new WeakMap<pg.Pool, string>();

/**
 * Where a connection that needs a session of its own goes: a LISTEN, a session advisory lock,
 * pg_dump. Behind PgBouncer in transaction pooling a client's statements may each run on another
 * server connection, so a LISTEN there hears nothing and a session lock is taken on one server
 * connection and released (or not) on another. The pool's own options, with the direct URL
 * when the pool has one.
 */
export function sessionConnection(pool: pg.Pool): pg.PoolConfig {
  const directUrl = directUrls.get(pool);
  return directUrl === undefined ? { ...pool.options } : { ...pool.options, connectionString: directUrl };
}

/**
 * PgBouncer 1.18 in transaction pooling hands each transaction whatever server connection is
 * free, but node-postgres prepares a named statement once per client connection: the next use
 * lands on a server connection that never saw it ("prepared statement … does not exist") or
 * one where another client already prepared it ("… already exists"). Unnamed, each statement
 * is parsed with its own Bind and Execute, in the same message as its Sync.
 */
function sendStatementsUnnamed(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const unnamed = (config: unknown, ...rest: unknown[]) => {
    const named = typeof config === 'object' && config !== null && 'name' in config && !('submit' in config);
    return query(named ? { ...config, name: undefined } : config, ...rest);
  };
  (client as unknown as { query: typeof unnamed }).query = unnamed;
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
  const { directUrl } = options;
  if (directUrl !== undefined) directUrls.set(pool, directUrl);
  pool.on('connect', (client) => {
    client.on('error', rememberConnectionError);
    if (directUrl !== undefined) sendStatementsUnnamed(client);
  });
  // An idle client losing its connection: the pool has already dropped it, and the
  // next checkout opens a new connection.
  pool.on('error', (error) => {
    rememberConnectionError(error);
    options.onIdleConnectionLost?.(error);
  });
  return pool;
}
