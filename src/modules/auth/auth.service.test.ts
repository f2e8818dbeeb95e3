import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../lib/clock.js';
import type { AuthRepository, SessionUser } from './auth.repository.js';
import { AuthService, SESSION_TOUCH_INTERVAL_MS } from './auth.service.js';
import { SessionCache } from './session-cache.js';

const HOUR_MS = 3_600_000;

/** A repository that knows one session and records touches; only what authenticate uses. */
function fakeRepository(session: SessionUser) {
  const touches: Date[] = [];
  const repository = {
    async findLiveSession(options: { now: Date; idleSince: Date }) {
      const live = session.expiresAt > options.now && session.lastSeenAt > options.idleSince;
      return live ? { ...session } : undefined;
    },
    async touchSession(options: { now: Date }) {
      touches.push(options.now);
      session.lastSeenAt = options.now;
    },
  };
  return { repository: repository as unknown as AuthRepository, touches };
}

function setup() {
  const clock = fixedClock('2026-07-01T12:00:00Z');
  const session: SessionUser = {
    sessionId: 'session-1',
    userId: 'user-1',
    email: 'maria@example.com',
    name: 'Maria',
    language: null,
    rowVersion: 1,
    createdAt: new Date('2026-06-01T00:00:00Z'),
    expiresAt: new Date('2026-07-30T00:00:00Z'),
    lastSeenAt: new Date('2026-07-01T11:55:00Z'),
  };
  const { repository, touches } = fakeRepository(session);
  // A cache lifetime far longer than the idle time, so only the idle deadline can end a copy.
  const cache = new SessionCache({ ttlMs: 24 * HOUR_MS, maxEntries: 10, clock });
  cache.setEnabled(true);
  const service = new AuthService({ repository, clock, sessionTtlHours: 720, sessionIdleHours: 1, cache });
  return { clock, service, touches };
}

describe('AuthService.authenticate and idle sessions', () => {
  it('does not record use again within the touch interval', async () => {
    const { service, touches } = setup();
    expect(await service.authenticate('token')).toMatchObject({ sessionId: 'session-1' });
    expect(touches).toEqual([]);
  });

  it('records use once the last one is older than the touch interval', async () => {
    const { clock, service, touches } = setup();
    clock.advance(SESSION_TOUCH_INTERVAL_MS);
    expect(await service.authenticate('token')).toBeDefined();
    expect(touches).toEqual([clock.now()]);
  });

  it('never serves a cached copy past the idle deadline of the use it was read with', async () => {
    const { clock, service } = setup();
    expect(await service.authenticate('token')).toBeDefined();
    // Last seen 11:55 with one idle hour: usable until 12:55, whatever the cache's lifetime.
    clock.set('2026-07-01T12:54:59Z');
    expect(await service.authenticate('token')).toBeDefined();
    clock.set('2026-07-01T12:55:00Z');
    expect(await service.authenticate('token')).toBeUndefined();
  });
});
