import { useQuery } from '@tanstack/react-query';
import { fetchAll, LEDGER_KEYS } from '../ledger/queries';
import { getUpcoming, listRecurring, type RecurringRule } from './api';

/** What the recurring page shows ahead; the dashboard looks at the next month only. */
export const UPCOMING_PAGE_DAYS = 90;
export const UPCOMING_DASHBOARD_DAYS = 30;

/** All rules, ended ones included, in the server's order (newest first). */
export function useRecurringRules() {
  return useQuery({
    queryKey: [...LEDGER_KEYS.recurring, 'rules'],
    queryFn: () => fetchAll<RecurringRule>(listRecurring),
  });
}

export function useUpcoming(days: number) {
  return useQuery({
    queryKey: [...LEDGER_KEYS.recurring, 'upcoming', days],
    queryFn: () => getUpcoming(days),
  });
}
