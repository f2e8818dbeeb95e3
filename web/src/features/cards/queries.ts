import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { LEDGER_KEYS } from '../ledger/queries';
import { getInstallments, listBills } from './api';
import { hasMoreBills } from './bills';

// Bills and installments are read from the ledger: keyed under the statements, so every
// write that moves money (invalidateMoney) refreshes them too.
// A page of bills at a time, newest first: the first holds the next bills and the open one,
// each further page older bills ("Ver faturas anteriores").
export function useBills(accountId: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: [...LEDGER_KEYS.statements, 'bills', accountId],
    queryFn: ({ pageParam }) => listBills(accountId, pageParam),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => (hasMoreBills(pages) ? last.skip + last.items.length : undefined),
    enabled,
  });
}

export function useInstallments(transactionId: string, enabled: boolean) {
  return useQuery({
    queryKey: [...LEDGER_KEYS.statements, 'installments', transactionId],
    queryFn: () => getInstallments(transactionId),
    enabled,
  });
}
