import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import {
  AnticipateBody,
  Anticipated,
  Bill,
  BillListQuery,
  BillPage,
  BillParams,
  Installments,
  RefundBody,
  Refunded,
} from './cards.schemas.js';
import type { CardsService } from './cards.service.js';

const common = { tags: ['cards'], security: bearerSecurity };

/** GET /api/accounts/:id/bills and /:id/bills/:bill_id: a credit card's bills (faturas). */
export async function cardBillRoutes(app: FastifyInstance, options: { cards: CardsService }) {
  requireSession(app);
  const api = routeApi(app);
  const { cards } = options;
  api.get(
    '/:id/bills',
    {
      schema: {
        ...common,
        summary: "A credit card's bills, newest first: open, closed, paid, partially paid, overdue, and the next ones",
        description:
          'A month with nothing on it (no item, no payment, no saldo anterior) is left out, unless its bill is the one open today.',
        params: IdParams,
        querystring: BillListQuery,
        response: { 200: Type.Ref(BillPage), ...problems(400, 401, 404, 422) },
      },
    },
    async (request) => cards.bills(currentUser(request).id, request.params.id, request.query),
  );
  api.get(
    '/:id/bills/:bill_id',
    {
      schema: {
        ...common,
        summary: 'One bill with its items, payments and totals',
        params: BillParams,
        response: { 200: Type.Ref(Bill), ...problems(400, 401, 404, 422) },
      },
    },
    async (request) => cards.bill(currentUser(request).id, request.params.id, request.params.bill_id),
  );
}

/** A card purchase's installments, its refunds (estornos) and antecipação, under /api/transactions. */
export async function cardPurchaseRoutes(app: FastifyInstance, options: { cards: CardsService }) {
  requireSession(app);
  const api = routeApi(app);
  const { cards } = options;
  api.get(
    '/:id/installments',
    {
      schema: {
        ...common,
        summary: "A purchase's installments and the bill each is on",
        params: IdParams,
        response: { 200: Type.Ref(Installments), ...problems(400, 401, 404, 422) },
      },
    },
    async (request) => cards.installments(currentUser(request).id, request.params.id),
  );
  api.post(
    '/:id/refund',
    {
      schema: {
        ...common,
        summary: 'Refund (estorno) a card purchase, whole, its remaining installments, or an amount, on the bill of the day',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: RefundBody,
        response: { 201: Type.Ref(Refunded), ...problems(400, 401, 404, 409, 422) },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) =>
      sendWrite(reply, await cards.refund(requestContext(request, reply), request.params.id, request.body)),
  );
  api.post(
    '/:id/anticipate',
    {
      schema: {
        ...common,
        summary: "Bring a purchase's later installments to the open bill (antecipação), with the issuer's discount",
        params: IdParams,
        headers: IdempotencyHeaders,
        body: AnticipateBody,
        response: { 201: Type.Ref(Anticipated), ...problems(400, 401, 404, 409, 422) },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) =>
      sendWrite(reply, await cards.anticipate(requestContext(request, reply), request.params.id, request.body)),
  );
}
