import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import {
  ContributionBody,
  CreateGoalBody,
  Goal,
  GoalListQuery,
  GoalMovement,
  GoalPage,
  PatchGoalBody,
  WithdrawalBody,
} from './goals.schemas.js';
import type { GoalsService } from './goals.service.js';

const common = { tags: ['goals'], security: bearerSecurity };

/** POST and GET /api/goals: create a goal, list them. */
function collectionRoutes(api: RouteApi, goals: GoalsService) {
  api.post(
    '',
    {
      schema: {
        ...common,
        summary: 'Create a savings goal (meta) with its own ledger account',
        headers: IdempotencyHeaders,
        body: CreateGoalBody,
        response: { 201: Type.Ref(Goal), ...problems(400, 401, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await goals.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: 'Goals with their progress, newest first',
        querystring: GoalListQuery,
        response: { 200: Type.Ref(GoalPage), ...problems(400, 401) },
      },
    },
    async (request) => goals.list(currentUser(request).id, request.query),
  );
}

/** GET, PATCH and DELETE /api/goals/:id. */
function itemRoutes(api: RouteApi, goals: GoalsService) {
  api.get(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'One goal with its progress and projection',
        params: IdParams,
        response: { 200: Type.Ref(Goal), ...problems(400, 401, 404) },
      },
    },
    async (request) => goals.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'Edit, archive (only when empty) or reopen a goal',
        params: IdParams,
        body: PatchGoalBody,
        response: { 200: Type.Ref(Goal), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendWrite(reply, await goals.patch(requestContext(request, reply), request.params.id, request.body)),
  );

  api.delete(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'Delete a goal that never held money (otherwise 409: archive it)',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await goals.remove(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/** Money into and out of a goal. */
function movementRoutes(api: RouteApi, goals: GoalsService) {
  api.post(
    '/:id/contributions',
    {
      schema: {
        ...common,
        summary: 'Move money from an account into the goal',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ContributionBody,
        response: { 201: Type.Ref(GoalMovement), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendWrite(reply, await goals.contribute(requestContext(request, reply), request.params.id, request.body)),
  );

  api.post(
    '/:id/withdrawals',
    {
      schema: {
        ...common,
        summary: 'Move money from the goal back to an account',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: WithdrawalBody,
        response: { 201: Type.Ref(GoalMovement), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendWrite(reply, await goals.withdraw(requestContext(request, reply), request.params.id, request.body)),
  );
}

/** The goals module's routes, registered under /api/goals; every one needs a session. */
export async function goalsRoutes(app: FastifyInstance, options: { goals: GoalsService }) {
  requireSession(app);
  const api = routeApi(app);
  collectionRoutes(api, options.goals);
  itemRoutes(api, options.goals);
  movementRoutes(api, options.goals);
}
