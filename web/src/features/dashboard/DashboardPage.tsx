import { Anchor, Card, Center, Divider, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Fragment, lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Account } from '../../api/ledger';
import { ACCOUNTS_PATH, TRANSACTIONS_PATH } from '../../app/paths';
import { LoadFailedBoundary } from '../../components/LoadFailedBoundary';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QuickActions } from '../../components/QuickActions';
import { usePageTitle } from '../../components/usePageTitle';
import { TIME_ZONE } from '../../lib/calendar';
import { AccountRow } from '../accounts/AccountRow';
import { useMe } from '../auth/session';
import { BudgetSummaryCard } from '../budgets/BudgetSummaryCard';
import { GoalsSummaryCard } from '../goals/GoalsSummaryCard';
import { useGoals } from '../goals/queries';
import { LazyDashboardCharts } from '../insights/LazyDashboardCharts';
import { useLedgerActions } from '../ledger/LedgerActions';
import { activeAccounts, totalBalanceCents, useAccounts, useCategories, useTransactions } from '../ledger/queries';
import { firstRunSkipped, skipFirstRun } from '../onboarding/firstRun';
import { UpcomingBillsCard } from '../recurring/UpcomingBillsCard';
import { LazyTransactionDialog } from '../transactions/LazyTransactionDialog';
import { TransactionList } from '../transactions/TransactionList';

const LATEST_TRANSACTIONS = 5;

/**
 * The first-run steps (with the account and expense forms and their pickers) are fetched only
 * for someone without an account, so a returning person's dashboard does not carry them
 * (docs/PERFORMANCE.md, "First load").
 */
const FirstAccountStep = lazy(async () => {
  // Step 2 follows at once after step 1: fetched alongside, so it appears without a wait.
  void import('../onboarding/FirstExpenseStep').catch(() => undefined);
  return { default: (await import('../onboarding/FirstAccountStep')).FirstAccountStep };
});
const FirstExpenseStep = lazy(async () => ({ default: (await import('../onboarding/FirstExpenseStep')).FirstExpenseStep }));

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('dashboard.pageTitle'));
  const me = useMe();
  const accounts = useAccounts();
  // The first-run path: the account just created in step 1, whose first expense step 2 asks for.
  const [firstExpenseAccount, setFirstExpenseAccount] = useState<Account | null>(null);
  const [skipped, setSkipped] = useState(false);
  const user = me.data;
  if (!user) return null;

  const today = new Intl.DateTimeFormat(i18n.resolvedLanguage, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: TIME_ZONE,
  }).format(new Date());
  const active = activeAccounts(accounts.data);
  // The path is for someone with no account at all: archived ones count, so it never returns.
  const firstRun = accounts.isSuccess && accounts.data.length === 0 && !skipped && !firstRunSkipped(user.id);

  return (
    <Stack gap="xl" maw={960} mx="auto">
      <Stack gap={4}>
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('dashboard.greeting', { name: firstName(user.name) })}
        </Title>
        <Text c="dimmed">{t('dashboard.today', { date: today })}</Text>
      </Stack>

      {accounts.isError ? <ProblemAlert error={accounts.error} context="load" /> : null}
      {accounts.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}
      <LoadFailedBoundary>
        <Suspense
          fallback={
            <Center py="xl">
              <Loader aria-label={t('app.loading')} />
            </Center>
          }
        >
          {firstRun ? (
            <FirstAccountStep
              onCreated={setFirstExpenseAccount}
              onSkip={() => {
                skipFirstRun(user.id);
                setSkipped(true);
              }}
            />
          ) : null}
          {firstExpenseAccount && active.length > 0 ? (
            <FirstExpenseStep account={firstExpenseAccount} onDone={() => setFirstExpenseAccount(null)} />
          ) : null}
        </Suspense>
      </LoadFailedBoundary>
      {accounts.isSuccess && !firstRun ? <Overview /> : null}
    </Stack>
  );
}

