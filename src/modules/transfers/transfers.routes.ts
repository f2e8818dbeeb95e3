import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireSession } from '../../http/auth.js';
import { IdempotencyHeaders } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import { CreateTransferBody, PostedTransfer } from './transfers.schemas.js';
import type { TransfersService } from './transfers.service.js';

/** The transfers module's routes, registered under /api/transfers; every one needs a session. */
export async function transfersRoutes(app: FastifyInstance, options: { transfers: TransfersService }) {
  requireSession(app);
  const { transfers } = options;
  routeApi(app).post(
    '',
    {
      schema: {
        tags: ['transfers'],
        security: bearerSecurity,
        summary: "Move money between two of the person's own accounts",
        headers: IdempotencyHeaders,
        body: CreateTransferBody,
        response: { 201: Type.Ref(PostedTransfer), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await transfers.create(requestContext(request, reply), request.body)),
  );
}
