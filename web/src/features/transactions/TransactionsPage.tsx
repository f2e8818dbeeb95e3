import {
  Button,
  Card,
  Center,
  Grid,
  Group,
  Loader,
  Pagination,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { type Account, CATEGORY_KINDS, type Category, SEARCH_LENGTH_MAX, type TransactionFilters } from '../../api/ledger';
import type { components } from '../../api/schema';
import { DateField } from '../../components/DateField';
import { MinusIcon, PlusIcon, SearchIcon } from '../../components/icons';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { displayToIso, isoToDisplay } from '../../lib/dates';
import { useLedgerActions } from '../ledger/LedgerActions';
import { useLedgerLabels } from '../ledger/labels';
import { useAccounts, useCategories, useTransactions } from '../ledger/queries';
import { LazyTransactionDialog } from './LazyTransactionDialog';
import { ShowReversedToggle } from './ShowReversedToggle';
import { TransactionList } from './TransactionList';

export const TRANSACTIONS_PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 300;
const FILTER_PARAMS = ['conta', 'categoria', 'de', 'ate', 'busca', 'estornados'] as const;
/** ?estornados=1: deleted and corrected transactions and their reversals are listed too, marked. */
const SHOW_REVERSED_VALUE = '1';

/** Filters live in the address (?conta=…&de=2026-11-01), so a filtered list can be reloaded or shared. */
function filtersFrom(params: URLSearchParams): TransactionFilters {
  const filters: TransactionFilters = {};
  const account = params.get('conta');
  const category = params.get('categoria');
  const from = params.get('de');
  const to = params.get('ate');
  const search = params.get('busca')?.trim();
  if (account) filters.account_id = account;
  if (category) filters.category_id = category;
  if (from) filters.from = from;
  if (to) filters.to = to;
  if (search) filters.q = search.slice(0, SEARCH_LENGTH_MAX);
  if (params.get('estornados') === SHOW_REVERSED_VALUE) filters.include_reversed = true;
  return filters;
}

function pageFrom(params: URLSearchParams): number {
  const page = Number(params.get('pagina') ?? '1');
  return Number.isSafeInteger(page) && page >= 1 ? page : 1;
}

type TransactionPage = components['schemas']['TransactionPage'];
type FilterParam = (typeof FILTER_PARAMS)[number] | 'pagina';
type SetParam = (name: FilterParam, value: string | null) => void;

/** The filters and the page as the address holds them, and the search text typed but not yet settled. */
function useTransactionFilters() {
  const [params, setParams] = useSearchParams();
  const requested = filtersFrom(params);
  // A range that ends before it starts is refused by the server; say so on the field instead.
  const rangeInverted = requested.from !== undefined && requested.to !== undefined && requested.from > requested.to;
  const filters: TransactionFilters = rangeInverted ? { ...requested, to: undefined } : requested;

  const setParam: SetParam = (name, value) => {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        // Any new filter starts again from the first page.
        if (name !== 'pagina') next.delete('pagina');
        return next;
      },
      { replace: true },
    );
  };

  const [search, setSearch] = useState(params.get('busca') ?? '');
  const [debouncedSearch] = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  const searchParam = params.get('busca') ?? '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a settled search text updates the address.
  useEffect(() => {
    if (debouncedSearch.trim() !== searchParam) setParam('busca', debouncedSearch.trim() || null);
  }, [debouncedSearch]);

  const clear = () => {
    setSearch('');
    setParams(new URLSearchParams(), { replace: true });
  };
  return {
    requested,
    rangeInverted,
    filters,
    page: pageFrom(params),
    setParam,
    search,
    setSearch,
    clear,
    hasFilters: FILTER_PARAMS.some((name) => params.has(name)),
    // On a phone the filters other than the search fold away behind a button showing how many are on.
    moreFilters: FILTER_PARAMS.filter((name) => name !== 'busca' && name !== 'estornados' && params.has(name)).length,
  };
}

type Filters = ReturnType<typeof useTransactionFilters>;

