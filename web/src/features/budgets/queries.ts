import { useQuery } from '@tanstack/react-query';
import { LEDGER_KEYS } from '../ledger/queries';
import { getBudgetMonth } from './api';

export function budgetMonthKey(month: string) {
  return [...LEDGER_KEYS.budgets, month];
}

/** One month's budgets; spending comes from the ledger, so every money write refreshes it. */
export function useBudgetMonth(month: string) {
  return useQuery({ queryKey: budgetMonthKey(month), queryFn: () => getBudgetMonth(month) });
}
