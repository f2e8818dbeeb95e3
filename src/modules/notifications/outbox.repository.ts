import type { Queryable } from '../../db/queryable.js';
import type { NotificationKind } from './notify.js';

/** An outbox row taken for sending, with what the e-mail is built from. */
export interface ClaimedEmail {
  id: string;
  /** The attempt this claim is (1 for the first); the row is marked only if it is still this one. */
  attempts: number;
  user_id: string;
  email: string;
  name: string;
  language: string | null;
  kind: NotificationKind;
  params: Record<string, unknown>;
  link: string;
  /** False when the person turned this kind's e-mail off after it was queued. */
  wants_email: boolean;
}

/**
 * Takes the next due e-mail (oldest due first, so nobody waits behind anybody for long):
 * counts the attempt and moves next_attempt_at a lease ahead, in one committed statement.
 * Until the lease ends, no other worker sees the row as due, even one that bypassed the
 * job's lock (SKIP LOCKED passes over a row being claimed; a claimed row is no longer due).
 * A worker that dies while sending leaves the row pending: after the lease it is due again.
 */
export async function claimNextDue(db: Queryable, options: { now: Date; leaseMs: number }): Promise<ClaimedEmail | undefined> {
  const result = await db.query<ClaimedEmail>(
    `WITH claimed AS (
       UPDATE email_outbox o
          SET attempts = o.attempts + 1, claimed_at = $1,
              next_attempt_at = $1::timestamptz + make_interval(secs => $2::double precision / 1000)
        WHERE o.id = (SELECT id FROM email_outbox
                       WHERE status = 'pending' AND next_attempt_at <= $1
                       ORDER BY next_attempt_at, id
                       LIMIT 1
                       FOR UPDATE SKIP LOCKED)
          AND o.status = 'pending' AND o.next_attempt_at <= $1
        RETURNING o.id, o.attempts, o.user_id, o.notification_id
     )
     SELECT c.id, c.attempts, c.user_id, u.email, u.name, u.language, n.kind, n.params, n.link,
            coalesce(p.email, false) AS wants_email
       FROM claimed c
       JOIN users u ON u.id = c.user_id
       JOIN notifications n ON n.id = c.notification_id
       LEFT JOIN notification_preferences p ON p.user_id = c.user_id AND p.kind = n.kind`,
    [options.now, options.leaseMs],
  );
  return result.rows[0];
}

/** Marks the claimed attempt sent; false when the row moved on meanwhile (cancelled, or re-claimed after its lease). */
export async function markSent(db: Queryable, claim: { id: string; attempts: number; now: Date }): Promise<boolean> {
  const result = await db.query(
    `UPDATE email_outbox SET status = 'sent', sent_at = $3, last_error = NULL
      WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    [claim.id, claim.attempts, claim.now],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Records a failed attempt: due again at retryAt, or given up ('failed') when retryAt is null. */
export async function markAttemptFailed(
  db: Queryable,
  claim: { id: string; attempts: number; error: string; retryAt: Date | null },
): Promise<void> {
  await db.query(
    `UPDATE email_outbox
        SET status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce($4::timestamptz, next_attempt_at), last_error = $3
      WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    [claim.id, claim.attempts, claim.error, claim.retryAt],
  );
}

export async function cancelEmail(db: Queryable, claim: { id: string; attempts: number; reason: string }): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET status = 'cancelled', last_error = $3 WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    [claim.id, claim.attempts, claim.reason],
  );
}

/** Cancels, at most `limit` at a time, e-mails still pending that were queued before `before`. */
export async function cancelStale(db: Queryable, options: { before: Date; limit: number; claimedBefore: Date }): Promise<number> {
  // A row claimed within the lease may be in the SMTP server's hands right now: left alone.
  const result = await db.query(
    `UPDATE email_outbox SET status = 'cancelled', last_error = 'not sent in time'
      WHERE id IN (SELECT id FROM email_outbox WHERE status = 'pending' AND created_at < $1
                      AND (claimed_at IS NULL OR claimed_at < $3)
                    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [options.before, options.limit, options.claimedBefore],
  );
  return result.rowCount ?? 0;
}

/** Deletes, at most `limit` at a time, finished rows (sent, failed, cancelled) queued before `before`. */
export async function purgeFinished(db: Queryable, options: { before: Date; limit: number }): Promise<number> {
  const result = await db.query(
    `DELETE FROM email_outbox
      WHERE id IN (SELECT id FROM email_outbox WHERE status <> 'pending' AND created_at < $1
                    ORDER BY created_at LIMIT $2)`,
    [options.before, options.limit],
  );
  return result.rowCount ?? 0;
}
