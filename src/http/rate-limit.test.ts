import { describe, expect, it } from 'vitest';
import { fixedClock } from '../lib/clock.js';
import { DENIED_KEYS_MAX, enforcePerAddress, RateLimiter } from './rate-limit.js';
import type { RateLimitCount, RateLimitRepository } from './rate-limit.repository.js';

/** The repository's statement, in memory: fixed windows, counts capped at the ceiling. */
function fakeRepository() {
  const rows = new Map<string, RateLimitCount>();
  let calls = 0;
  const repository = {
    async hit(options: { key: Buffer; now: Date; windowEndsAt: Date; ceiling: number }): Promise<RateLimitCount> {
      calls += 1;
      const id = options.key.toString('hex');
      const row = rows.get(id);
      const next =
        row === undefined || row.windowEndsAt <= options.now
          ? { hits: 1, windowEndsAt: options.windowEndsAt }
          : { hits: Math.min(row.hits + 1, options.ceiling), windowEndsAt: row.windowEndsAt };
      rows.set(id, next);
      return next;
    },
  };
  return { repository: repository as unknown as RateLimitRepository, rows, calls: () => calls };
}

const RULE = { max: 3, window_ms: 60_000 };

describe('RateLimiter', () => {
  it('allows max attempts per window, then answers with the seconds left, then opens a new window', async () => {
    const clock = fixedClock('2026-12-01T12:00:00Z');
    const { repository } = fakeRepository();
    const limiter = new RateLimiter(repository, clock);
    const decisions = [];
    for (let attempt = 0; attempt < 4; attempt += 1) decisions.push(await limiter.consume('login:ip', '10.0.0.1', RULE));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]?.retryAfterSeconds).toBe(60);
    clock.advance(45_500);
    expect(await limiter.consume('login:ip', '10.0.0.1', RULE)).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect((await limiter.consume('login:ip', '10.0.0.2', RULE)).allowed).toBe(true);
    expect((await limiter.consume('register:ip', '10.0.0.1', RULE)).allowed).toBe(true);
    clock.advance(14_500);
    expect((await limiter.consume('login:ip', '10.0.0.1', RULE)).allowed).toBe(true);
  });

  it('answers a key it knows to be over its limit without asking the database until the window ends', async () => {
    const clock = fixedClock('2026-12-01T12:00:00Z');
    const fake = fakeRepository();
    const limiter = new RateLimiter(fake.repository, clock);
    for (let attempt = 0; attempt < 4; attempt += 1) await limiter.consume('login:ip', '10.0.0.1', RULE);
    expect(fake.calls()).toBe(4);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      await expect(limiter.enforce('login:ip', '10.0.0.1', RULE)).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
    }
    expect(fake.calls()).toBe(4);
    clock.advance(RULE.window_ms);
    expect((await limiter.consume('login:ip', '10.0.0.1', RULE)).allowed).toBe(true);
    expect(fake.calls()).toBe(5);
  });

  it('keeps its memory of limited keys bounded, and forgetting one only costs a database call', async () => {
    const clock = fixedClock('2026-12-01T12:00:00Z');
    const fake = fakeRepository();
    const limiter = new RateLimiter(fake.repository, clock);
    const one = { max: 1, window_ms: 60_000 };
    for (let index = 0; index <= DENIED_KEYS_MAX; index += 1) {
      await limiter.consume('login:ip', `key-${index}`, one);
      await limiter.consume('login:ip', `key-${index}`, one);
    }
    expect(fake.calls()).toBe(2 * (DENIED_KEYS_MAX + 1));
    // The first key was forgotten when the memory filled up; the database still says no.
    expect((await limiter.consume('login:ip', 'key-0', one)).allowed).toBe(false);
    expect(fake.calls()).toBe(2 * (DENIED_KEYS_MAX + 1) + 1);
  });

  it('stores only fixed-length hashes, whatever the subject', async () => {
    const fake = fakeRepository();
    const limiter = new RateLimiter(fake.repository, fixedClock('2026-12-01T12:00:00Z'));
    await limiter.consume('login:email', 'maria@example.com', RULE);
    await limiter.consume('login:email', 'x'.repeat(10_000), RULE);
    expect([...fake.rows.keys()].map((key) => key.length)).toEqual([64, 64]);
    expect([...fake.rows.keys()].join()).not.toContain(Buffer.from('maria').toString('hex'));
  });

  it('refuses a rule that is not a positive integer count and window (a programming error)', async () => {
    const limiter = new RateLimiter(fakeRepository().repository, fixedClock('2026-12-01T12:00:00Z'));
    await expect(limiter.consume('login:ip', 'a', { max: 0, window_ms: 1 })).rejects.toThrow(/max/);
    await expect(limiter.consume('login:ip', 'a', { max: 1, window_ms: 0.5 })).rejects.toThrow(/window/);
  });
});

describe('enforcePerAddress', () => {
  const LIMITS = { per_ip: { max: 2, window_ms: 60_000 }, per_network: { max: 3, window_ms: 60_000 } };

  it('counts an IPv6 client against its /64 and its /48, an IPv4 or IPv4-mapped client against its address only', async () => {
    const fake = fakeRepository();
    const limiter = new RateLimiter(fake.repository, fixedClock('2026-12-01T12:00:00Z'));
    await enforcePerAddress(limiter, 'login', '203.0.113.7', LIMITS);
    await enforcePerAddress(limiter, 'login', '::ffff:203.0.113.8', LIMITS);
    expect(fake.rows.size).toBe(2);
    await enforcePerAddress(limiter, 'login', '2001:db8:1:2::1', LIMITS);
    await enforcePerAddress(limiter, 'login', '2001:db8:1:3::1', LIMITS);
    // Two /64s and the one /48 they share.
    expect(fake.rows.size).toBe(5);
    await expect(enforcePerAddress(limiter, 'login', '2001:db8:1:4::1', LIMITS)).resolves.toBeUndefined();
    await expect(enforcePerAddress(limiter, 'login', '2001:db8:1:5::1', LIMITS)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(enforcePerAddress(limiter, 'login', '2001:db8:2:5::1', LIMITS)).resolves.toBeUndefined();
  });
});
