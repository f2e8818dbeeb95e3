// The credit card part of the API: bills, a purchase's installments, refunds and antecipação.
// Writes take the form's Idempotency-Key like every other write that moves money.
import { api, unwrap } from '../../api/client';
import { PAGE_LIMIT_MAX } from '../../api/ledger';
import { bodyLimit } from '../../api/limits';
import type { components, paths } from '../../api/schema';

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type Bill = Schemas['Bill'];
export type BillPage = Schemas['BillPage'];
export type BillStatus = Bill['status'];
export type BillItem = Bill['items'][number];
export type Installments = Schemas['Installments'];
export type RefundInput = JsonBody<paths['/api/transactions/{id}/refund']['post']>;
export type RefundScope = NonNullable<RefundInput['scope']>;
export type AnticipateInput = JsonBody<paths['/api/transactions/{id}/anticipate']['post']>;

// The server's bounds, from its OpenAPI document.
export const INSTALLMENTS_MAX = bodyLimit('post', '/api/transactions', 'installments', 'maximum');
export const CARD_DAY_MIN = bodyLimit('post', '/api/accounts', 'closing_day', 'minimum');
export const CARD_DAY_MAX = bodyLimit('post', '/api/accounts', 'closing_day', 'maximum');

/**
 * Bills a card screen reads at once (newest first): the next ones a 48× purchase reaches,
 * the open one and years of past ones. The server's page maximum; older bills come a page at
 * a time ("Ver faturas anteriores").
 */
export const BILLS_PAGE_LIMIT = PAGE_LIMIT_MAX;

function idempotencyHeader(key: string) {
  return { 'idempotency-key': key };
}

export function listBills(accountId: string, skip = 0) {
  return unwrap(
    api.GET('/api/accounts/{id}/bills', { params: { path: { id: accountId }, query: { skip, limit: BILLS_PAGE_LIMIT } } }),
  );
}

export function getInstallments(transactionId: string) {
  return unwrap(api.GET('/api/transactions/{id}/installments', { params: { path: { id: transactionId } } }));
}

export function refundPurchase(options: { transactionId: string; input: RefundInput }, idempotencyKey: string) {
  return unwrap(
    api.POST('/api/transactions/{id}/refund', {
      params: { path: { id: options.transactionId }, header: idempotencyHeader(idempotencyKey) },
      body: options.input,
    }),
  );
}

export function anticipateInstallments(options: { transactionId: string; input: AnticipateInput }, idempotencyKey: string) {
  return unwrap(
    api.POST('/api/transactions/{id}/anticipate', {
      params: { path: { id: options.transactionId }, header: idempotencyHeader(idempotencyKey) },
      body: options.input,
    }),
  );
}
