import type { Logger } from 'pino';
import { isConnectionError } from './db/pool.js';

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What the process does with an error nothing handled (uncaughtException,
 * unhandledRejection). A lost database connection is an expected event (the database
 * restarted): every pooled client has an error listener that records the error, so one
 * reaching this point escaped a handler (e.g. the same error rejecting a query nobody
 * awaited); it is logged and the process carries on, since the pool replaces the
 * connection. Only errors so recorded are forgiven: an ECONNRESET or a "Connection
 * terminated" of any other origin says nothing about the database and stops the process
 * like anything else. Anything else is a bug: stop, draining what can be drained within
 * grace_ms, and exit 1.
 */
export function unexpectedErrorHandler(options: {
  logger: Pick<Logger, 'error'>;
  /** Reports the error (e.g. to Sentry) before the process stops. */
  report?: (error: unknown) => void;
  shutdown: () => Promise<void>;
  /** Removes the signal handlers, so a signal during the stop exits at once. */
  uninstall: () => void;
  grace_ms: number;
  exit?: (code: number) => void;
}): (error: unknown) => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  return (error) => {
    if (isConnectionError(error)) {
      options.logger.error(
        { code: errorCode(error) },
        'a lost database connection reached no handler; carrying on, the pool reconnects',
      );
      return;
    }
    if (stopping) return;
    stopping = true;
    options.logger.error({ err: error }, 'stopping after an unexpected error');
    options.report?.(error);
    options.uninstall();
    setTimeout(() => exit(1), options.grace_ms).unref();
    void options
      .shutdown()
      .catch(() => {})
      .finally(() => exit(1));
  };
}
