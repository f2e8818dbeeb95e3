import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams, PageQueryObject } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../accounts/accounts.routes.js';
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
  PutPixKeyBody,
  ReceiveChargeBody,
  RecordPaymentBody,
  ValidateKeyBody,
} from './pix.schemas.js';
import type { PixService } from './pix.service.js';

const brCodeProblem = Type.Ref(BrCodeProblem);

export async function pixRoutes(app: FastifyInstance, options: { pix: PixService }) {
  const { pix } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['pix'], security: bearerSecurity };

  api.put(
    '/api/accounts/:id/pix-key',
    {
      schema: {
        ...common,
        summary: 'Set (or replace) the Pix key this account receives on; formatted keys are accepted and normalised',
        params: IdParams,
        body: PutPixKeyBody,
        response: { 200: Type.Ref(PixKey), ...problems(400, 401, 403, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request) => pix.putKey(currentUser(request).id, request.params.id, request.body),
  );

  api.delete(
    '/api/accounts/:id/pix-key',
    {
      schema: {
        ...common,
        summary: "Remove the account's Pix key (charges made with it stay as they were)",
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => {
      await pix.deleteKey(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/pix/keys',
    {
      schema: {
        ...common,
        summary: "The person's Pix keys, one per account at most",
        querystring: PageQueryObject,
        response: { 200: Type.Ref(PixKeyPage), ...problems(400, 401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => pix.listKeys(currentUser(request).id, request.query),
  );

  api.post(
    '/api/pix/keys/validate',
    {
      schema: {
        ...common,
        summary: 'Detect and validate a Pix key (CPF, CNPJ, e-mail, phone, random key) and normalise it',
        body: ValidateKeyBody,
        response: { 200: Type.Ref(PixKeyValidation), ...problems(400, 401, 403) },
      },
      preHandler: app.authenticate,
    },
    async (request) => pix.validateKey(request.body),
  );

  api.post(
    '/api/pix/decode',
    {
      schema: {
        ...common,
        summary: 'Read a Pix Copia e Cola: its fields and a suggested expense, or 422 with every error found',
        body: DecodeBody,
        response: { 200: Type.Ref(PixDecoded), 422: brCodeProblem, ...problems(400, 401, 403) },
      },
      preHandler: app.authenticate,
    },
    async (request) => pix.decode(currentUser(request).id, request.body.payload),
  );

  api.post(
    '/api/pix/charges',
    {
      schema: {
        ...common,
        summary: 'Receber via Pix: a BR Code and its QR for the Pix key of one of your accounts',
        headers: IdempotencyHeaders,
        body: CreateChargeBody,
        response: { 201: Type.Ref(PixChargeWithQr), ...problems(400, 401, 403, 404, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await pix.createCharge(requestContext(request, reply), request.body)),
  );

  api.get(
    '/api/pix/charges',
    {
      schema: {
        ...common,
        summary: 'Your Pix charges, newest first',
        querystring: ChargeListQuery,
        response: { 200: Type.Ref(PixChargePage), ...problems(400, 401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => pix.listCharges(currentUser(request).id, request.query),
  );

  api.get(
    '/api/pix/charges/:id',
    {
      schema: {
        ...common,
        summary: 'One Pix charge with its QR code',
        params: IdParams,
        response: { 200: Type.Ref(PixChargeWithQr), ...problems(400, 401, 404) },
      },
      preHandler: app.authenticate,
    },
    async (request) => pix.getCharge(currentUser(request).id, request.params.id),
  );

  api.post(
    '/api/pix/charges/:id/receive',
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
      preHandler: app.authenticate,
    },
    async (request, reply) =>
      sendWrite(reply, await pix.receiveCharge(requestContext(request, reply), request.params.id, request.body)),
  );

  api.post(
    '/api/pix/payments',
    {
      schema: {
        ...common,
        summary: 'Paguei um Pix: record a paid Pix Copia e Cola as an expense, with its payee and txid',
        headers: IdempotencyHeaders,
        body: RecordPaymentBody,
        response: { 201: Type.Ref(PostedTransaction), 422: brCodeProblem, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await pix.recordPayment(requestContext(request, reply), request.body)),
  );
}
