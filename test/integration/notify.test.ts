import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { EMAILS_PER_PERSON_PER_DAY_MAX, notify } from '../../src/modules/notifications/notify.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';

const clock = fixedClock('2026-08-01T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

const alert = (userId: string, dedupeKey: string) => ({
  userId,
  kind: 'budget_alert' as const,
  dedupeKey,
  params: { threshold: 80 },
  link: '/orcamentos',
  now: clock.now(),
});

describe('notify', () => {
  it('writes each notification and its e-mail exactly once, however many writers race', async () => {
    const { user } = await signedIn(t.app);
    await t.pool.query(`INSERT INTO notification_preferences (user_id, kind, email) VALUES ($1, 'budget_alert', true)`, [
      user.id,
    ]);
    const ids = await Promise.all(Array.from({ length: 8 }, () => notify(t.pool, alert(user.id, 'budget:x:80'))));
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const rows = await t.pool.query(
      'SELECT n.in_app, o.status FROM notifications n JOIN email_outbox o ON o.notification_id = n.id WHERE n.user_id = $1',
      [user.id],
    );
    expect(rows.rows).toEqual([{ in_app: true, status: 'pending' }]);
  });

  it("queues at most the day's e-mails per person; past them the notification is in the app only, and the next day mails again", async () => {
    const { user } = await signedIn(t.app);
    const other = await signedIn(t.app);
    for (const person of [user.id, other.user.id])
      await t.pool.query(`INSERT INTO notification_preferences (user_id, kind, email) VALUES ($1, 'budget_alert', true)`, [
        person,
      ]);
    const queued = async (userId: string) =>
      (await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM email_outbox WHERE user_id = $1', [userId])).rows[0]?.n;
    const start = clock.now();
    try {
      for (let index = 0; index < EMAILS_PER_PERSON_PER_DAY_MAX + 5; index += 1)
        expect(await notify(t.pool, alert(user.id, `budget:cap-${index}:80`))).not.toBeNull();
      expect(await queued(user.id)).toBe(EMAILS_PER_PERSON_PER_DAY_MAX);
      const shown = await t.pool.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND in_app', [user.id]);
      expect(shown.rows[0].n).toBe(EMAILS_PER_PERSON_PER_DAY_MAX + 5);
      // Someone else's e-mails are not held back by it.
      expect(await notify(t.pool, alert(other.user.id, 'budget:cap-other:80'))).not.toBeNull();
      expect(await queued(other.user.id)).toBe(1);
      // 24 hours after the first, a new one is mailed again.
      clock.set(new Date(start.getTime() + 24 * 3_600_000 + 1_000).toISOString());
      await notify(t.pool, { ...alert(user.id, 'budget:cap-next-day:80'), now: clock.now() });
      expect(await queued(user.id)).toBe(EMAILS_PER_PERSON_PER_DAY_MAX + 1);
    } finally {
      clock.set(start.toISOString());
    }
  });

  it('queues no e-mail for someone who did not ask for it (e-mail is opt-in)', async () => {
    const { user } = await signedIn(t.app);
    expect(await notify(t.pool, alert(user.id, 'budget:z:80'))).not.toBeNull();
    expect((await t.pool.query('SELECT 1 FROM email_outbox WHERE user_id = $1', [user.id])).rowCount).toBe(0);
  });

  it('follows the preferences: off in the app is written but not listed; off by e-mail queues nothing', async () => {
    const { user } = await signedIn(t.app);
    await t.pool.query(
      `INSERT INTO notification_preferences (user_id, kind, in_app, email) VALUES ($1, 'budget_alert', false, false)`,
      [user.id],
    );
    expect(await notify(t.pool, alert(user.id, 'budget:y:50'))).not.toBeNull();
    expect((await t.pool.query('SELECT in_app FROM notifications WHERE user_id = $1', [user.id])).rows).toEqual([
      { in_app: false },
    ]);
    expect((await t.pool.query('SELECT 1 FROM email_outbox WHERE user_id = $1', [user.id])).rowCount).toBe(0);
  });
});
