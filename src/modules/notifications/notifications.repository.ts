import type { Queryable } from '../../db/queryable.js';
import type { NotificationKind } from './notify.js';

export interface NotificationRow {
  id: string;
  kind: NotificationKind;
  params: Record<string, string | number | boolean | null>;
  link: string;
  created_at: Date;
  read_at: Date | null;
}

const COLUMNS = 'id, kind, params, link, created_at, read_at';

/**
 * Listed under the bell: a notification whose kind the person wants in-app NOW. The
 * preference is read at every read rather than frozen at write time (the in_app column), so
 * turning a kind off hides its notifications and turning it back on shows them again,
 * those written while it was off included. No preference row means wanted.
 */
const SHOWN_IN_APP = `NOT EXISTS (SELECT 1 FROM notification_preferences p
                       WHERE p.user_id = notifications.user_id AND p.kind = notifications.kind AND NOT p.in_app)`;

/** A page of the person's in-app notifications, unread first, then newest; with the totals. */
export async function listNotifications(
  db: Queryable,
  options: { userId: string; skip: number; limit: number },
): Promise<{ rows: NotificationRow[]; total: number; unread: number }> {
  const [page, counts] = await Promise.all([
    db.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications
        WHERE user_id = $1 AND ${SHOWN_IN_APP}
        ORDER BY (read_at IS NOT NULL), created_at DESC, id DESC
        OFFSET $2 LIMIT $3`,
      [options.userId, options.skip, options.limit],
    ),
    db.query<{ total: number; unread: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE read_at IS NULL)::int AS unread
         FROM notifications WHERE user_id = $1 AND ${SHOWN_IN_APP}`,
      [options.userId],
    ),
  ]);
  return { rows: page.rows, total: counts.rows[0]?.total ?? 0, unread: counts.rows[0]?.unread ?? 0 };
}

/** Marks one of the person's in-app notifications read (the first read time stays); undefined when it is not theirs. */
export async function markRead(
  db: Queryable,
  options: { userId: string; id: string; now: Date },
): Promise<NotificationRow | undefined> {
  const result = await db.query<NotificationRow>(
    `UPDATE notifications SET read_at = coalesce(read_at, $3)
      WHERE id = $1 AND user_id = $2 AND ${SHOWN_IN_APP}
      RETURNING ${COLUMNS}`,
    [options.id, options.userId, options.now],
  );
  return result.rows[0];
}

/** Marks all the person's unread in-app notifications read; returns how many. */
export async function markAllRead(db: Queryable, options: { userId: string; now: Date }): Promise<number> {
  const result = await db.query(
    `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND ${SHOWN_IN_APP} AND read_at IS NULL`,
    [options.userId, options.now],
  );
  return result.rowCount ?? 0;
}
