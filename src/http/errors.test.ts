import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DomainError, isDatabaseUnavailable, problemFromError } from './errors.js';

function withCode(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['admin_shutdown (pg_ctl stop/restart, pg_terminate_backend)', withCode('57P01')],
    ['crash_shutdown', withCode('57P02')],
    ['cannot_connect_now (starting up, in recovery)', withCode('57P03')],
    ['too_many_connections', withCode('53300')],
    ['connection_failure (class 08)', withCode('08006')],
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    ['a socket that closed under a query', new Error('Connection terminated unexpectedly')],
    ['a connect that outlived its timeout', new Error('Connection terminated due to connection timeout')],
    ['a client used after its connection errored', new Error('Client has encountered a connection error and is not queryable')],
    ['a checkout that waited too long', new Error('timeout exceeded when trying to connect')],
    ['the driver error wrapped in a cause', new Error('query failed', { cause: withCode('57P01') })],
    ['a refused connect to several addresses', Object.assign(new AggregateError([withCode('ECONNREFUSED')]), {})],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a serialization failure (contention, not an outage)', withCode('40001')],
    ['a statement timeout', withCode('57014')],
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
});