function TransactionsHeader() {
  const { t } = useTranslation();
  const actions = useLedgerActions();
  const phone = usePhoneLayout();
  return (
    <Group justify="space-between" gap="sm">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('transactions.pageTitle')}
      </Title>
      <Group gap="xs" grow={phone} w={phone ? '100%' : undefined}>
        <Button
          variant="light"
          color="red"
          size={phone ? 'sm' : 'md'}
          px={phone ? 'xs' : undefined}
          leftSection={<MinusIcon size={18} />}
          onClick={() => actions.openEntry('expense')}
        >
          {t('transactions.newExpense')}
        </Button>
        <Button
          variant="light"
          size={phone ? 'sm' : 'md'}
          px={phone ? 'xs' : undefined}
          leftSection={<PlusIcon size={18} />}
          onClick={() => actions.openEntry('income')}
        >
          {t('transactions.newIncome')}
        </Button>
      </Group>
    </Group>
  );
}

/** The account, category and date filters (folded behind a button on a phone). */
function FilterFields({
  filters: state,
  accounts,
  categories,
}: {
  filters: Filters;
  accounts: Account[];
  categories: Category[];
}) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const { filters, requested, rangeInverted, setParam } = state;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
      <Select
        label={t('transactions.filters.account')}
        placeholder={t('transactions.filters.allAccounts')}
        data={accounts.map((account) => ({ value: account.id, label: account.name }))}
        value={filters.account_id ?? null}
        onChange={(value) => setParam('conta', value)}
        clearable
      />
      <Select
        label={t('transactions.filters.category')}
        placeholder={t('transactions.filters.allCategories')}
        data={CATEGORY_KINDS.map((kind) => ({
          group: t(`categories.${kind}`),
          items: categories
            .filter((category) => category.kind === kind)
            .map((category) => ({ value: category.id, label: labels.category(category) })),
        }))}
        value={filters.category_id ?? null}
        onChange={(value) => setParam('categoria', value)}
        clearable
        searchable
      />
      <DateFilter label={t('transactions.filters.from')} iso={filters.from} onChange={(iso) => setParam('de', iso)} />
      <DateFilter
        label={t('transactions.filters.to')}
        iso={requested.to}
        onChange={(iso) => setParam('ate', iso)}
        error={rangeInverted ? t('transactions.filters.rangeInverted') : undefined}
      />
    </SimpleGrid>
  );
}

function FiltersCard({ filters, accounts, categories }: { filters: Filters; accounts: Account[]; categories: Category[] }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const [filtersOpened, filtersPanel] = useDisclosure(false);
  const { search, setSearch, moreFilters } = filters;
  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-label={t('transactions.filters.label')}>
      <Grid gap="sm" align="flex-end">
        <Grid.Col span={12}>
          <Group gap="xs" wrap="nowrap" align="flex-end">
            <TextInput
              label={t('transactions.filters.search')}
              placeholder={t('transactions.filters.searchPlaceholder')}
              leftSection={<SearchIcon size={16} />}
              value={search}
              onChange={(event) => setSearch(event.currentTarget.value)}
              maxLength={SEARCH_LENGTH_MAX}
              type="search"
              style={{ flex: 1 }}
            />
            {phone ? (
              <Button
                variant={moreFilters > 0 ? 'light' : 'default'}
                size="md"
                px="sm"
                onClick={filtersPanel.toggle}
                aria-expanded={filtersOpened}
                aria-controls="transaction-filters"
              >
                {moreFilters > 0 ? `${t('transactions.filters.label')} (${moreFilters})` : t('transactions.filters.label')}
              </Button>
            ) : null}
          </Group>
        </Grid.Col>
        <Grid.Col span={12} id="transaction-filters" display={phone && !filtersOpened ? 'none' : undefined}>
          <FilterFields filters={filters} accounts={accounts} categories={categories} />
        </Grid.Col>
      </Grid>
      <Group justify="space-between" mt="sm" gap="xs">
        <ShowReversedToggle
          value={filters.filters.include_reversed === true}
          onChange={(on) => filters.setParam('estornados', on ? SHOW_REVERSED_VALUE : null)}
        />
        {filters.hasFilters ? (
          <Button variant="subtle" size="xs" onClick={filters.clear}>
            {t('transactions.filters.clear')}
          </Button>
        ) : null}
      </Group>
    </Card>
  );
}

