import { Anchor, Badge, Box, Group, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Account, Category, Transaction } from '../../api/ledger';
import { Money } from '../../components/Money';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { isoToDisplay } from '../../lib/dates';
import { useLedgerLabels } from '../ledger/labels';
import { accountsLabel, movementOf } from './movement';

interface TransactionListProps {
  transactions: readonly Transaction[];
  accounts: readonly Account[];
  categories: readonly Category[];
  onOpen: (transaction: Transaction) => void;
  /** Amounts as seen from this account (its statement); else from all the person's money. */
  accountId?: string;
}

/** What a row says: a reversal (what "Excluir" records) says what it deleted ("Exclusão de Mercado"). */
export function useTransactionDescription() {
  const { t } = useTranslation();
  return (transaction: { kind: string; description: string }) =>
    transaction.kind === 'reversal'
      ? t('transactions.reversalOf', { description: transaction.description })
      : transaction.description;
}

/** A deleted (reversed) or corrected original: struck through and marked. */
export function isUndone(transaction: Pick<Transaction, 'reversed_by_transaction_id'>): boolean {
  return transaction.reversed_by_transaction_id !== null;
}

function useRowText(accounts: readonly Account[], categories: readonly Category[]) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const describeTransaction = useTransactionDescription();
  const accountsById = new Map(accounts.map((account) => [account.id, account]));
  const categoriesById = new Map(categories.map((category) => [category.id, category]));
  return (transaction: Transaction) => {
    const category = transaction.category_id ? categoriesById.get(transaction.category_id) : undefined;
    const badges: string[] = [];
    // Transfers, opening balances… are marked, unless the description already says so; a
    // reversal's description does ("Exclusão de …").
    const kind = labels.kind(transaction.kind);
    const plain = transaction.kind === 'income' || transaction.kind === 'expense' || transaction.kind === 'reversal';
    if (!plain && kind !== transaction.description) badges.push(kind);
    // A card purchase "parcelada" says in how many installments ("em 10×").
    if (transaction.installment_count !== null && transaction.installment_count > 1) {
      badges.push(t('cards.installmentsBadge', { count: transaction.installment_count }));
    }
    if (transaction.corrected_by_transaction_id) badges.push(t('transactions.correctedBadge'));
    else if (isUndone(transaction)) badges.push(t('transactions.reversedBadge'));
    return {
      description: describeTransaction(transaction),
      date: isoToDisplay(transaction.occurred_on),
      accounts: accountsLabel(transaction, accountsById),
      category: category ? labels.category(category) : null,
      badges,
    };
  };
}

function Amount({ transaction, accountId }: { transaction: Transaction; accountId?: string }) {
  const movement = movementOf(transaction, accountId);
  return movement.internal ? <Money cents={movement.cents} fw={600} /> : <Money cents={movement.cents} signed colored fw={600} />;
}

function Badges({ badges, reversed }: { badges: string[]; reversed: boolean }) {
  return badges.map((badge) => (
    <Badge key={badge} component="span" size="xs" variant="light" color={reversed ? 'gray' : 'brand'} style={{ flexShrink: 0 }}>
      {badge}
    </Badge>
  ));
}

/**
 * Transactions as a table on wider screens and as a list of cards on phones, where four
 * columns cannot fit without cutting amounts.
 */
export function TransactionList({ transactions, accounts, categories, onOpen, accountId }: TransactionListProps) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const rowText = useRowText(accounts, categories);

  if (phone) {
    return (
      <Stack gap={0} data-testid="transaction-cards">
        {transactions.map((transaction) => {
          const text = rowText(transaction);
          const reversed = isUndone(transaction);
          return (
            <Box key={transaction.id} style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
              <UnstyledButton onClick={() => onOpen(transaction)} px="md" py="sm" w="100%" data-transaction-row="">
                <Group component="span" justify="space-between" wrap="nowrap" gap="sm" align="flex-start">
                  <Text
                    component="span"
                    fw={600}
                    size="sm"
                    lineClamp={2}
                    style={{ minWidth: 0, flex: 1, overflowWrap: 'anywhere' }}
                    td={reversed ? 'line-through' : undefined}
                  >
                    {text.description}
                  </Text>
                  <Amount transaction={transaction} accountId={accountId} />
                </Group>
                <Text component="span" size="xs" c="dimmed" mt={4} lineClamp={2}>
                  <span style={{ fontVariantNumeric: 'tabular-nums' }}>{text.date}</span>
                  {` · ${text.accounts}`}
                  {text.category ? ` · ${text.category}` : null}
                </Text>
                {text.badges.length > 0 ? (
                  <Group component="span" gap={4} mt={4}>
                    <Badges badges={text.badges} reversed={reversed} />
                  </Group>
                ) : null}
              </UnstyledButton>
            </Box>
          );
        })}
      </Stack>
    );
  }

  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing="sm" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={110}>{t('transactions.columns.date')}</Table.Th>
            <Table.Th>{t('transactions.columns.description')}</Table.Th>
            <Table.Th>{t('transactions.columns.account')}</Table.Th>
            <Table.Th>{t('transactions.columns.category')}</Table.Th>
            <Table.Th ta="right">{t('transactions.columns.amount')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {transactions.map((transaction) => {
            const text = rowText(transaction);
            const reversed = isUndone(transaction);
            return (
              <Table.Tr key={transaction.id} data-transaction-row="">
                <Table.Td style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>{text.date}</Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Anchor
                      component="button"
                      type="button"
                      onClick={() => onOpen(transaction)}
                      fw={600}
                      c="bright"
                      ta="left"
                      td={reversed ? 'line-through' : undefined}
                    >
                      {text.description}
                    </Anchor>
                    <Badges badges={text.badges} reversed={reversed} />
                  </Group>
                </Table.Td>
                <Table.Td>{text.accounts}</Table.Td>
                <Table.Td c={text.category ? undefined : 'dimmed'}>{text.category ?? '—'}</Table.Td>
                <Table.Td ta="right">
                  <Amount transaction={transaction} accountId={accountId} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
