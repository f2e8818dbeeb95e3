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

export function createPool(connectionString: string, options: { max?: number; applicationName?: string } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'vai-de-pix',
  });
  // An idle client losing its connection (database restart) must not crash the
  // process; the pool drops it and the next query reconnects.
  pool.on('error', () => {});
  return pool;
}
