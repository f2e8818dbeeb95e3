import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, registerUser, startTestApp, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/problem.js';

/**
 * Races around an account deletion, made deterministic: the test holds the lock the deletion
 * holds, lets the other request reach the point where it must wait, then commits.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const WAIT_POLL_MS = 20;
const WAIT_MAX_MS = 20_000;

/** Resolves once some other backend of this database waits on a heavyweight lock. */
async function someoneWaitsOnALock(pool: pg.Pool): Promise<void> {
  const deadline = Date.now() + WAIT_MAX_MS;
  while (Date.now() < deadline) {
    const waiting = await pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((waiting.rowCount ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
  throw new Error('no request came to wait on the lock');
}

describe('signing in while the account is being deleted', () => {
  it('opens no session: the sign-in waits for the deletion and then finds nobody', async () => {
    const { user } = await registerUser(t.app);
    const deletion = new pg.Client({ connectionString: t.database.url });
    await deletion.connect();
    try {
      // What the deletion does first: lock the person's row, then erase (here: mark deleted and
      // end the sessions), all before its COMMIT.
      await deletion.query('BEGIN');
      await deletion.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      await deletion.query(`UPDATE users SET deleted_at = now(), email = 'deleted-' || id || '@deleted.invalid' WHERE id = $1`, [
        user.id,
      ]);
      await deletion.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [user.id]);
      // The sign-in reads the person as not deleted yet (the deletion has not committed) and
      // checks the password; opening its session must wait for the deletion's lock.
      const signIn = t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: PASSWORD } });
      await someoneWaitsOnALock(t.pool);
      await deletion.query('COMMIT');
      expectProblem(await signIn, 401, 'invalid_credentials');
      const live = await t.pool.query('SELECT 1 FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
      expect(live.rowCount).toBe(0);
    } finally {
      await deletion.end();
    }
  });
});
