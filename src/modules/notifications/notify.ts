import type { Queryable } from '../../db/queryable.js';
import { newId } from '../../lib/ids.js';

export type NotificationKind = 'budget_alert' | 'weekly_summary' | 'recurring_failed';

/**
 * E-mails queued for one person in 24 hours at most; past it a notification is shown in the app
 * only. A person gets a weekly summary and a few budget alerts a day; addresses are not
 * verified, so an account must not be able to mail an address without end, nor fill the
 * outbox everyone shares.
 */
export const EMAILS_PER_PERSON_PER_DAY_MAX = 20;

export interface NewNotification {
  userId: string;
  kind: NotificationKind;
  /** The natural key within the kind (a budget alert: budget and threshold; a summary: the ISO week). */
  dedupeKey: string;
  /** The figures the text is built from on the screen and in the e-mail, in the reader's language. */
  params: Record<string, string | number | boolean | null>;
  /** The app path it is about, e.g. /orcamentos?mes=2026-12. */
  link: string;
  now: Date;
}

/**
 * Writes a notification exactly once per (person, kind, dedupe key), and in the same
 * statement its e-mail in the outbox when the person wants that kind by e-mail. Returns the
 * new notification's id, or null when it already existed (another worker, a retry or an
 * earlier run wrote it). No e-mail is queued past EMAILS_PER_PERSON_PER_DAY_MAX. Call it
 * inside the transaction that decided to notify, so a crash leaves either both or neither.
 */
export async function notify(db: Queryable, notification: NewNotification): Promise<string | null> {
  const result = await db.query<{ id: string }>(
    `WITH preference AS (
       SELECT coalesce((SELECT in_app FROM notification_preferences WHERE user_id = $2 AND kind = $3), true) AS in_app,
              coalesce((SELECT email FROM notification_preferences WHERE user_id = $2 AND kind = $3), false) AS email
     ), inserted AS (
       INSERT INTO notifications (id, user_id, kind, dedupe_key, params, link, created_at, in_app)
       SELECT $1, $2, $3, $4, $5, $6, $7, preference.in_app FROM preference
       ON CONFLICT (user_id, kind, dedupe_key) DO NOTHING
       RETURNING id
     ), queued AS (
       INSERT INTO email_outbox (id, user_id, notification_id, next_attempt_at, created_at)
       SELECT $8, $2, inserted.id, $7, $7 FROM inserted, preference
        WHERE preference.email
          AND (SELECT count(*) FROM email_outbox
                WHERE user_id = $2 AND created_at > $7::timestamptz - interval '24 hours') < $9
       RETURNING id
     )
     SELECT id FROM inserted`,
    [
      newId(),
      notification.userId,
      notification.kind,
      notification.dedupeKey,
      JSON.stringify(notification.params),
      notification.link,
      notification.now,
      newId(),
      EMAILS_PER_PERSON_PER_DAY_MAX,
    ],
  );
  return result.rows[0]?.id ?? null;
}
