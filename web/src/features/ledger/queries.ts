import { keepPreviousData, type QueryClient, queryOptions, useQuery } from '@tanstack/react-query';
import {
  type Account,
  type Category,
  getAccount,
  getAccountStatement,
  getTransaction,
  getTransactionAudit,
  listAccounts,
  listCategories,
  listTransactions,
  OWNED_ITEMS_MAX,
  PAGE_LIMIT_MAX,
  type Page,
  type PageRequest,
  type TransactionFilters,
} from '../../api/ledger';

/** Every ledger query key starts with one of these, so a write can refresh them all. */
export const LEDGER_KEYS = {
  accounts: ['accounts'],
  categories: ['categories'],
  transactions: ['transactions'],
  statements: ['statements'],
  // Read from the ledger too: a goal's savings and a month's spending change when money moves.
  goals: ['goals'],
  budgets: ['budgets'],
  recurring: ['recurring'],
  insights: ['insights'],
} as const;

const OWNED_PAGES_MAX = Math.ceil(OWNED_ITEMS_MAX / PAGE_LIMIT_MAX) + 1;
/**
 * Every write made here refreshes what it changed, so moving between screens need not
 * refetch; changes made elsewhere (another tab, another device) show within this time
 * or when the tab regains focus after it.
 */
const LEDGER_STALE_MS = 30_000;

/**
 * A person has at most a couple of hundred accounts and categories, so they are loaded
 * whole (page by page, bounded) and filtered in the browser.
 */
export async function fetchAll<T>(fetchPage: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let pageIndex = 0; pageIndex < OWNED_PAGES_MAX; pageIndex += 1) {
    const page = await fetchPage({ skip: items.length, limit: PAGE_LIMIT_MAX });
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) break;
  }
  return items;
}

/**
 * All accounts, archived ones included (screens filter them), oldest first: the first
 * account a person opens is usually their main one, so it leads lists and is the default
 * in forms.
 */
export const accountsQuery = queryOptions({
  queryKey: LEDGER_KEYS.accounts,
  queryFn: async () => {
    const accounts = await fetchAll<Account>((page) => listAccounts(page, true));
    return accounts.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  },
  staleTime: LEDGER_STALE_MS,
});

export function useAccounts() {
  return useQuery(accountsQuery);
}

export function useAccount(id: string) {
  return useQuery({ queryKey: [...LEDGER_KEYS.accounts, id], queryFn: () => getAccount(id) });
}

export function useCategories() {
  return useQuery({
    queryKey: LEDGER_KEYS.categories,
    queryFn: () => fetchAll<Category>(listCategories),
    // Categories change rarely and only from this app; a write invalidates them.
    staleTime: 5 * 60_000,
  });
}

export function useTransactions(filters: TransactionFilters, page: PageRequest) {
  return useQuery({
    queryKey: [...LEDGER_KEYS.transactions, 'list', filters, page],
    queryFn: () => listTransactions(filters, page),
    placeholderData: keepPreviousData,
  });
}

export function useTransaction(id: string | null) {
  return useQuery({
    queryKey: [...LEDGER_KEYS.transactions, 'one', id],
    queryFn: () => getTransaction(id ?? ''),
    enabled: id !== null,
  });
}

export function useTransactionAudit(id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...LEDGER_KEYS.transactions, 'audit', id],
    queryFn: () => getTransactionAudit(id),
    enabled,
  });
}

export function useAccountStatement(id: string, page: PageRequest, includeReversed = false) {
  return useQuery({
    queryKey: [...LEDGER_KEYS.statements, id, page, includeReversed],
    queryFn: () => getAccountStatement(id, page, includeReversed),
    placeholderData: keepPreviousData,
  });
}

/** After money moved: balances, lists, statements, goals' savings and budgets' spending all change. */
export function invalidateMoney(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.accounts }),
    queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.transactions }),
    queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.statements }),
    queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.goals }),
    queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.budgets }),
    queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.insights }),
  ]).then(() => undefined);
}

export function activeAccounts(accounts: readonly Account[] | undefined): Account[] {
  return (accounts ?? []).filter((account) => !account.archived);
}

export function totalBalanceCents(accounts: readonly Account[]): number {
  return accounts.reduce((sum, account) => sum + account.balance_cents, 0);
}
