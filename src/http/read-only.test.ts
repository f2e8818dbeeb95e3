import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { SqlState } from '../db/sqlstate.js';
import { fixedClock } from '../lib/clock.js';
import { isContention, isDatabaseReadOnly, problemFromError, readOnlyRefusal, retryAfterSeconds } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import type { RateLimitRepository } from './rate-limit.repository.js';
import { createReadOnlyMode, READ_ONLY_NOTICE_MS, READ_ONLY_RETRY_AFTER_SECONDS } from './read-only.js';

function withCode(code: string): Error {
  return Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code });
}

describe('the read-only mode', () => {
  it('READ_ONLY=true holds whatever happens', () => {
    let nowMs = 0;
    const mode = createReadOnlyMode({ forced: true, now: () => nowMs });
    expect(mode.active()).toBe(true);
    nowMs += READ_ONLY_NOTICE_MS * 10;
    expect(mode.active()).toBe(true);
  });

  it('a refusal by the database holds for the notice period, then writes are tried again', () => {
    let nowMs = 1_000;
    const mode = createReadOnlyMode({ forced: false, now: () => nowMs });
    expect(mode.active()).toBe(false);
    mode.noticeDatabaseReadOnly();
    expect(mode.active()).toBe(true);
    nowMs += READ_ONLY_NOTICE_MS - 1;
    expect(mode.active()).toBe(true);
    nowMs += 1;
    expect(mode.active()).toBe(false);
    // A later refusal starts the period again from then.
    mode.noticeDatabaseReadOnly();
    nowMs += READ_ONLY_NOTICE_MS / 2;
    expect(mode.active()).toBe(true);
  });

  it('tells a client to come back after the notice period', () => {
    expect(Number(READ_ONLY_RETRY_AFTER_SECONDS) * 1000).toBe(READ_ONLY_NOTICE_MS);
  });
});

describe('SQLSTATE 25006 (read_only_sql_transaction)', () => {
  it('is a 503 read_only with Retry-After, not contention and not a 500', () => {
    const error = withCode(SqlState.readOnlySqlTransaction);
    expect(isDatabaseReadOnly(error)).toBe(true);
    expect(isContention(error)).toBe(false);
    expect(problemFromError(error as FastifyError)).toMatchObject({ status: 503, code: 'read_only' });
    expect(retryAfterSeconds(error)).toBe(READ_ONLY_RETRY_AFTER_SECONDS);
  });

  it('is found in a wrapper’s cause', () => {
    const wrapped = new Error('query failed', { cause: withCode('25006') });
    expect(isDatabaseReadOnly(wrapped)).toBe(true);
    expect(problemFromError(wrapped as FastifyError)?.code).toBe('read_only');
  });

  it('is not any other class 25 code (a bug such as a statement in an aborted transaction stays a 500)', () => {
    for (const code of ['25P02', '25001', '25000']) {
      expect(isDatabaseReadOnly(withCode(code)), code).toBe(false);
      expect(problemFromError(withCode(code) as FastifyError), code).toBeUndefined();
    }
  });

  it('the refusal of the READ_ONLY hook carries the same code and Retry-After', () => {
    const refusal = readOnlyRefusal();
    expect(refusal).toMatchObject({ status: 503, code: 'read_only', headers: { 'retry-after': READ_ONLY_RETRY_AFTER_SECONDS } });
  });
});

describe('rate limits while the database refuses writes', () => {
  it('are counted in the process: the request goes on, and the limit still holds', async () => {
    const clock = fixedClock('2026-12-01T12:00:00Z');
    const repository = {
      hit: async () => {
        throw withCode(SqlState.readOnlySqlTransaction);
      },
    } as unknown as RateLimitRepository;
    const limiter = new RateLimiter(repository, clock);
    const rule = { max: 2, window_ms: 60_000 };
    const allowed = [];
    for (let attempt = 0; attempt < 3; attempt += 1) allowed.push((await limiter.consume('privacy:export', 'u1', rule)).allowed);
    expect(allowed).toEqual([true, true, false]);
    expect((await limiter.consume('privacy:export', 'u2', rule)).allowed).toBe(true);
    clock.advance(60_000);
    expect((await limiter.consume('privacy:export', 'u1', rule)).allowed).toBe(true);
  });

  it('any other database failure still fails the request', async () => {
    const repository = {
      hit: async () => {
        throw withCode(SqlState.serializationFailure);
      },
    } as unknown as RateLimitRepository;
    const limiter = new RateLimiter(repository, fixedClock('2026-12-01T12:00:00Z'));
    await expect(limiter.consume('privacy:export', 'u1', { max: 2, window_ms: 60_000 })).rejects.toMatchObject({ code: '40001' });
  });
});
