import {
  Anchor,
  Badge,
  Card,
  Center,
  Group,
  Loader,
  Pagination,
  Paper,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import type { StatementLine } from '../../api/ledger';
import { ACCOUNTS_PATH } from '../../app/paths';
import { ChevronLeftIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QuickActions } from '../../components/QuickActions';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { isoToDisplay } from '../../lib/dates';
import { cardPath } from '../cards/paths';
import { useLedgerActions } from '../ledger/LedgerActions';
import { useLedgerLabels } from '../ledger/labels';
import { useAccount, useAccountStatement } from '../ledger/queries';
import { LazyTransactionDialog } from '../transactions/LazyTransactionDialog';
import { ShowReversedToggle } from '../transactions/ShowReversedToggle';
import { useTransactionDescription } from '../transactions/TransactionList';

const STATEMENT_PAGE_SIZE = 20;

/** One account: its balance and its statement, newest first, with the balance after each movement. */
export function AccountStatementPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const labels = useLedgerLabels();
  const actions = useLedgerActions();
  const account = useAccount(id);
  const phone = usePhoneLayout();
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState<string | null>(null);
  // ?estornados=1, as on the transactions page: deleted and corrected movements and their reversals too.
  const [params, setParams] = useSearchParams();
  const showReversed = params.get('estornados') === '1';
  const setShowReversed = (on: boolean) => {
    setPage(1);
    setParams(on ? { estornados: '1' } : {}, { replace: true });
  };
  const statement = useAccountStatement(id, { skip: (page - 1) * STATEMENT_PAGE_SIZE, limit: STATEMENT_PAGE_SIZE }, showReversed);
  usePageTitle(account.data ? `${t('accounts.statementPage.title')}: ${account.data.name}` : t('accounts.statementPage.title'));

  if (account.isError) return <ProblemAlert error={account.error} context="load" />;
  if (!account.data) {
    return (
      <Center py="xl">
        <Loader aria-label={t('app.loading')} />
      </Center>
    );
  }
  const data = account.data;
  const pages = Math.max(1, Math.ceil((statement.data?.total ?? 0) / STATEMENT_PAGE_SIZE));

  return (
    <Stack gap="lg" maw={960} mx="auto">
      <Anchor component={Link} to={ACCOUNTS_PATH} size="sm" style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
        <ChevronLeftIcon size={16} /> {t('accounts.statementPage.back')}
      </Anchor>
      <Card withBorder radius="lg" padding="lg">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Title order={1} fz={{ base: 24, sm: 28 }} style={{ overflowWrap: 'anywhere' }}>
              {data.name}
            </Title>
            <Group gap={6}>
              <Text c="dimmed" size="sm">
                {labels.accountType(data.type)}
              </Text>
              {data.type === 'credit_card' ? (
                <Anchor component={Link} to={cardPath(data.id)} size="sm">
                  {t('cards.open')}
                </Anchor>
              ) : null}
              {data.archived ? (
                <Badge size="sm" variant="light" color="gray">
                  {t('accounts.archivedBadge')}
                </Badge>
              ) : null}
            </Group>
          </Stack>
          <Stack gap={0} align={phone ? 'flex-start' : 'flex-end'}>
            <Text size="xs" c="dimmed">
              {t('accounts.statementPage.balance')}
            </Text>
            <Money
              cents={data.balance_cents}
              fz={28}
              fw={800}
              c={data.balance_cents < 0 ? 'var(--app-amount-negative)' : undefined}
              data-testid="account-balance"
            />
          </Stack>
        </Group>
        {data.archived ? null : (
          <Stack mt="md">
            <QuickActions
              onExpense={() => actions.openEntry('expense', { accountId: data.id })}
              onIncome={() => actions.openEntry('income', { accountId: data.id })}
              onTransfer={() => actions.openTransfer({ fromAccountId: data.id })}
            />
          </Stack>
        )}
      </Card>

      <Group justify="flex-end">
        <ShowReversedToggle value={showReversed} onChange={setShowReversed} />
      </Group>
      {statement.isError ? <ProblemAlert error={statement.error} context="load" /> : null}
      {statement.data && statement.data.items.length === 0 ? (
        <Text c="dimmed" ta="center" py="lg">
          {t('accounts.statementPage.empty')}
        </Text>
      ) : null}
      {statement.data && statement.data.items.length > 0 ? (
        <Card withBorder radius="lg" padding={0} style={{ overflow: 'hidden' }}>
          <StatementLines lines={statement.data.items} onOpen={setOpenId} />
        </Card>
      ) : null}
      {pages > 1 ? (
        <Center>
          <Pagination
            total={pages}
            value={page}
            onChange={setPage}
            siblings={0}
            boundaries={1}
            getControlProps={(control) => ({ 'aria-label': t(`pagination.${control}`) })}
            getItemProps={(item) => ({ 'aria-label': t('pagination.page', { page: item }) })}
          />
        </Center>
      ) : null}
      <LazyTransactionDialog transactionId={openId} onClose={() => setOpenId(null)} />
    </Stack>
  );
}