/**
 * Money moved into goals leaves the accounts, so "Saldo total" no longer counts it; shown
 * beside it so it does not vanish from every total. Archived goals hold nothing (archiving
 * asks for a withdrawal first), so the sum over all goals is the sum over active ones.
 */
function SavedInGoals() {
  const { t } = useTranslation();
  const goals = useGoals();
  if (!goals.data || goals.data.length === 0) return null;
  const savedCents = goals.data.reduce((sum, goal) => sum + Math.max(0, goal.saved_cents), 0);
  return (
    <Stack gap={0}>
      <Text c="dimmed" size="sm">
        {t('dashboard.savedInGoals')}
      </Text>
      <Money cents={savedCents} fz={{ base: 20, sm: 24 }} fw={700} data-testid="saved-in-goals" />
    </Stack>
  );
}

function Overview() {
  const { t } = useTranslation();
  const actions = useLedgerActions();
  const accounts = useAccounts().data ?? [];
  const categories = useCategories().data ?? [];
  const latest = useTransactions({}, { skip: 0, limit: LATEST_TRANSACTIONS });
  const [openId, setOpenId] = useState<string | null>(null);
  const active = activeAccounts(accounts);

  return (
    <>
      <Card withBorder radius="lg" padding="lg" shadow="xs">
        <Stack gap="md">
          <Group gap="xl" align="flex-end" wrap="wrap">
            <Stack gap={0}>
              <Text c="dimmed" size="sm">
                {t('dashboard.totalBalance')}
              </Text>
              <Money cents={totalBalanceCents(active)} fz={{ base: 30, sm: 36 }} fw={800} data-testid="total-balance" />
            </Stack>
            <SavedInGoals />
          </Group>
          <QuickActions
            onExpense={() => actions.openEntry('expense')}
            onIncome={() => actions.openEntry('income')}
            onTransfer={() => actions.openTransfer()}
          />
        </Stack>
      </Card>

      <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="lg">
        <UpcomingBillsCard />
        <BudgetSummaryCard />
        <GoalsSummaryCard />
      </SimpleGrid>

      <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="dashboard-accounts">
        <Group justify="space-between" px="md" py="sm">
          <Title order={2} fz="lg" id="dashboard-accounts">
            {t('dashboard.accountsTitle')}
          </Title>
          <Anchor component={Link} to={ACCOUNTS_PATH} size="sm" style={{ whiteSpace: 'nowrap' }}>
            {t('dashboard.seeAllFeminine')}
          </Anchor>
        </Group>
        {active.map((account) => (
          <Fragment key={account.id}>
            <Divider />
            <AccountRow account={account} />
          </Fragment>
        ))}
      </Card>

      <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="dashboard-latest">
        <Group justify="space-between" px="md" py="sm" wrap="nowrap">
          <Title order={2} fz="lg" id="dashboard-latest">
            {t('dashboard.latestTitle')}
          </Title>
          <Anchor component={Link} to={TRANSACTIONS_PATH} size="sm" style={{ whiteSpace: 'nowrap' }}>
            {t('dashboard.seeAll')}
          </Anchor>
        </Group>
        <Divider />
        {latest.isError ? <ProblemAlert error={latest.error} context="load" /> : null}
        {latest.isPending ? (
          <Center p="lg">
            <Loader size="sm" aria-label={t('app.loading')} />
          </Center>
        ) : null}
        {latest.data && latest.data.items.length === 0 ? (
          <Text c="dimmed" ta="center" p="lg">
            {t('dashboard.noTransactions')}
          </Text>
        ) : null}
        {latest.data && latest.data.items.length > 0 ? (
          <TransactionList
            transactions={latest.data.items}
            accounts={accounts}
            categories={categories}
            onOpen={(transaction) => setOpenId(transaction.id)}
          />
        ) : null}
      </Card>
      <LazyDashboardCharts />
      <LazyTransactionDialog transactionId={openId} onClose={() => setOpenId(null)} />
    </>
  );
}
