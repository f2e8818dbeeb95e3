import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams, PageQueryObject } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import { PostedTransaction } from '../transactions/transactions.schemas.js';
import {
  BrCodeProblem,
  ChargeListQuery,
  CreateChargeBody,
  DecodeBody,
  PixChargePage,
  PixChargeReceived,
  PixChargeWithQr,
  PixDecoded,
  PixKey,
  PixKeyPage,
  PixKeyValidation,
  PixReceiptUndone,
  PutPixKeyBody,
  ReceiveChargeBody,
  RecordPaymentBody,
  ValidateKeyBody,
} from './pix.schemas.js';
import { type PixService, pixDisabled } from './pix.service.js';

const brCodeProblem = Type.Ref(BrCodeProblem);

const common = { tags: ['pix'], security: bearerSecurity };

/** PUT and DELETE /api/accounts/:id/pix-key: the key an account receives on. */
function accountKeyRoutes(api: RouteApi, pix: PixService) {
  api.put(
    '/:id/pix-key',
    {
      schema: {
        ...common,
        summary: 'Set (or replace) the Pix key this account receives on; formatted keys are accepted and normalised',
        params: IdParams,
        body: PutPixKeyBody,
        response: { 200: Type.Ref(PixKey), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => pix.putKey(currentUser(request).id, request.params.id, request.body),
  );

  api.delete(
    '/:id/pix-key',
    {
      schema: {
        ...common,
        summary: "Remove the account's Pix key (charges made with it stay as they were)",
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await pix.deleteKey(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/** The person's keys, and reading keys and BR Codes without storing anything. */
function keyAndCodeRoutes(api: RouteApi, pix: PixService) {
  api.get(
    '/keys',
    {
      schema: {
        ...common,
        summary: "The person's Pix keys, one per account at most",
        querystring: PageQueryObject,
        response: { 200: Type.Ref(PixKeyPage), ...problems(400, 401) },
      },
    },
    async (request) => pix.listKeys(currentUser(request).id, request.query),
  );

  api.post(
    '/keys/validate',
    {
      schema: {
        ...common,
        summary: 'Detect and validate a Pix key (CPF, CNPJ, e-mail, phone, random key) and normalise it',
        body: ValidateKeyBody,
        response: { 200: Type.Ref(PixKeyValidation), ...problems(400, 401, 403) },
      },
    },
    async (request) => pix.validateKey(request.body),
  );

  api.post(
    '/decode',
    {
      schema: {
        ...common,
        summary: 'Read a Pix Copia e Cola: its fields and a suggested expense, or 422 with every error found',
        body: DecodeBody,
        response: { 200: Type.Ref(PixDecoded), 422: brCodeProblem, ...problems(400, 401, 403) },
      },
    },
    async (request) => pix.decode(currentUser(request).id, request.body.payload),
  );
}

/** Charges: create one, list them, read one. */
function chargeRoutes(api: RouteApi, pix: PixService) {
  api.post(
    '/charges',
    {
      schema: {
        ...common,
        summary: 'Receber via Pix: a BR Code and its QR for the Pix key of one of your accounts',
        headers: IdempotencyHeaders,
        body: CreateChargeBody,
        response: { 201: Type.Ref(PixChargeWithQr), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await pix.createCharge(requestContext(request, reply), request.body)),
  );

  api.get(
    '/charges',
    {
      schema: {
        ...common,
        summary: 'Your Pix charges, newest first',
        querystring: ChargeListQuery,
        response: { 200: Type.Ref(PixChargePage), ...problems(400, 401, 404) },
      },
    },
    async (request) => pix.listCharges(currentUser(request).id, request.query),
  );

  api.get(
    '/charges/:id',
    {
      schema: {
        ...common,
        summary: 'One Pix charge with its QR code',
        params: IdParams,
        response: { 200: Type.Ref(PixChargeWithQr), ...problems(400, 401, 404) },
      },
    },
    async (request) => pix.getCharge(currentUser(request).id, request.params.id),
  );
}

/** Money that moved over Pix: a charge received, a payment made. */
function settlementRoutes(api: RouteApi, pix: PixService) {
  api.post(
    '/charges/:id/receive',
    {
      schema: {
        ...common,
        summary: 'Mark a charge as received: posts its income once (409 charge_already_received after)',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReceiveChargeBody,
        response: { 201: Type.Ref(PixChargeReceived), ...problems(400, 401, 403, 404, 409, 422) },
      },
      // The body is optional: no body means {} (and hashes as {} for the Idempotency-Key).
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) =>
      sendWrite(reply, await pix.receiveCharge(requestContext(request, reply), request.params.id, request.body)),
  );

  api.post(
    '/charges/:id/receive/undo',
    {
      schema: {
        ...common,
        summary:
          'Undo "Já recebi": reverse the receipt and return the charge to pending (409 charge_not_received when not received)',
        params: IdParams,
        headers: IdempotencyHeaders,
        response: { 201: Type.Ref(PixReceiptUndone), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await pix.undoReceipt(requestContext(request, reply), request.params.id)),
  );

  api.post(
    '/payments',
    {
      schema: {
        ...common,
        summary: 'Paguei um Pix: record a paid Pix Copia e Cola as an expense, with its payee and txid',
        headers: IdempotencyHeaders,
        body: RecordPaymentBody,
        response: { 201: Type.Ref(PostedTransaction), 422: brCodeProblem, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => sendWrite(reply, await pix.recordPayment(requestContext(request, reply), request.body)),
  );
}

/**
 * The account's Pix key, registered under /api/accounts beside the account it belongs to;
 * every route needs a session.
 */
/** ENABLE_PIX=false: every Pix route answers 404 feature_disabled (the rest of the account routes stay). */
function guardFeature(app: FastifyInstance, enabled: boolean): void {
  app.addHook('onRequest', async () => {
    if (!enabled) throw pixDisabled();
  });
}

export async function pixKeyRoutes(app: FastifyInstance, options: { pix: PixService; enabled: boolean }) {
  requireSession(app);
  guardFeature(app, options.enabled);
  accountKeyRoutes(routeApi(app), options.pix);
}

/** The pix module's routes, registered under /api/pix; every one needs a session. */
export async function pixRoutes(app: FastifyInstance, options: { pix: PixService; enabled: boolean }) {
  requireSession(app);
  guardFeature(app, options.enabled);
  const api = routeApi(app);
  keyAndCodeRoutes(api, options.pix);
  chargeRoutes(api, options.pix);
  settlementRoutes(api, options.pix);
}
