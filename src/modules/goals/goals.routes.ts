import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../accounts/accounts.routes.js';
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

export async function goalsRoutes(app: FastifyInstance, options: { goals: GoalsService }) {
  const { goals } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['goals'], security: bearerSecurity };

  api.post(
    '/api/goals',
    {
      schema: {
        ...common,
        summary: 'Create a savings goal (meta) with its own ledger account',
        headers: IdempotencyHeaders,
        body: CreateGoalBody,
        response: { 201: Type.Ref(Goal), ...problems(400, 401, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await goals.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '/api/goals',
    {
      schema: {
        ...common,
        summary: 'Goals with their progress, newest first',
        querystring: GoalListQuery,
        response: { 200: Type.Ref(GoalPage), ...problems(400, 401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => goals.list(currentUser(request).id, request.query),
  );

  api.get(
    '/api/goals/:id',
    {
      schema: {
        ...common,
        summary: 'One goal with its progress and projection',
        params: IdParams,
        response: { 200: Type.Ref(Goal), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => goals.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/api/goals/:id',
    {
      schema: {
        ...common,
        summary: 'Edit, archive (only when empty) or reopen a goal',
        params: IdParams,
        body: PatchGoalBody,
        response: { 200: Type.Ref(Goal), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) =>
      sendWrite(reply, await goals.patch(requestContext(request, reply), request.params.id, request.body)),
  );

  api.delete(
    '/api/goals/:id',
    {
      schema: {
        ...common,
        summary: 'Delete a goal that never held money (otherwise 409: archive it)',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => {
      await goals.remove(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/api/goals/:id/contributions',
    {
      schema: {
        ...common,
        summary: 'Move money from an account into the goal',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ContributionBody,
        response: { 201: Type.Ref(GoalMovement), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) =>
      sendWrite(reply, await goals.contribute(requestContext(request, reply), request.params.id, request.body)),
  );

  api.post(
    '/api/goals/:id/withdrawals',
    {
      schema: {
        ...common,
        summary: 'Move money from the goal back to an account',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: WithdrawalBody,
        response: { 201: Type.Ref(GoalMovement), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) =>
      sendWrite(reply, await goals.withdraw(requestContext(request, reply), request.params.id, request.body)),
  );
}
