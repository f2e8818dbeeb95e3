import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdParams } from '../../http/common-schemas.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { Notification, NotificationListQuery, NotificationPage, NotificationsReadAll } from './notifications.schemas.js';
import type { NotificationsService } from './notifications.service.js';

/** The in-app notifications, registered under /api/notifications; every one needs a session. */
export async function notificationsRoutes(app: FastifyInstance, options: { notifications: NotificationsService }) {
  const { notifications } = options;
  requireSession(app);
  const api = routeApi(app);
  const common = { tags: ['notifications'], security: bearerSecurity };

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: 'Your in-app notifications, unread first, then newest; with the unread count',
        querystring: NotificationListQuery,
        response: { 200: Type.Ref(NotificationPage), ...problems(400, 401) },
      },
    },
    async (request) => notifications.list(currentUser(request).id, request.query),
  );

  api.post(
    '/read-all',
    {
      schema: {
        ...common,
        summary: 'Mark every notification read',
        response: { 200: Type.Ref(NotificationsReadAll), ...problems(401) },
      },
    },
    async (request) => notifications.readAll(currentUser(request).id),
  );

  api.post(
    '/:id/read',
    {
      schema: {
        ...common,
        summary: 'Mark one notification read (again is fine: the first read time stays)',
        params: IdParams,
        response: { 200: Type.Ref(Notification), ...problems(400, 401, 404) },
      },
    },
    async (request) => notifications.read(currentUser(request).id, request.params.id),
  );
}
