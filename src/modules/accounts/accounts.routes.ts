import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import {
  Account,
  AccountListQuery,
  AccountPage,
  BalanceAt,
  BalanceQuery,
  CreateAccountBody,
  LedgerPage,
  LedgerQuery,
  PatchAccountBody,
} from './accounts.schemas.js';
import type { AccountsService } from './accounts.service.js';

const common = { tags: ['accounts'], security: bearerSecurity };

/** POST and GET /api/accounts: open an account, list them. */
function collectionRoutes(api: RouteApi, accounts: AccountsService) {
  api.post(
    '',
    {
      schema: {
        ...common,
        summary: 'Open an account; an initial balance is posted as an opening transaction',
        headers: IdempotencyHeaders,
        body: CreateAccountBody,
        response: { 201: Type.Ref(Account), ...problems(400, 401, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await accounts.create(requestContext(request, reply), request.body)),
  );

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: "The person's accounts, newest first",
        querystring: AccountListQuery,
        response: { 200: Type.Ref(AccountPage), ...problems(400, 401) },
      },
    },
    async (request) => accounts.list(currentUser(request).id, request.query),
  );
}

/** GET and PATCH /api/accounts/:id. */
function itemRoutes(api: RouteApi, accounts: AccountsService) {
  api.get(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'One account',
        params: IdParams,
        response: { 200: Type.Ref(Account), ...problems(400, 401, 404) },
      },
    },
    async (request) => accounts.get(currentUser(request).id, request.params.id),
  );

  api.patch(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'Rename, change the limit, archive or unarchive (409 with the current state on a stale row_version)',
        params: IdParams,
        body: PatchAccountBody,
        response: { 200: Type.Ref(Account), ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request) => accounts.patch(currentUser(request).id, request.params.id, request.body),
  );
}

/** The account's history: its ledger and its balance at an instant. */
function historyRoutes(api: RouteApi, accounts: AccountsService) {
  api.get(
    '/:id/ledger',
    {
      schema: {
        ...common,
        summary: "The account's ledger entries with the running balance, newest first",
        params: IdParams,
        querystring: LedgerQuery,
        response: { 200: Type.Ref(LedgerPage), ...problems(400, 401, 404) },
      },
    },
    async (request) => accounts.ledger(currentUser(request).id, request.params.id, request.query),
  );

  api.get(
    '/:id/balance',
    {
      schema: {
        ...common,
        summary: 'The balance at an instant, rebuilt from the ledger',
        params: IdParams,
        querystring: BalanceQuery,
        response: { 200: Type.Ref(BalanceAt), ...problems(400, 401, 404) },
      },
    },
    async (request) => accounts.balanceAt(currentUser(request).id, request.params.id, request.query.at),
  );
}

/** The accounts module's routes, registered under /api/accounts; every one needs a session. */
export async function accountsRoutes(app: FastifyInstance, options: { accounts: AccountsService }) {
  requireSession(app);
  const api = routeApi(app);
  collectionRoutes(api, options.accounts);
  itemRoutes(api, options.accounts);
  historyRoutes(api, options.accounts);
}
