import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import {
  CreateTransactionBody,
  PatchTransactionBody,
  PostedTransaction,
  ReverseBody,
  ReversedTransaction,
  Transaction,
  TransactionAudit,
  TransactionListQuery,
  TransactionPage,
} from './transactions.schemas.js';
import type { TransactionsService } from './transactions.service.js';

const common = { tags: ['transactions'], security: bearerSecurity };

/** POST and GET /api/transactions: record income or an expense, search them. */
function collectionRoutes(api: RouteApi, transactions: TransactionsService) {
  api.post(
    '',
    {
      schema: {
        ...common,
        summary: 'Record income or an expense on an account',
        headers: IdempotencyHeaders,
        body: CreateTransactionBody,
        response: { 201: Type.Ref(PostedTransaction), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await transactions.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: 'Transactions, newest first, filtered by account, category, dates and text',
        querystring: TransactionListQuery,
        response: { 200: Type.Ref(TransactionPage), ...problems(400, 401, 404) },
      },
    },
    async (request) => transactions.list(currentUser(request).id, request.query),
  );
}

/** GET and PATCH /api/transactions/:id. */
function itemRoutes(api: RouteApi, transactions: TransactionsService) {
  api.get(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'One transaction',
        params: IdParams,
        response: { 200: Type.Ref(Transaction), ...problems(400, 401, 404) },
      },
    },
    async (request) => transactions.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'Edit description, category or notes; a new amount, date or account posts a correction',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: PatchTransactionBody,
        response: { 200: Type.Ref(Transaction), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendWrite(reply, await transactions.patch(requestContext(request, reply), request.params.id, request.body)),
  );
}

/** The reversal of a transaction and its audit trail. */
function reversalAndAuditRoutes(api: RouteApi, transactions: TransactionsService) {
  api.post(
    '/:id/reverse',
    {
      schema: {
        ...common,
        summary: 'Post a reversal that restores the balances (once per transaction)',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReverseBody,
        response: { 201: Type.Ref(ReversedTransaction), ...problems(400, 401, 404, 409, 422) },
      },
      // The body is optional: no body means {} (and hashes as {} for the Idempotency-Key).
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) =>
      sendWrite(reply, await transactions.reverse(requestContext(request, reply), request.params.id, request.body)),
  );

  api.get(
    '/:id/audit',
    {
      schema: {
        ...common,
        summary: 'Who, when, request id, idempotency key, policy version, reversal links and every leg',
        params: IdParams,
        response: { 200: Type.Ref(TransactionAudit), ...problems(400, 401, 404) },
      },
    },
    async (request) => transactions.audit(currentUser(request).id, request.params.id),
  );
}

/** The transactions module's routes, registered under /api/transactions; every one needs a session. */
export async function transactionsRoutes(app: FastifyInstance, options: { transactions: TransactionsService }) {
  requireSession(app);
  const api = routeApi(app);
  collectionRoutes(api, options.transactions);
  itemRoutes(api, options.transactions);
  reversalAndAuditRoutes(api, options.transactions);
}
