import type pg from 'pg';
import type { Clock } from '../../lib/clock.js';
import { notFound } from '../../lib/errors.js';
import { listNotifications, markAllRead, markRead, type NotificationRow } from './notifications.repository.js';
import type { NotificationPageResponse, NotificationResponse } from './notifications.schemas.js';

function toResponse(row: NotificationRow): NotificationResponse {
  return {
    id: row.id,
    kind: row.kind,
    params: row.params,
    link: row.link,
    created_at: row.created_at.toISOString(),
    read_at: row.read_at?.toISOString() ?? null,
  };
}

/** A person's in-app notifications: the list the bell opens, and marking them read. */
export class NotificationsService {
  constructor(private readonly deps: { pool: pg.Pool; clock: Clock }) {}

  async list(userId: string, query: { skip: number; limit: number }): Promise<NotificationPageResponse> {
    const { rows, total, unread } = await listNotifications(this.deps.pool, { userId, ...query });
    return { items: rows.map(toResponse), total, unread, skip: query.skip, limit: query.limit };
  }

  /** Idempotent: reading it again keeps the first read time. Another person's id is 404. */
  async read(userId: string, id: string): Promise<NotificationResponse> {
    const row = await markRead(this.deps.pool, { userId, id, now: this.deps.clock.now() });
    if (!row) throw notFound('notification');
    return toResponse(row);
  }

  async readAll(userId: string): Promise<{ marked: number }> {
    return { marked: await markAllRead(this.deps.pool, { userId, now: this.deps.clock.now() }) };
  }
}
