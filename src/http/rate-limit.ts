import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { pgCode, SqlState } from '../db/sqlstate.js';
import { assert } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { DomainError } from '../lib/errors.js';
import { clientAddressKey, clientNetworkKey } from './client-address.js';
import type { RateLimitCount, RateLimitRepository } from './rate-limit.repository.js';

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
  /** Attempts counted while the database refused writes (see count), by key. */
  private readonly localCounts = new Map<string, { hits: number; windowEndsAtMs: number }>();

  constructor(
    private readonly repository: RateLimitRepository,
    private readonly clock: Clock,
  ) {}

  async consume(scope: string, subject: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    assert(Number.isInteger(rule.max) && rule.max >= 1, 'rate-limit max is a positive integer');
    assert(Number.isInteger(rule.window_ms) && rule.window_ms >= 1, 'rate-limit window is a positive integer');
    const key = keyOf(scope, subject);
    const now = this.clock.now();
    const cacheKey = key.toString('base64');
    const refused = this.refusedUntil(cacheKey, now.getTime());
    if (refused !== undefined) return { allowed: false, retryAfterSeconds: refused };
    const count = await this.count(key, cacheKey, now, rule);
    const allowed = count.hits <= rule.max;
    if (!allowed) this.rememberDenied(cacheKey, count.windowEndsAt.getTime(), now.getTime());
    return { allowed, retryAfterSeconds: secondsBetween(now.getTime(), count.windowEndsAt.getTime()) };
  }

  /** Counts one attempt and throws 429 rate_limited with Retry-After past the rule. */
  async enforce(scope: string, subject: string, rule: RateLimitRule): Promise<void> {
    const decision = await this.consume(scope, subject, rule);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
  }

  /**
   * Counts one attempt in the database, or in this process while the database is read-only:
   * a counter is incidental to the request it guards (a GET such as the export among them),
   * so a read-only database must not refuse the request, nor lift the limit.
   */
  private async count(key: Buffer, cacheKey: string, now: Date, rule: RateLimitRule): Promise<RateLimitCount> {
    const windowEndsAt = new Date(now.getTime() + rule.window_ms);
    try {
      return await this.repository.hit({ key, now, windowEndsAt, ceiling: rule.max + 1 });
    } catch (error) {
      if (pgCode(error) !== SqlState.readOnlySqlTransaction) throw error;
      return this.countInProcess(cacheKey, now.getTime(), windowEndsAt.getTime());
    }
  }

  /** The same fixed window as the database's, kept in a bounded map (emptied when full, like deniedUntil). */
  private countInProcess(cacheKey: string, nowMs: number, windowEndsAtMs: number): RateLimitCount {
    const current = this.localCounts.get(cacheKey);
    if (current !== undefined && current.windowEndsAtMs > nowMs) {
      current.hits += 1;
      return { hits: current.hits, windowEndsAt: new Date(current.windowEndsAtMs) };
    }
    if (this.localCounts.size >= DENIED_KEYS_MAX) {
      for (const [key, count] of this.localCounts) if (count.windowEndsAtMs <= nowMs) this.localCounts.delete(key);
      if (this.localCounts.size >= DENIED_KEYS_MAX) this.localCounts.clear();
    }
    this.localCounts.set(cacheKey, { hits: 1, windowEndsAtMs });
    return { hits: 1, windowEndsAt: new Date(windowEndsAtMs) };
  }

  /**
   * The seconds until a key this process already knows to be over its limit may try
   * again, or undefined when it does not know that. Counts nothing and asks no database.
   */
  knownRefusal(scope: string, subject: string): number | undefined {
    return this.refusedUntil(keyOf(scope, subject).toString('base64'), this.clock.now().getTime());
  }

  private refusedUntil(cacheKey: string, nowMs: number): number | undefined {
    const deniedUntil = this.deniedUntil.get(cacheKey);
    return deniedUntil !== undefined && deniedUntil > nowMs ? secondsBetween(nowMs, deniedUntil) : undefined;
  }

  private rememberDenied(cacheKey: string, untilMs: number, nowMs: number): void {
    if (this.deniedUntil.size >= DENIED_KEYS_MAX) {
      for (const [key, until] of this.deniedUntil) if (until <= nowMs) this.deniedUntil.delete(key);
      if (this.deniedUntil.size >= DENIED_KEYS_MAX) this.deniedUntil.clear();
    }
    this.deniedUntil.set(cacheKey, untilMs);
  }
}

/**
 * The scopes whose subject is an e-mail (sign-in and sign-up attempts, src/modules/auth). An
 * account's deletion removes the person's rows in them (src/modules/privacy).
 */
export const EMAIL_SCOPES = ['login:email', 'register:email'] as const;

/** The keys of the rate-limit rows an e-mail may have. */
export function emailRateLimitKeys(email: string): Buffer[] {
  return EMAIL_SCOPES.map((scope) => keyOf(scope, email));
}

function keyOf(scope: string, subject: string): Buffer {
  assert(scope.length > 0 && scope.length <= SCOPE_LENGTH_MAX, 'rate-limit scope length');
  return createHash('sha256').update(scope).update('\u0000').update(subject.slice(0, SUBJECT_LENGTH_MAX)).digest();
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

/** The limits on one client address: its own, and its IPv6 /48's (shared by 65,536 /64s). */
export interface AddressRateLimits {
  per_ip: RateLimitRule;
  per_network: RateLimitRule;
}

/**
 * Counts one attempt against a client address (an IPv6 client by its /64) and, for an
 * IPv6 client, against its /48 under a larger limit, so one allocation cannot mint a
 * fresh budget per /64. Throws 429 past either. The /64 is counted first, and a /64 over
 * its own limit is refused without counting against its /48, so one noisy subscriber
 * cannot use up the budget of its /48 neighbours. A /48 this process knows to be over
 * its limit is refused before anything is counted, so a flood from fresh /64s of that
 * /48 writes no counters.
 */
export async function enforcePerAddress(
  limiter: RateLimiter,
  scope: string,
  address: string,
  limits: AddressRateLimits,
): Promise<void> {
  const network = clientNetworkKey(address);
  const networkScope = `${scope}:net`;
  const networkRefusal = network === undefined ? undefined : limiter.knownRefusal(networkScope, network);
  if (networkRefusal !== undefined) throw rateLimited(networkRefusal);
  await limiter.enforce(`${scope}:ip`, clientAddressKey(address), limits.per_ip);
  if (network !== undefined) await limiter.enforce(networkScope, network, limits.per_network);
}

/**
 * An onRequest hook that limits a route per client address (enforcePerAddress). It runs
 * before the body is read, parsed or validated, so a flood of large or hostile bodies
 * from one address is cut after `max` requests at the cost of one counter update each.
 */
export function limitPerAddress(limiter: RateLimiter, scope: string, limits: AddressRateLimits) {
  return async (request: FastifyRequest): Promise<void> => {
    await enforcePerAddress(limiter, scope, request.ip, limits);
  };
}
