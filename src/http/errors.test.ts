import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { SqlState } from '../db/sqlstate.js';
import { DATABASE_RETRY_AFTER_SECONDS, DomainError } from '../lib/errors.js';
import {
  CONTENTION_RETRY_AFTER_SECONDS,
  isContention,
  isDatabaseUnavailable,
  isPoolCheckoutTimeout,
  problemFromError,
  retryAfterSeconds,
} from './errors.js';

function withCode(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['admin_shutdown (pg_ctl stop/restart, pg_terminate_backend)', withCode('57P01')],
    ['crash_shutdown', withCode('57P02')],
    ['cannot_connect_now (starting up, in recovery)', withCode('57P03')],
    ['too_many_connections', withCode('53300')],
    ['connection_exception', withCode('08000')],
    ['connection_does_not_exist', withCode('08003')],
    ['connection_failure', withCode('08006')],
    ['sqlclient_unable_to_establish_sqlconnection', withCode('08001')],
    ['sqlserver_rejected_establishment_of_sqlconnection', withCode('08004')],
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    ['a socket that closed under a query', new Error('Connection terminated unexpectedly')],
    ['a connect that outlived its timeout', new Error('Connection terminated due to connection timeout')],
    ['a client used after its connection errored', new Error('Client has encountered a connection error and is not queryable')],
    ['the driver error wrapped in a cause', new Error('query failed', { cause: withCode('57P01') })],
    ['a refused connect to several addresses', Object.assign(new AggregateError([withCode('ECONNREFUSED')]), {})],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a serialization failure (contention, not an outage)', withCode('40001')],
    ['a statement timeout', withCode('57014')],
    ['a protocol violation (a query with the wrong number of parameters: a bug)', withCode('08P01')],
    ['another class 08 code not known to mean a lost connection', withCode('08007')],
    ['a pool checkout that waited too long (overload or a leak)', new Error('timeout exceeded when trying to connect')],
    ['a domain error', new DomainError('not_found', 404, 'Connection terminated')],
    ['a plain bug', new TypeError('Cannot read properties of undefined')],
    ['not an error at all', 'Connection terminated unexpectedly'],
    ['nothing', undefined],
  ])('not %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('looks only a bounded number of causes deep', () => {
    let error: Error = withCode('57P01');
    for (let depth = 0; depth < 10; depth += 1) error = new Error('wrapped', { cause: error });
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('problemFromError', () => {
  it('answers 503 database_unavailable with nothing of the driver in it', () => {
    const body = problemFromError(withCode('57P01', 'terminating connection due to administrator command') as FastifyError);
    expect(body).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(JSON.stringify(body)).not.toMatch(/terminating|57P01/);
  });

  it('answers 401 unauthenticated for a write the database refused because the person was deleted meanwhile', () => {
    const refused = withCode(SqlState.personDeleted, "this person's account was deleted");
    expect(problemFromError(refused as FastifyError)).toMatchObject({ status: 401, code: 'unauthenticated' });
    const wrapped = Object.assign(new Error('the write failed'), { cause: refused });
    expect(problemFromError(wrapped as FastifyError)).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(problemFromError(withCode(SqlState.raiseException) as FastifyError)).toBeUndefined();
  });
});

describe('a pool checkout timeout', () => {
  const timeout = () => new Error('timeout exceeded when trying to connect');

  it('is recognised, also wrapped in a cause, but not with a code of its own', () => {
    expect(isPoolCheckoutTimeout(timeout())).toBe(true);
    expect(isPoolCheckoutTimeout(new Error('query failed', { cause: timeout() }))).toBe(true);
    expect(isPoolCheckoutTimeout(withCode('57P01', 'timeout exceeded when trying to connect'))).toBe(false);
    expect(isPoolCheckoutTimeout(withCode('40001'))).toBe(false);
  });

  it('answers 503 busy with the contention Retry-After, not database_unavailable', () => {
    expect(problemFromError(timeout() as FastifyError)).toMatchObject({ status: 503, code: 'busy' });
    expect(retryAfterSeconds(timeout())).toBe(retryAfterSeconds(withCode('40001')));
    expect(retryAfterSeconds(timeout())).not.toBe(retryAfterSeconds(withCode('57P01')));
  });
});

describe('retryAfterSeconds', () => {
  it('is set for contention and outages only', () => {
    expect(retryAfterSeconds(withCode('40001'))).toBeDefined();
    expect(retryAfterSeconds(withCode('57P01'))).toBeDefined();
    expect(retryAfterSeconds(withCode('08P01'))).toBeUndefined();
    expect(retryAfterSeconds(new TypeError('bug'))).toBeUndefined();
  });
});

describe('problemFromError for a protocol violation', () => {
  it('leaves 08P01 to the 500 path, as the bug it is', () => {
    expect(problemFromError(withCode('08P01', 'bind message supplies 1 parameters') as FastifyError)).toBeUndefined();
  });
});

describe('classification by SqlState name', () => {
  const contention = [SqlState.serializationFailure, SqlState.deadlockDetected, SqlState.lockNotAvailable];
  const outage = [
    SqlState.connectionException,
    SqlState.connectionDoesNotExist,
    SqlState.connectionFailure,
    SqlState.unableToConnect,
    SqlState.connectionRejected,
    SqlState.adminShutdown,
    SqlState.crashShutdown,
    SqlState.cannotConnectNow,
    SqlState.tooManyConnections,
  ];

  it.each(contention)('%s is contention: 503 busy with the contention Retry-After', (code) => {
    expect(isContention(withCode(code))).toBe(true);
    expect(isDatabaseUnavailable(withCode(code))).toBe(false);
    expect(problemFromError(withCode(code) as FastifyError)).toMatchObject({ status: 503, code: 'busy' });
    expect(retryAfterSeconds(withCode(code))).toBe(CONTENTION_RETRY_AFTER_SECONDS);
  });

  it.each(outage)('%s is an outage: 503 database_unavailable with the outage Retry-After', (code) => {
    expect(isContention(withCode(code))).toBe(false);
    expect(isDatabaseUnavailable(withCode(code))).toBe(true);
    expect(problemFromError(withCode(code) as FastifyError)).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(retryAfterSeconds(withCode(code))).toBe(DATABASE_RETRY_AFTER_SECONDS);
  });

  it.each([
    SqlState.uniqueViolation,
    SqlState.foreignKeyViolation,
    SqlState.checkViolation,
    SqlState.notNullViolation,
    SqlState.queryCanceled,
    SqlState.raiseException,
  ])('%s is neither: a 500, no Retry-After', (code) => {
    expect(isContention(withCode(code))).toBe(false);
    expect(isDatabaseUnavailable(withCode(code))).toBe(false);
    expect(problemFromError(withCode(code) as FastifyError)).toBeUndefined();
    expect(retryAfterSeconds(withCode(code))).toBeUndefined();
  });

  it('names the codes PostgreSQL documents (Appendix A)', () => {
    expect(SqlState).toMatchObject({
      uniqueViolation: '23505',
      serializationFailure: '40001',
      deadlockDetected: '40P01',
      lockNotAvailable: '55P03',
      adminShutdown: '57P01',
      tooManyConnections: '53300',
    });
  });
});