interface TransactionResultsProps {
  page: TransactionPage;
  filters: Filters;
  accounts: Account[];
  categories: Category[];
  onOpen: (id: string) => void;
}

/** The count, the list (or why it is empty) and the pages. */
function TransactionResults({ page: result, filters, accounts, categories, onOpen }: TransactionResultsProps) {
  const { t } = useTranslation();
  const total = result.total;
  const pages = Math.max(1, Math.ceil(total / TRANSACTIONS_PAGE_SIZE));
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed" aria-live="polite">
        {t('transactions.total', { count: total })}
      </Text>
      {result.items.length === 0 ? (
        <Card withBorder radius="lg" padding="xl">
          <Text c="dimmed" ta="center">
            {filters.hasFilters ? t('transactions.empty') : t('transactions.none')}
          </Text>
        </Card>
      ) : (
        <Card withBorder radius="lg" padding={0} style={{ overflow: 'hidden' }}>
          <TransactionList
            transactions={result.items}
            accounts={accounts}
            categories={categories}
            onOpen={(transaction) => onOpen(transaction.id)}
            accountId={filters.filters.account_id}
          />
        </Card>
      )}
      {pages > 1 ? (
        <Center>
          <Pagination
            total={pages}
            value={Math.min(filters.page, pages)}
            onChange={(next) => filters.setParam('pagina', next > 1 ? String(next) : null)}
            siblings={0}
            boundaries={1}
            getControlProps={(control) => ({ 'aria-label': t(`pagination.${control}`) })}
            getItemProps={(item) => ({ 'aria-label': t('pagination.page', { page: item }) })}
          />
        </Center>
      ) : null}
    </Stack>
  );
}

export function TransactionsPage() {
  const { t } = useTranslation();
  usePageTitle(t('transactions.pageTitle'));
  const filters = useTransactionFilters();
  const [openId, setOpenId] = useState<string | null>(null);
  const accounts = useAccounts().data ?? [];
  const categories = useCategories().data ?? [];
  const transactions = useTransactions(filters.filters, {
    skip: (filters.page - 1) * TRANSACTIONS_PAGE_SIZE,
    limit: TRANSACTIONS_PAGE_SIZE,
  });

  return (
    <Stack gap="lg" maw={1100} mx="auto">
      <TransactionsHeader />
      <FiltersCard filters={filters} accounts={accounts} categories={categories} />
      {transactions.isError ? <ProblemAlert error={transactions.error} context="load" /> : null}
      {transactions.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {transactions.data ? (
        <TransactionResults
          page={transactions.data}
          filters={filters}
          accounts={accounts}
          categories={categories}
          onOpen={setOpenId}
        />
      ) : null}
      <LazyTransactionDialog transactionId={openId} onClose={() => setOpenId(null)} />
    </Stack>
  );
}

/** A dd/mm/aaaa filter that changes the list only once the typed date is complete and valid (or cleared). */
function DateFilter({
  label,
  iso,
  onChange,
  error,
}: {
  label: string;
  iso: string | undefined;
  onChange: (iso: string | null) => void;
  error?: string;
}) {
  const [text, setText] = useState(iso ? isoToDisplay(iso) : '');
  useEffect(() => {
    setText(iso ? isoToDisplay(iso) : '');
  }, [iso]);
  return (
    <DateField
      label={label}
      error={error}
      value={text}
      onChange={(value) => {
        setText(value);
        if (value === '') onChange(null);
        const parsed = displayToIso(value);
        if (parsed.ok) onChange(parsed.iso);
      }}
    />
  );
}
