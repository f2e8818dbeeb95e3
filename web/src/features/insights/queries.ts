import { useQuery } from '@tanstack/react-query';
import { LEDGER_KEYS } from '../ledger/queries';
import { getInsights } from './api';
import { noteInsightsError } from './availability';

export function insightsKey(month: string) {
  return [...LEDGER_KEYS.insights, month];
}

/** A month's insights; they come from the ledger, so every money write refreshes them. */
export function useInsights(month: string) {
  return useQuery({
    queryKey: insightsKey(month),
    queryFn: async () => {
      try {
        return await getInsights(month);
      } catch (error) {
        noteInsightsError(error);
        throw error;
      }
    },
  });
}
