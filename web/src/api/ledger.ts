// The ledger part of the API: accounts, categories, transactions and transfers. Every
// write that moves money takes the caller's Idempotency-Key (see lib/idempotency.ts).
import { ACCOUNTS_PER_USER_MAX, CATEGORIES_PER_USER_MAX } from '../lib/bounds';
import { api, unwrap } from './client';
import { bodyLimit, queryLimit } from './limits';
import type { components, paths } from './schema';

export const ACCOUNT_TYPES = ['checking', 'savings', 'credit_card', 'cash', 'investment'] as const;
export const CATEGORY_KINDS = ['expense', 'income'] as const;

/** The server's page bounds (src/http/pagination.ts). */
export const PAGE_LIMIT_MAX = queryLimit('get', '/api/accounts', 'limit', 'maximum');
/** The most accounts or categories one person may hold: a list of either never needs more. */
export const OWNED_ITEMS_MAX = Math.max(ACCOUNTS_PER_USER_MAX, CATEGORIES_PER_USER_MAX);
// The server's field limits, from its OpenAPI document.
export const ACCOUNT_NAME_LENGTH_MAX = bodyLimit('post', '/api/accounts', 'name', 'maxLength');
export const CATEGORY_NAME_LENGTH_MAX = bodyLimit('post', '/api/categories', 'name', 'maxLength');
export const DESCRIPTION_LENGTH_MAX = bodyLimit('post', '/api/transactions', 'description', 'maxLength');
export const NOTES_LENGTH_MAX = bodyLimit('post', '/api/transactions', 'notes', 'maxLength');
export const SEARCH_LENGTH_MAX = queryLimit('get', '/api/transactions', 'q', 'maxLength');

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type Account = Schemas['Account'];
export type AccountType = Account['type'];
export type Category = Schemas['Category'];
export type CategoryKind = Category['kind'];
export type Transaction = Schemas['Transaction'];
export type TransactionKind = Transaction['kind'];
/** An income or an expense: what the "Nova despesa / Nova receita" form records. */
export type EntryType = CategoryKind;
/** A line of an account's statement: one ledger entry with the balance after it. */
export type StatementLine = Schemas['LedgerEntry'];
export type TransactionAudit = Schemas['TransactionAudit'];
export type AccountBalance = Schemas['AccountBalance'];

export type CreateAccountInput = JsonBody<paths['/api/accounts']['post']>;
export type PatchAccountInput = JsonBody<paths['/api/accounts/{id}']['patch']>;
export type CreateCategoryInput = JsonBody<paths['/api/categories']['post']>;
export type PatchCategoryInput = JsonBody<paths['/api/categories/{id}']['patch']>;
export type CreateTransactionInput = JsonBody<paths['/api/transactions']['post']>;
export type PatchTransactionInput = JsonBody<paths['/api/transactions/{id}']['patch']>;
export type CreateTransferInput = JsonBody<paths['/api/transfers']['post']>;

export interface Page<T> {
  items: T[];
  total: number;
  skip: number;
  limit: number;
}

export interface PageRequest {
  skip: number;
  limit: number;
}

export type TransactionFilters = Omit<
  paths['/api/transactions']['get']['parameters']['query'],
  'skip' | 'limit' | 'include_reversed'
> & { include_reversed?: boolean };

function idempotencyHeader(key: string) {
  return { 'idempotency-key': key };
}

// Accounts ---------------------------------------------------------------------------

export function listAccounts(page: PageRequest, includeArchived: boolean) {
  return unwrap(api.GET('/api/accounts', { params: { query: { ...page, include_archived: includeArchived } } }));
}

export function getAccount(id: string) {
  return unwrap(api.GET('/api/accounts/{id}', { params: { path: { id } } }));
}

export function createAccount(input: CreateAccountInput, idempotencyKey: string) {
  return unwrap(api.POST('/api/accounts', { params: { header: idempotencyHeader(idempotencyKey) }, body: input }));
}

export function patchAccount(id: string, input: PatchAccountInput) {
  return unwrap(api.PATCH('/api/accounts/{id}', { params: { path: { id } }, body: input }));
}

export function getAccountStatement(id: string, page: PageRequest, includeReversed = false) {
  return unwrap(
    api.GET('/api/accounts/{id}/ledger', { params: { path: { id }, query: { ...page, include_reversed: includeReversed } } }),
  );
}

// Categories -------------------------------------------------------------------------

export function listCategories(page: PageRequest) {
  return unwrap(api.GET('/api/categories', { params: { query: { ...page, include_archived: true } } }));
}

export function createCategory(input: CreateCategoryInput, idempotencyKey: string) {
  return unwrap(api.POST('/api/categories', { params: { header: idempotencyHeader(idempotencyKey) }, body: input }));
}

export function patchCategory(id: string, input: PatchCategoryInput) {
  return unwrap(api.PATCH('/api/categories/{id}', { params: { path: { id } }, body: input }));
}

// Transactions and transfers ---------------------------------------------------------

export function listTransactions(filters: TransactionFilters, page: PageRequest) {
  return unwrap(
    api.GET('/api/transactions', {
      params: { query: { ...filters, include_reversed: filters.include_reversed ?? false, ...page } },
    }),
  );
}

export function getTransaction(id: string) {
  return unwrap(api.GET('/api/transactions/{id}', { params: { path: { id } } }));
}

export function getTransactionAudit(id: string) {
  return unwrap(api.GET('/api/transactions/{id}/audit', { params: { path: { id } } }));
}

export function createTransaction(input: CreateTransactionInput, idempotencyKey: string) {
  return unwrap(api.POST('/api/transactions', { params: { header: idempotencyHeader(idempotencyKey) }, body: input }));
}

/** A new amount, date or account posts a correction; the key makes that safe to retry. */
export function patchTransaction(id: string, input: PatchTransactionInput, idempotencyKey?: string) {
  return unwrap(
    api.PATCH('/api/transactions/{id}', {
      params: { path: { id }, header: idempotencyKey === undefined ? undefined : idempotencyHeader(idempotencyKey) },
      body: input,
    }),
  );
}

export function reverseTransaction(id: string, idempotencyKey: string, body: { allow_negative?: boolean } = {}) {
  return unwrap(
    api.POST('/api/transactions/{id}/reverse', { params: { path: { id }, header: idempotencyHeader(idempotencyKey) }, body }),
  );
}

export function createTransfer(input: CreateTransferInput, idempotencyKey: string) {
  return unwrap(api.POST('/api/transfers', { params: { header: idempotencyHeader(idempotencyKey) }, body: input }));
}
