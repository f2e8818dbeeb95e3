import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../lib/clock.js';
import type { AuthenticatedUser, AuthService } from './auth.service.js';
import { hashWithArgon2 } from './auth.service.js';
import type { ProfileRepository } from './profile.repository.js';
import { ProfileService } from './profile.service.js';

const CURRENT = 'senha-atual-forte-1';
const NEXT = 'senha-nova-forte-2';

const maria: AuthenticatedUser = {
  id: 'user-1',
  email: 'maria@example.com',
  name: 'Maria',
  language: null,
  rowVersion: 1,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  sessionId: 'session-1',
};

/** A repository holding one person's password hash; it records the writes asked of it. */
async function setup(storedPassword = CURRENT) {
  const state = { hash: await hashWithArgon2(storedPassword), writes: [] as string[], evicted: [] as string[] };
  const repository = {
    async findPasswordHash() {
      return state.hash;
    },
    async updateProfile() {
      state.writes.push('profile');
      return undefined;
    },
    async replacePassword(options: { nextHash: string }) {
      state.writes.push('password');
      state.hash = options.nextHash;
      return 2;
    },
  } as unknown as ProfileRepository;
  const auth = { forgetCachedUser: (id: string) => state.evicted.push(id) } as unknown as AuthService;
  const service = new ProfileService({ repository, auth, clock: fixedClock('2026-07-01T12:00:00Z') });
  return { service, state };
}

describe('ProfileService', () => {
  it('refuses a change of nothing and a blank name before writing', async () => {
    const { service, state } = await setup();
    await expect(service.update(maria, { row_version: 1 })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(service.update(maria, { name: '   ' })).rejects.toMatchObject({
      code: 'validation_failed',
      extra: { errors: [{ field: 'body/name', code: 'blank' }] },
    });
    expect(state.writes).toEqual([]);
  });

  it('refuses a common new password with the registration policy, before checking the current one', async () => {
    const { service, state } = await setup();
    await expect(service.changePassword(maria, { current_password: 'wrong', new_password: 'password123' })).rejects.toMatchObject(
      {
        code: 'validation_failed',
        extra: { errors: [{ field: 'body/new_password', code: 'password_common' }] },
      },
    );
    expect(state.writes).toEqual([]);
  });

  it('changes the password, forgets the cached person, and answers a retry with success and nothing ended', async () => {
    const { service, state } = await setup();
    const input = { current_password: CURRENT, new_password: NEXT };
    expect(await service.changePassword(maria, input)).toEqual({ other_sessions_ended: 2 });
    expect(state.evicted).toEqual([maria.id]);
    expect(await service.changePassword(maria, input)).toEqual({ other_sessions_ended: 0 });
    expect(state.writes).toEqual(['password']);
  });

  it('answers a wrong current password with wrong_password and writes nothing', async () => {
    const { service, state } = await setup();
    await expect(service.changePassword(maria, { current_password: 'nao-e-essa-1', new_password: NEXT })).rejects.toMatchObject({
      code: 'wrong_password',
      status: 403,
    });
    expect(state.writes).toEqual([]);
  });
});
