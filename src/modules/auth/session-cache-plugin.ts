import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { sessionConnection } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import { AuthChangeListener } from './auth-change-listener.js';
import { SessionCache } from './session-cache.js';

/** Most live sessions a process keeps in memory; beyond it the oldest copy goes. */
const SESSION_CACHE_MAX_ENTRIES = 10_000;

/**
 * The in-process session cache and the connection that keeps it honest, started when the
 * app is ready and stopped when it closes; undefined when SESSION_CACHE_SECONDS is 0.
 */
export function sessionCache(
  app: FastifyInstance,
  options: { pool: pg.Pool; clock: Clock; seconds: number },
): SessionCache | undefined {
  if (options.seconds === 0) return undefined;
  const cache = new SessionCache({
    ttlMs: options.seconds * 1000,
    maxEntries: SESSION_CACHE_MAX_ENTRIES,
    clock: options.clock,
  });
  const listener = new AuthChangeListener({
    createClient: () =>
      new pg.Client({ ...sessionConnection(options.pool), keepAlive: true, application_name: 'vai-de-pix-listener' }),
    cache,
    log: app.log,
  });
  app.addHook('onReady', async () => listener.start());
  app.addHook('onClose', async () => listener.stop());
  return cache;
}
