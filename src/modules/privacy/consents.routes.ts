import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import { AcceptConsentBody, ConsentState } from './consents.schemas.js';
import type { ConsentsService } from './consents.service.js';

const common = { tags: ['privacy'], security: bearerSecurity };

/**
 * The consent log, registered under /api/privacy beside the export and deletion routes
 * (a plugin of its own, so the two can change apart); every route needs a session.
 */
export async function consentsRoutes(app: FastifyInstance, options: { consents: ConsentsService }) {
  requireSession(app);
  const api = routeApi(app);
  const { consents } = options;

  api.get(
    '/consents',
    {
      schema: {
        ...common,
        summary: 'The versions of the terms and the privacy policy the person accepted, and what is pending',
        response: { 200: Type.Ref(ConsentState), ...problems(401) },
      },
    },
    async (request) => consents.state(currentUser(request).id),
  );

  api.post(
    '/consents',
    {
      schema: {
        ...common,
        summary: 'Accept the current version of the terms of use or of the privacy policy',
        description:
          'A version other than the one in force answers 422 consent_version_not_current. Accepting a version already accepted records nothing new.',
        headers: IdempotencyHeaders,
        body: AcceptConsentBody,
        response: { 201: Type.Ref(ConsentState), ...problems(400, 401, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await consents.accept(requestContext(request, reply), request.body)),
  );
}
