// The budgets (orçamentos) part of the API: a limit per expense category per month, with
// what was spent read from the ledger. PUT is idempotent by nature (it sets the budget).
import { api, unwrap } from '../../api/client';
import type { components, paths } from '../../api/schema';

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type BudgetLine = Schemas['BudgetLine'];
export type BudgetMonth = Schemas['BudgetMonth'];
export type PutBudgetInput = JsonBody<paths['/api/budgets/{month}/{category_id}']['put']>;

export function getBudgetMonth(month: string) {
  return unwrap(api.GET('/api/budgets', { params: { query: { month } } }));
}

export function putBudget(input: { month: string; categoryId: string; body: PutBudgetInput }) {
  return unwrap(
    api.PUT('/api/budgets/{month}/{category_id}', {
      params: { path: { month: input.month, category_id: input.categoryId } },
      body: input.body,
    }),
  );
}

export function deleteBudget(input: { month: string; categoryId: string }) {
  return unwrap(
    api.DELETE('/api/budgets/{month}/{category_id}', {
      params: { path: { month: input.month, category_id: input.categoryId } },
    }),
  );
}

export function copyPreviousBudgets(month: string) {
  return unwrap(api.POST('/api/budgets/{month}/copy-previous', { params: { path: { month } } }));
}
