import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from './errors.js';

export interface RateLimitRule {
  max: number;
  window_ms: number;
}

/**
 * A preHandler that counts each request under key(request) and answers 429 with
 * Retry-After past the rule. Counters live in process memory (DESIGN: PostgreSQL is
 * the only store); with N API processes a client gets at most N times the rule.
 */
export function rateLimiter(
  app: FastifyInstance,
  name: string,
  rule: RateLimitRule,
  key: (request: FastifyRequest) => string,
): (request: FastifyRequest) => Promise<void> {
  const check = app.createRateLimit({
    max: rule.max,
    timeWindow: rule.window_ms,
    keyGenerator: (request: FastifyRequest) => `${name}:${key(request)}`,
  });
  return async (request) => {
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded) {
      throw new DomainError(
        'rate_limited',
        429,
        'Too many attempts; try again later.',
        { retry_after_seconds: result.ttlInSeconds },
        { 'retry-after': String(result.ttlInSeconds) },
      );
    }
  };
}
