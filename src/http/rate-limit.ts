import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { assert } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { clientAddressKey } from './client-address.js';
import { DomainError } from './errors.js';
import type { RateLimitRepository } from './rate-limit.repository.js';

export interface RateLimitRule {
  max: number;
  window_ms: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until the window ends, at least 1. */
  retryAfterSeconds: number;
}

/** Scope and subject names are ours (a route name, an address, a hash), never long. */
const SCOPE_LENGTH_MAX = 64;
const SUBJECT_LENGTH_MAX = 512;

/**
 * Keys this process already knows to be over their limit, each until its window ends.
 * Bounded; when full, expired entries go, and if that is not enough it is emptied.
 * Forgetting an entry only costs a database round trip, never a wrong answer.
 */
export const DENIED_KEYS_MAX = 10_000;

/**
 * Counts attempts in fixed windows kept in PostgreSQL (table rate_limits), so a limit
 * holds across restarts and across any number of API processes. A window starts with
 * the first attempt of a key and lasts window_ms; at most max attempts are allowed in
 * it (so across a window boundary a client can get up to 2 × max in a short time,
 * which the limits are chosen to tolerate). Keys are SHA-256 hashes of scope and
 * subject: a row never holds an e-mail or an address, and every row has the same size.
 *
 * A count never goes down within a window, so once the database has said "over the
 * limit until T" this process answers that itself until T: a flood from a limited
 * client costs no database write per request.
 */
export class RateLimiter {
  private readonly deniedUntil = new Map<string, number>();

  constructor(
    private readonly repository: RateLimitRepository,
    private readonly clock: Clock,
  ) {}

  async consume(scope: string, subject: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    assert(scope.length > 0 && scope.length <= SCOPE_LENGTH_MAX, 'rate-limit scope length');
    assert(Number.isInteger(rule.max) && rule.max >= 1, 'rate-limit max is a positive integer');
    assert(Number.isInteger(rule.window_ms) && rule.window_ms >= 1, 'rate-limit window is a positive integer');
    const key = createHash('sha256').update(scope).update('\u0000').update(subject.slice(0, SUBJECT_LENGTH_MAX)).digest();
    const now = this.clock.now();
    const cacheKey = key.toString('base64');
    const deniedUntil = this.deniedUntil.get(cacheKey);
    if (deniedUntil !== undefined && deniedUntil > now.getTime()) {
      return { allowed: false, retryAfterSeconds: secondsBetween(now.getTime(), deniedUntil) };
    }
    const count = await this.repository.hit({
      key,
      now,
      windowEndsAt: new Date(now.getTime() + rule.window_ms),
      ceiling: rule.max + 1,
    });
    const allowed = count.hits <= rule.max;
    if (!allowed) this.rememberDenied(cacheKey, count.windowEndsAt.getTime(), now.getTime());
    return { allowed, retryAfterSeconds: secondsBetween(now.getTime(), count.windowEndsAt.getTime()) };
  }

  /** Counts one attempt and throws 429 rate_limited with Retry-After past the rule. */
  async enforce(scope: string, subject: string, rule: RateLimitRule): Promise<void> {
    const decision = await this.consume(scope, subject, rule);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
  }

  private rememberDenied(cacheKey: string, untilMs: number, nowMs: number): void {
    if (this.deniedUntil.size >= DENIED_KEYS_MAX) {
      for (const [key, until] of this.deniedUntil) if (until <= nowMs) this.deniedUntil.delete(key);
      if (this.deniedUntil.size >= DENIED_KEYS_MAX) this.deniedUntil.clear();
    }
    this.deniedUntil.set(cacheKey, untilMs);
  }
}

function secondsBetween(fromMs: number, toMs: number): number {
  return Math.max(1, Math.ceil((toMs - fromMs) / 1000));
}

export function rateLimited(retryAfterSeconds: number): DomainError {
  return new DomainError(
    'rate_limited',
    429,
    'Too many attempts; try again later.',
    { retry_after_seconds: retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/**
 * An onRequest hook that limits a route per client address (an IPv6 client by its
 * /64). It runs before the body is read, parsed or validated, so a flood of large or
 * hostile bodies from one address is cut after `max` requests at the cost of one
 * counter update each.
 */
export function limitPerAddress(limiter: RateLimiter, scope: string, rule: RateLimitRule) {
  return async (request: FastifyRequest): Promise<void> => {
    await limiter.enforce(scope, clientAddressKey(request.ip), rule);
  };
}