function StatementLines({ lines, onOpen }: { lines: StatementLine[]; onOpen: (transactionId: string) => void }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const phone = usePhoneLayout();
  const describeTransaction = useTransactionDescription();
  // A deleted or corrected movement is struck through and marked; a reversal says what it reversed.
  const undone = (line: StatementLine) => line.reversed_by_transaction_id !== null;
  const kindBadge = (line: StatementLine) => {
    const plain = line.kind === 'income' || line.kind === 'expense' || line.kind === 'reversal';
    const kind = plain || labels.kind(line.kind) === line.description ? null : labels.kind(line.kind);
    const mark = line.corrected_by_transaction_id
      ? t('transactions.correctedBadge')
      : undone(line)
        ? t('transactions.reversedBadge')
        : null;
    const installments =
      line.installment_count !== null && line.installment_count > 1
        ? t('cards.installmentsBadge', { count: line.installment_count })
        : null;
    return [kind, installments, mark]
      .filter((text): text is string => text !== null)
      .map((text) => (
        <Badge
          key={text}
          component="span"
          size="xs"
          variant="light"
          color={mark === text ? 'gray' : undefined}
          style={{ flexShrink: 0 }}
        >
          {text}
        </Badge>
      ));
  };

  if (phone) {
    return (
      <Stack gap={0}>
        {lines.map((line) => (
          <Paper key={line.id} radius={0} p={0} style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
            <UnstyledButton onClick={() => onOpen(line.transaction_id)} p="sm" w="100%" data-statement-line="">
              <Group component="span" justify="space-between" wrap="nowrap" gap="sm">
                <Text
                  component="span"
                  fw={600}
                  size="sm"
                  truncate="end"
                  style={{ minWidth: 0, flex: 1 }}
                  td={undone(line) ? 'line-through' : undefined}
                >
                  {describeTransaction(line)}
                </Text>
                <Money cents={line.amount_cents} signed colored fw={600} size="sm" />
              </Group>
              <Group component="span" justify="space-between" wrap="wrap" gap={4} mt={2}>
                <Group component="span" gap={6} wrap="nowrap">
                  <Text component="span" size="xs" c="dimmed" style={{ fontVariantNumeric: 'tabular-nums' }}>
                    {isoToDisplay(line.occurred_on)}
                  </Text>
                  {kindBadge(line)}
                </Group>
                <Text component="span" size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  {t('accounts.statementPage.balanceAfter')} <Money cents={line.balance_after_cents} size="xs" />
                </Text>
              </Group>
            </UnstyledButton>
          </Paper>
        ))}
      </Stack>
    );
  }

  return (
    <Table verticalSpacing="sm" highlightOnHover>
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={110}>{t('transactions.columns.date')}</Table.Th>
          <Table.Th>{t('transactions.columns.description')}</Table.Th>
          <Table.Th ta="right">{t('transactions.columns.amount')}</Table.Th>
          <Table.Th ta="right">{t('accounts.statementPage.balanceAfter')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {lines.map((line) => (
          <Table.Tr key={line.id} data-statement-line="">
            <Table.Td style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
              {isoToDisplay(line.occurred_on)}
            </Table.Td>
            <Table.Td>
              <Group gap={6} wrap="nowrap">
                <Anchor
                  component="button"
                  type="button"
                  onClick={() => onOpen(line.transaction_id)}
                  fw={600}
                  c="bright"
                  ta="left"
                  td={undone(line) ? 'line-through' : undefined}
                >
                  {describeTransaction(line)}
                </Anchor>
                {kindBadge(line)}
              </Group>
            </Table.Td>
            <Table.Td ta="right">
              <Money cents={line.amount_cents} signed colored fw={600} />
            </Table.Td>
            <Table.Td ta="right">
              <Money cents={line.balance_after_cents} c="dimmed" />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
