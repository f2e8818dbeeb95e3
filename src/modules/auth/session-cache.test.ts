import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../lib/clock.js';
import { hashToken } from '../../lib/ids.js';
import type { AuthenticatedUser } from './auth.service.js';
import { applyAuthChange, SessionCache } from './session-cache.js';

const maria: AuthenticatedUser = {
  id: 'user-maria',
  email: 'maria@example.com',
  name: 'Maria',
  language: null,
  rowVersion: 1,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  sessionId: 'session-1',
};
const joao: AuthenticatedUser = { ...maria, id: 'user-joao', email: 'joao@example.com', sessionId: 'session-2' };

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const clock = fixedClock('2026-11-29T12:00:00Z');
  const cache = new SessionCache({ ttlMs: options.ttlMs ?? 30_000, maxEntries: options.maxEntries ?? 100, clock });
  cache.setEnabled(true);
  const farExpiry = new Date('2026-12-29T12:00:00Z');
  return { clock, cache, farExpiry };
}

describe('SessionCache', () => {
  it('serves a session it was given, for the same token only', () => {
    const { cache, farExpiry } = setup();
    cache.put(hashToken('token-a'), maria, farExpiry, cache.epoch);
    expect(cache.get(hashToken('token-a'))).toEqual(maria);
    expect(cache.get(hashToken('token-b'))).toBeUndefined();
  });

  it('holds nothing while it is off, and forgets everything when turned off', () => {
    const { cache, farExpiry } = setup();
    cache.put(hashToken('token-a'), maria, farExpiry, cache.epoch);
    cache.setEnabled(false);
    expect(cache.get(hashToken('token-a'))).toBeUndefined();
    cache.put(hashToken('token-a'), maria, farExpiry, cache.epoch);
    expect(cache.size).toBe(0);
    cache.setEnabled(true);
    expect(cache.get(hashToken('token-a'))).toBeUndefined();
  });

  it('stops trusting a copy after its lifetime', () => {
    const { cache, clock, farExpiry } = setup({ ttlMs: 5_000 });
    cache.put(hashToken('token-a'), maria, farExpiry, cache.epoch);
    clock.advance(4_999);
    expect(cache.get(hashToken('token-a'))).toEqual(maria);
    clock.advance(1);
    expect(cache.get(hashToken('token-a'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never serves a session past its own expiry', () => {
    const { cache, clock } = setup({ ttlMs: 60_000 });
    cache.put(hashToken('token-a'), maria, new Date(clock.now().getTime() + 1_000), cache.epoch);
    clock.advance(999);
    expect(cache.get(hashToken('token-a'))).toEqual(maria);
    clock.advance(1);
    expect(cache.get(hashToken('token-a'))).toBeUndefined();
  });

  it('refuses a lookup that started before a change arrived', () => {
    const { cache, farExpiry } = setup();
    const epoch = cache.epoch;
    // The database answered "live" just before the session was revoked elsewhere.
    applyAuthChange(cache, 'session:session-1');
    cache.put(hashToken('token-a'), maria, farExpiry, epoch);
    expect(cache.get(hashToken('token-a'))).toBeUndefined();
    cache.put(hashToken('token-a'), maria, farExpiry, cache.epoch);
    expect(cache.get(hashToken('token-a'))).toEqual(maria);
  });

  it('refuses a lookup that started before the cache was turned on', () => {
    const clock = fixedClock('2026-11-29T12:00:00Z');
    const cache = new SessionCache({ ttlMs: 30_000, maxEntries: 10, clock });
    const epoch = cache.epoch;
    cache.setEnabled(true);
    cache.put(hashToken('token-a'), maria, new Date('2027-01-01T00:00:00Z'), epoch);
    expect(cache.get(hashToken('token-a'))).toBeUndefined();
  });

  it('forgets by session, by person, or everything, as the database announces', () => {
    const { cache, farExpiry } = setup();
    const fill = () => {
      cache.put(hashToken('a'), maria, farExpiry, cache.epoch);
      cache.put(hashToken('b'), { ...maria, sessionId: 'session-3' }, farExpiry, cache.epoch);
      cache.put(hashToken('c'), joao, farExpiry, cache.epoch);
    };
    fill();
    applyAuthChange(cache, 'session:session-1');
    expect([cache.get(hashToken('a')), cache.get(hashToken('b'))?.sessionId, cache.get(hashToken('c'))?.id]).toEqual([
      undefined,
      'session-3',
      'user-joao',
    ]);
    applyAuthChange(cache, 'user:user-maria');
    expect(cache.get(hashToken('b'))).toBeUndefined();
    expect(cache.get(hashToken('c'))?.id).toBe('user-joao');
    fill();
    applyAuthChange(cache, 'all');
    expect(cache.size).toBe(0);
    fill();
    applyAuthChange(cache, 'something new');
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest copy', () => {
    const { cache, farExpiry } = setup({ maxEntries: 2 });
    cache.put(hashToken('a'), maria, farExpiry, cache.epoch);
    cache.put(hashToken('b'), joao, farExpiry, cache.epoch);
    cache.put(hashToken('c'), { ...joao, sessionId: 'session-9' }, farExpiry, cache.epoch);
    expect(cache.size).toBe(2);
    expect(cache.get(hashToken('a'))).toBeUndefined();
    expect(cache.get(hashToken('c'))?.sessionId).toBe('session-9');
  });
  it('forgets a session or a person without looking at the copies of anybody else', () => {
    // The purge and "sign out everywhere" can announce thousands of changes in a burst;
    // each must cost the same however many sessions the cache holds. Reads of who an entry
    // belongs to are counted: walking the cache reads every entry's.
    const { cache, farExpiry } = setup({ maxEntries: 10_000 });
    let reads = 0;
    const counted = (sessionNumber: number): AuthenticatedUser => {
      const user = { ...maria };
      const id = `user-${Math.floor(sessionNumber / 2)}`;
      const sessionId = `session-${sessionNumber}`;
      const counting = (value: string) => () => {
        reads += 1;
        return value;
      };
      Object.defineProperty(user, 'id', { get: counting(id), enumerable: true });
      Object.defineProperty(user, 'sessionId', { get: counting(sessionId), enumerable: true });
      return user;
    };
    for (let n = 0; n < 10_000; n += 1) cache.put(hashToken(`token-${n}`), counted(n), farExpiry, cache.epoch);
    reads = 0;
    for (let n = 0; n < 1_000; n += 1) cache.evictSession(`session-${n}`);
    for (let n = 1_000; n < 1_500; n += 1) cache.evictUser(`user-${n}`);
    expect(cache.size).toBe(8_000);
    // Two reads (person and session) per copy removed, none for the copies kept.
    expect(reads).toBeLessThanOrEqual(2 * 2_000);
    expect(cache.get(hashToken('token-999'))).toBeUndefined();
    expect(cache.get(hashToken('token-2999'))).toBeUndefined();
    expect(cache.get(hashToken('token-3000'))?.sessionId).toBe('session-3000');
  });

  it('keeps its indexes in step when a copy is replaced, dropped as oldest or found stale', () => {
    const { cache, clock, farExpiry } = setup({ maxEntries: 2, ttlMs: 5_000 });
    // The same token put again for somebody else: forgetting the first person must not touch it.
    cache.put(hashToken('a'), maria, farExpiry, cache.epoch);
    cache.put(hashToken('a'), joao, farExpiry, cache.epoch);
    cache.evictUser('user-maria');
    expect(cache.get(hashToken('a'))?.id).toBe('user-joao');
    // 'a' is dropped as the oldest; a new copy of session-2 under another token stays.
    cache.put(hashToken('b'), maria, farExpiry, cache.epoch);
    cache.put(hashToken('c'), joao, farExpiry, cache.epoch);
    expect(cache.get(hashToken('a'))).toBeUndefined();
    cache.evictSession('session-1');
    expect(cache.get(hashToken('c'))?.sessionId).toBe('session-2');
    cache.evictSession('session-2');
    expect(cache.size).toBe(0);
    cache.put(hashToken('d'), maria, farExpiry, cache.epoch);
    clock.advance(5_000);
    expect(cache.get(hashToken('d'))).toBeUndefined();
    cache.put(hashToken('e'), joao, farExpiry, cache.epoch);
    cache.evictUser('user-maria');
    expect(cache.get(hashToken('e'))?.id).toBe('user-joao');
  });
});
