import type { Queryable } from '../../db/queryable.js';
import type { NotificationKind } from './notify.js';

export interface PreferenceRow {
  kind: NotificationKind;
  in_app: boolean;
  email: boolean;
}

/** The person's saved preferences; a kind with no row is on everywhere (see notify()). */
export async function findPreferences(db: Queryable, userId: string): Promise<PreferenceRow[]> {
  const result = await db.query<PreferenceRow>('SELECT kind, in_app, email FROM notification_preferences WHERE user_id = $1', [
    userId,
  ]);
  return result.rows;
}

/** Sets one kind's channels; writing the same values again changes nothing (row_version stays). */
export async function upsertPreference(db: Queryable, userId: string, preference: PreferenceRow): Promise<void> {
  await db.query(
    `INSERT INTO notification_preferences (user_id, kind, in_app, email) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, kind) DO UPDATE SET in_app = excluded.in_app, email = excluded.email,
            row_version = notification_preferences.row_version + 1
      WHERE (notification_preferences.in_app, notification_preferences.email) IS DISTINCT FROM (excluded.in_app, excluded.email)`,
    [userId, preference.kind, preference.in_app, preference.email],
  );
}

/**
 * Turns one kind's e-mail off, keeping the in-app setting, and cancels that kind's e-mails
 * still waiting in the outbox. False when the person does not exist or was deleted.
 */
export async function unsubscribeEmail(db: Queryable, userId: string, kind: NotificationKind): Promise<boolean> {
  const result = await db.query(
    `WITH person AS (SELECT id FROM users WHERE id = $1 AND deleted_at IS NULL),
     preference AS (
       INSERT INTO notification_preferences (user_id, kind, in_app, email)
       SELECT id, $2, true, false FROM person
       ON CONFLICT (user_id, kind) DO UPDATE SET email = false, row_version = notification_preferences.row_version + 1
        WHERE notification_preferences.email
     ), cancelled AS (
       UPDATE email_outbox o SET status = 'cancelled', last_error = 'unsubscribed'
         FROM notifications n
        WHERE o.user_id = $1 AND o.status = 'pending' AND n.id = o.notification_id AND n.kind = $2
     )
     SELECT id FROM person`,
    [userId, kind],
  );
  return (result.rowCount ?? 0) > 0;
}

/** The person's language for pages shown without a session (the unsubscribe page). */
export async function findLanguage(db: Queryable, userId: string): Promise<string | null> {
  const result = await db.query<{ language: string | null }>('SELECT language FROM users WHERE id = $1', [userId]);
  return result.rows[0]?.language ?? null;
}
