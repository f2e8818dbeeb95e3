import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { BudgetLine, BudgetMonth, BudgetParams, BudgetQuery, MonthParams, PutBudgetBody } from './budgets.schemas.js';
import type { BudgetsService } from './budgets.service.js';

/** The budgets module's routes, registered under /api/budgets; every one needs a session. */
export async function budgetsRoutes(app: FastifyInstance, options: { budgets: BudgetsService }) {
  const { budgets } = options;
  requireSession(app);
  const api = routeApi(app);
  const common = { tags: ['budgets'], security: bearerSecurity };

  api.get(
    '',
    {
      schema: {
        ...common,
        summary:
          "A month's budgets: limit, rollover, spent (from the ledger), remaining, crossed alert thresholds, unbudgeted spending",
        querystring: BudgetQuery,
        response: { 200: Type.Ref(BudgetMonth), ...problems(400, 401) },
      },
    },
    async (request) => budgets.month(currentUser(request).id, request.query.month),
  );

  api.put(
    '/:month/:category_id',
    {
      schema: {
        ...common,
        summary: 'Set the budget of an expense category for a month (201 created, 200 replaced)',
        params: BudgetParams,
        body: PutBudgetBody,
        response: { 200: Type.Ref(BudgetLine), 201: Type.Ref(BudgetLine), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const result = await budgets.put(currentUser(request).id, request.params.month, request.params.category_id, request.body);
      return reply.code(result.created ? 201 : 200).send(result.line);
    },
  );

  api.delete(
    '/:month/:category_id',
    {
      schema: {
        ...common,
        summary: "Remove a month's budget for a category",
        params: BudgetParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await budgets.remove(currentUser(request).id, request.params.month, request.params.category_id);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/:month/copy-previous',
    {
      schema: {
        ...common,
        summary: "Copy last month's budgets into this month (categories that already have one are kept)",
        params: MonthParams,
        response: { 200: Type.Ref(BudgetMonth), ...problems(400, 401, 422) },
      },
    },
    async (request) => budgets.copyPrevious(currentUser(request).id, request.params.month),
  );
}
