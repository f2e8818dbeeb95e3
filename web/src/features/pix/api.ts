// The Pix part of the API: keys on accounts, charges ("Receber"), reading a pasted Pix
// Copia e Cola, and recording a paid one as an expense.

import { api, unwrap } from '../../api/client';
import { bodyLimit } from '../../api/limits';
import { type ApiError, isApiError } from '../../api/problem';
import type { components, paths } from '../../api/schema';
import { notePixError } from './availability';

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type PixKey = Schemas['PixKey'];
export type PixKeyType = PixKey['type'];
export type PixKeyValidation = Schemas['PixKeyValidation'];
export type PixCharge = Schemas['PixCharge'];
export type PixChargeWithQr = Schemas['PixChargeWithQr'];
export type PixDecoded = Schemas['PixDecoded'];
export type BrCode = Schemas['BrCode'];
export type BrCodeError = NonNullable<Schemas['BrCodeProblem']['br_code_errors']>[number];

export type PutPixKeyInput = JsonBody<paths['/api/accounts/{id}/pix-key']['put']>;
export type CreateChargeInput = JsonBody<paths['/api/pix/charges']['post']>;
export type ReceiveChargeInput = JsonBody<paths['/api/pix/charges/{id}/receive']['post']>;
export type RecordPaymentInput = JsonBody<paths['/api/pix/payments']['post']>;

// The server's limits, from its OpenAPI document.
export const PIX_KEY_LENGTH_MAX = bodyLimit('put', '/api/accounts/{id}/pix-key', 'key', 'maxLength');
export const CHARGE_DESCRIPTION_LENGTH_MAX = bodyLimit('post', '/api/pix/charges', 'description', 'maxLength');
export const PAYLOAD_LENGTH_MAX = bodyLimit('post', '/api/pix/decode', 'payload', 'maxLength');
/**
 * A BR Code carries at most 15 letters of city (src/modules/pix/brcode.ts CITY_LENGTH_MAX).
 * The schema accepts longer text, since accents and spaces are dropped before that count,
 * so this one is a rule of the format, not a field limit in the document.
 */
export const MERCHANT_CITY_LENGTH_MAX = 15;
/** A person has at most one key per account, and at most a couple of hundred accounts. */
const KEYS_PAGE_LIMIT = 100;
export const RECENT_CHARGES_LIMIT = 10;

/** Every Pix request: a 404 feature_disabled answer hides the Pix screens for this tab. */
async function noted<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    notePixError(error);
    throw error;
  }
}

function idempotencyHeader(key: string) {
  return { 'idempotency-key': key };
}

export function listPixKeys() {
  return noted(unwrap(api.GET('/api/pix/keys', { params: { query: { skip: 0, limit: KEYS_PAGE_LIMIT } } })));
}

export function validatePixKey(key: string) {
  return noted(unwrap(api.POST('/api/pix/keys/validate', { body: { key } })));
}

export function putPixKey(accountId: string, input: PutPixKeyInput) {
  return noted(unwrap(api.PUT('/api/accounts/{id}/pix-key', { params: { path: { id: accountId } }, body: input })));
}

export function createCharge(input: CreateChargeInput, idempotencyKey: string) {
  return noted(unwrap(api.POST('/api/pix/charges', { params: { header: idempotencyHeader(idempotencyKey) }, body: input })));
}

export function listRecentCharges(accountId: string) {
  return noted(
    unwrap(api.GET('/api/pix/charges', { params: { query: { skip: 0, limit: RECENT_CHARGES_LIMIT, account_id: accountId } } })),
  );
}

export function receiveCharge(input: { id: string; body: ReceiveChargeInput }, idempotencyKey: string) {
  return noted(
    unwrap(
      api.POST('/api/pix/charges/{id}/receive', {
        params: { path: { id: input.id }, header: idempotencyHeader(idempotencyKey) },
        body: input.body,
      }),
    ),
  );
}

/** "Desfazer" after "Já recebi": reverses the receipt; the charge waits again. */
export function undoChargeReceipt(id: string, idempotencyKey: string) {
  return noted(
    unwrap(
      api.POST('/api/pix/charges/{id}/receive/undo', { params: { path: { id }, header: idempotencyHeader(idempotencyKey) } }),
    ),
  );
}

export function decodePix(payload: string) {
  return noted(unwrap(api.POST('/api/pix/decode', { body: { payload } })));
}

export function recordPixPayment(input: RecordPaymentInput, idempotencyKey: string) {
  return noted(unwrap(api.POST('/api/pix/payments', { params: { header: idempotencyHeader(idempotencyKey) }, body: input })));
}

const BR_CODE_ERRORS_MAX = 20;

/** The BR Code errors of a 422 invalid_br_code answer, read defensively from the problem body. */
export function brCodeErrorsOf(error: unknown): BrCodeError[] {
  if (!isApiError(error) || error.code !== 'invalid_br_code') return [];
  const list = (error as ApiError).problem.extensions.br_code_errors;
  if (!Array.isArray(list)) return [];
  return list
    .slice(0, BR_CODE_ERRORS_MAX)
    .filter((item): item is BrCodeError => typeof item === 'object' && item !== null && typeof item.code === 'string');
}
