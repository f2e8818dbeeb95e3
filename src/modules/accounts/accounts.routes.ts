import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { currentUser } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams, PageQueryObject } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import type { WriteResult } from '../../http/idempotency.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import {
  Account,
  AccountListQuery,
  AccountPage,
  BalanceAt,
  BalanceQuery,
  CreateAccountBody,
  LedgerPage,
  PatchAccountBody,
} from './accounts.schemas.js';
import type { AccountsService } from './accounts.service.js';

/**
 * Sends a write's result; a replay carries Idempotent-Replayed: true. A payload serialised
 * before the commit is sent as is, so nothing is left to fail once the write is committed.
 */
export function sendWrite(reply: FastifyReply, result: WriteResult<unknown>) {
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  if (result.payload !== undefined) {
    return reply.code(result.status).type('application/json; charset=utf-8').send(result.payload);
  }
  return reply.code(result.status).send(result.body);
}

export async function accountsRoutes(app: FastifyInstance, options: { accounts: AccountsService }) {
  const { accounts } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['accounts'], security: bearerSecurity };

  api.post(
    '/api/accounts',
    {
      schema: {
        ...common,
        summary: 'Open an account; an initial balance is posted as an opening transaction',
        headers: IdempotencyHeaders,
        body: CreateAccountBody,
        response: { 201: Type.Ref(Account), ...problems(400, 401, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await accounts.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '/api/accounts',
    {
      schema: {
        ...common,
        summary: "The person's accounts, newest first",
        querystring: AccountListQuery,
        response: { 200: Type.Ref(AccountPage), ...problems(400, 401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => accounts.list(currentUser(request).id, request.query),
  );

  api.get(
    '/api/accounts/:id',
    {
      schema: {
        ...common,
        summary: 'One account',
        params: IdParams,
        response: { 200: Type.Ref(Account), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => accounts.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/api/accounts/:id',
    {
      schema: {
        ...common,
        summary: 'Rename, change the limit, archive or unarchive (409 with the current state on a stale row_version)',
        params: IdParams,
        body: PatchAccountBody,
        response: { 200: Type.Ref(Account), ...problems(400, 401, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request) => accounts.patch(currentUser(request).id, request.params.id, request.body),
  );

  api.get(
    '/api/accounts/:id/ledger',
    {
      schema: {
        ...common,
        summary: "The account's ledger entries with the running balance, newest first",
        params: IdParams,
        querystring: PageQueryObject,
        response: { 200: Type.Ref(LedgerPage), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => accounts.ledger(currentUser(request).id, request.params.id, request.query),
  );

  api.get(
    '/api/accounts/:id/balance',
    {
      schema: {
        ...common,
        summary: 'The balance at an instant, rebuilt from the ledger',
        params: IdParams,
        querystring: BalanceQuery,
        response: { 200: Type.Ref(BalanceAt), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => accounts.balanceAt(currentUser(request).id, request.params.id, request.query.at),
  );
}
