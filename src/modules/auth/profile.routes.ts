import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import type { RateLimiter } from '../../http/rate-limit.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { DomainError } from '../../lib/errors.js';
import type { Operators } from '../admin/operators.js';
import type { ConsentDocument } from '../privacy/consents.js';
import type { AuthRateLimits } from './auth.routes.js';
import { User } from './auth.schemas.js';
import { toUserResponse } from './auth.service.js';
import type { KnownDevices } from './devices.js';
import { ChangeEmailBody, ChangePasswordBody, PasswordChanged, UpdateProfileBody } from './profile.schemas.js';
import type { ProfileService } from './profile.service.js';
import { reauthenticationLimit } from './reauth-limit.js';

export interface MeRoutesOptions {
  profile: ProfileService;
  /** What the person has not accepted yet (the consent log), carried by GET /api/me. */
  pendingConsents: (userId: string) => Promise<ConsentDocument[]>;
  operators: Operators;
  limiter: RateLimiter;
  devices: KnownDevices;
  rateLimits: AuthRateLimits;
}

function passwordRoutes(api: RouteApi, options: MeRoutesOptions) {
  const { profile } = options;
  const limit = reauthenticationLimit(options);

  api.put(
    '/email',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the e-mail one signs in with; the current password must be re-entered',
        security: bearerSecurity,
        body: ChangeEmailBody,
        response: { 200: User, ...problems(400, 401, 403, 409, 413, 429) },
      },
      onRequest: limit,
    },
    async (request) => {
      // E-mails are not verified: switching to an operator's address must not make one an operator.
      if (
        options.operators.isListed(request.body.email) &&
        request.body.email.trim().toLowerCase() !== currentUser(request).email
      ) {
        throw new DomainError('email_reserved', 403, 'This address is reserved for an operator of this installation.');
      }
      return profile.changeEmail(currentUser(request), request.body);
    },
  );

  api.put(
    '/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session is signed out, this one stays',
        security: bearerSecurity,
        body: ChangePasswordBody,
        response: { 200: PasswordChanged, ...problems(400, 401, 403, 413, 429) },
      },
      onRequest: limit,
    },
    async (request) => profile.changePassword(currentUser(request), request.body),
  );
}

/** /api/me: the signed-in person's own profile. Every route needs a session. */
export async function meRoutes(app: FastifyInstance, options: MeRoutesOptions) {
  requireSession(app);
  const api = routeApi(app);
  api.get(
    '',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in person',
        security: bearerSecurity,
        response: { 200: User, ...problems(401) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const [isOperator, pending] = await Promise.all([options.operators.isOperator(user), options.pendingConsents(user.id)]);
      return { ...toUserResponse(user), is_operator: isOperator, pending_consents: pending };
    },
  );

  api.patch(
    '',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the name or the saved language (null: follow the browser)',
        description: 'With row_version, a stale one gets 409 row_version_conflict carrying the current person.',
        security: bearerSecurity,
        body: UpdateProfileBody,
        response: { 200: User, ...problems(400, 401, 409, 413) },
      },
    },
    async (request) => options.profile.update(currentUser(request), request.body),
  );

  passwordRoutes(api, options);
}
