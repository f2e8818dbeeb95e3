import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams, IsoDate, Uuid } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import {
  CreateRecurringBody,
  PatchRecurringBody,
  RecurringListQuery,
  RecurringPage,
  RecurringRule,
  RunDueResult,
  UPCOMING_ITEMS_MAX,
  Upcoming,
  UpcomingQuery,
} from './recurring.schemas.js';
import type { RecurringService } from './recurring.service.js';

const common = { tags: ['recurring'], security: bearerSecurity };

/** POST and GET /api/recurring: create a rule, list them. */
function collectionRoutes(api: RouteApi, recurring: RecurringService) {
  api.post(
    '',
    {
      schema: {
        ...common,
        summary: 'Create a recurring income, expense or transfer',
        headers: IdempotencyHeaders,
        body: CreateRecurringBody,
        response: { 201: Type.Ref(RecurringRule), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await recurring.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: 'Recurring rules with their next occurrence and recent failures',
        querystring: RecurringListQuery,
        response: { 200: Type.Ref(RecurringPage), ...problems(400, 401) },
      },
    },
    async (request) => recurring.list(currentUser(request).id, request.query),
  );
}

/** What falls due across rules: the calendar, and posting what is due now. */
function scheduleRoutes(api: RouteApi, recurring: RecurringService) {
  api.get(
    '/upcoming',
    {
      schema: {
        ...common,
        summary: 'The next occurrences across rules (the bills calendar)',
        querystring: UpcomingQuery,
        response: { 200: Type.Ref(Upcoming), ...problems(400, 401) },
      },
    },
    async (request) => recurring.upcoming(currentUser(request).id, request.query.days, UPCOMING_ITEMS_MAX),
  );

  api.post(
    '/run-due',
    {
      schema: {
        ...common,
        summary: "Post every due occurrence of the person's rules up to today",
        response: { 200: Type.Ref(RunDueResult), ...problems(401) },
      },
    },
    async (request) => recurring.materializeDue({ userId: currentUser(request).id, requestId: request.id }),
  );
}

/** GET and PATCH /api/recurring/:id. */
function itemRoutes(api: RouteApi, recurring: RecurringService) {
  api.get(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'One recurring rule',
        params: IdParams,
        response: { 200: Type.Ref(RecurringRule), ...problems(400, 401, 404) },
      },
    },
    async (request) => recurring.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'Edit future occurrences of a rule',
        description:
          "A schedule different from the current one starts today at the earliest, and not within the period (month, year, n days) of the last posted or failed occurrence; the earlier schedules' occurrences still count toward occurrences_max. The same schedule sent again changes no date.",
        params: IdParams,
        body: PatchRecurringBody,
        response: { 200: Type.Ref(RecurringRule), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendWrite(reply, await recurring.patch(requestContext(request, reply), request.params.id, request.body)),
  );
}

/** Pause, resume and end a rule. */
function lifecycleRoutes(api: RouteApi, recurring: RecurringService) {
  for (const action of ['pause', 'resume'] as const) {
    api.post(
      `/:id/${action}`,
      {
        schema: {
          ...common,
          summary: action === 'pause' ? 'Pause a rule' : 'Resume a rule; what fell due while paused is skipped',
          params: IdParams,
          response: { 200: Type.Ref(RecurringRule), ...problems(400, 401, 404, 422) },
        },
      },
      async (request, reply) =>
        sendWrite(reply, await recurring.setState(requestContext(request, reply), request.params.id, action)),
    );
  }

  api.post(
    '/:id/occurrences/:occurs_on/retry',
    {
      schema: {
        ...common,
        summary: 'Post a failed occurrence after all, on its own day',
        description:
          "Posts an occurrence the policy refused when it fell due (insufficient_funds, an archived account), with the rule's current amount, accounts and category. A refusal answers the policy's problem and leaves it failed; one already posted answers 409 occurrence_posted.",
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Uuid, occurs_on: IsoDate }, { additionalProperties: false }),
        response: { 200: Type.Ref(RecurringRule), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendWrite(
        reply,
        await recurring.retryOccurrence(requestContext(request, reply), request.params.id, request.params.occurs_on),
      ),
  );

  api.delete(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'End a rule: no future occurrences; posted ones stay in the ledger',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      // The 204 carries no body, so the rule's view is not serialised here.
      await recurring.setState(requestContext(request), request.params.id, 'end');
      return reply.code(204).send(null);
    },
  );
}

/** The recurring module's routes, registered under /api/recurring; every one needs a session. */
export async function recurringRoutes(app: FastifyInstance, options: { recurring: RecurringService }) {
  requireSession(app);
  const api = routeApi(app);
  collectionRoutes(api, options.recurring);
  scheduleRoutes(api, options.recurring);
  itemRoutes(api, options.recurring);
  lifecycleRoutes(api, options.recurring);
}
