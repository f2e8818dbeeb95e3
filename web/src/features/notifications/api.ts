// The in-app notifications: the list the bell opens (unread first) and marking them read.
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';

export type AppNotification = components['schemas']['Notification'];
export type NotificationPage = components['schemas']['NotificationPage'];

/** The bell shows the newest few; older ones are rarely looked for from the header. */
export const BELL_PAGE_SIZE = 20;

export function getNotifications() {
  return unwrap(api.GET('/api/notifications', { params: { query: { skip: 0, limit: BELL_PAGE_SIZE } } }));
}

export function markNotificationRead(id: string) {
  return unwrap(api.POST('/api/notifications/{id}/read', { params: { path: { id } } }));
}

export function markAllNotificationsRead() {
  return unwrap(api.POST('/api/notifications/read-all'));
}
