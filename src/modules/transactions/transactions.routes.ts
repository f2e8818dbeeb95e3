import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../accounts/accounts.routes.js';
import type { TransfersService } from '../transfers/transfers.service.js';
import {
  CreateTransactionBody,
  CreateTransferBody,
  PatchTransactionBody,
  PostedTransaction,
  PostedTransfer,
  ReverseBody,
  ReversedTransaction,
  Transaction,
  TransactionAudit,
  TransactionListQuery,
  TransactionPage,
} from './transactions.schemas.js';
import type { TransactionsService } from './transactions.service.js';

export async function transactionsRoutes(
  app: FastifyInstance,
  options: { transactions: TransactionsService; transfers: TransfersService },
) {
  const { transactions, transfers } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['transactions'], security: bearerSecurity };

  api.post(
    '/api/transactions',
    {
      schema: {
        ...common,
        summary: 'Record income or an expense on an account',
        headers: IdempotencyHeaders,
        body: CreateTransactionBody,
        response: { 201: Type.Ref(PostedTransaction), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await transactions.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '/api/transactions',
    {
      schema: {
        ...common,
        summary: 'Transactions, newest first, filtered by account, category, dates and text',
        querystring: TransactionListQuery,
        response: { 200: Type.Ref(TransactionPage), ...problems(400, 401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => transactions.list(currentUser(request).id, request.query),
  );

  api.get(
    '/api/transactions/:id',
    {
      schema: {
        ...common,
        summary: 'One transaction',
        params: IdParams,
        response: { 200: Type.Ref(Transaction), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => transactions.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/api/transactions/:id',
    {
      schema: {
        ...common,
        summary: 'Edit description, category or notes (money never changes; reverse instead)',
        params: IdParams,
        body: PatchTransactionBody,
        response: { 200: Type.Ref(Transaction), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request) => transactions.patch(currentUser(request).id, request.params.id, request.body),
  );

  api.post(
    '/api/transactions/:id/reverse',
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
      preHandler: app.authenticate,
    },
    async (request, reply) =>
      sendWrite(reply, await transactions.reverse(requestContext(request, reply), request.params.id, request.body)),
  );

  api.get(
    '/api/transactions/:id/audit',
    {
      schema: {
        ...common,
        summary: 'Who, when, request id, idempotency key, policy version, reversal links and every leg',
        params: IdParams,
        response: { 200: Type.Ref(TransactionAudit), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => transactions.audit(currentUser(request).id, request.params.id),
  );

  api.post(
    '/api/transfers',
    {
      schema: {
        tags: ['transfers'],
        security: bearerSecurity,
        summary: "Move money between two of the person's own accounts",
        headers: IdempotencyHeaders,
        body: CreateTransferBody,
        response: { 201: Type.Ref(PostedTransfer), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await transfers.create(requestContext(request, reply), request.body)),
  );
}
