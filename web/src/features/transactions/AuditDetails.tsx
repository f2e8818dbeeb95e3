import { Anchor, Button, Code, Collapse, Loader, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Transaction, TransactionAudit } from '../../api/ledger';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTimestamp, isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrl } from '../../lib/money';
import { useAccounts, useTransactionAudit } from '../ledger/queries';

type Linked = NonNullable<TransactionAudit['chain']['corrected_by']>;
type Side = Pick<Linked, 'amount_cents' | 'occurred_on' | 'account_id'>;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0} style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </Stack>
  );
}

/** The day in São Paulo an instant fell on, as "01/12/2026". */
function dayOf(timestamp: string): string {
  return isoToDisplay(todayIso(new Date(timestamp)));
}

/**
 * One side of a correction in a few words: its amount, and its date or account when the
 * correction changed them ("R$ 50,00" → "R$ 45,00 (11/11/2026)").
 */
function sideText(side: Side, other: Side, accountsById: ReadonlyMap<string, Account>): string {
  const parts = [formatBrl(side.amount_cents)];
  if (side.occurred_on !== other.occurred_on) parts.push(`(${isoToDisplay(side.occurred_on)})`);
  if (side.account_id !== other.account_id) parts.push(`· ${accountsById.get(side.account_id)?.name ?? '—'}`);
  return parts.join(' ');
}

/** The chain in plain words, each sentence a link to the transaction it names. */
function Chain({
  transaction,
  chain,
  onOpen,
}: {
  transaction: Transaction;
  chain: TransactionAudit['chain'];
  onOpen: (id: string) => void;
}) {
  const { t } = useTranslation();
  const accountsById = new Map((useAccounts().data ?? []).map((account) => [account.id, account]));
  const link = (target: Linked, text: string) => (
    <Anchor component="button" type="button" size="sm" ta="left" mih={44} onClick={() => onOpen(target.id)}>
      {text}
    </Anchor>
  );
  const lines: ReactNode[] = [];
  if (chain.corrected_by) {
    const next = chain.corrected_by;
    const from = sideText(transaction, next, accountsById);
    const to = sideText(next, transaction, accountsById);
    lines.push(link(next, t('transactions.audit.chain.correctedBy', { date: dayOf(next.created_at), from, to })));
  } else if (chain.reversed_by) {
    const reversal = chain.reversed_by;
    const amount = formatBrl(reversal.amount_cents);
    lines.push(link(reversal, t('transactions.audit.chain.reversedBy', { date: dayOf(reversal.created_at), amount })));
  }
  if (chain.corrects) {
    const previous = chain.corrects;
    const from = sideText(previous, transaction, accountsById);
    const to = sideText(transaction, previous, accountsById);
    lines.push(link(previous, t('transactions.audit.chain.corrects', { date: dayOf(previous.created_at), from, to })));
  }
  if (chain.reverses) {
    const original = chain.reverses;
    const text = t('transactions.audit.chain.reverses', {
      description: original.description,
      amount: formatBrl(original.amount_cents),
      date: isoToDisplay(original.occurred_on),
    });
    lines.push(link(original, text));
  }
  if (lines.length === 0) return null;
  return (
    <Stack gap={0} data-testid="audit-chain">
      {lines.map((line, index) => (
        // The sentences are fixed in number and order for one transaction.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above.
        <div key={index}>{line}</div>
      ))}
    </Stack>
  );
}

/** Policy version, request id, idempotency key and ids: for whoever investigates, folded away. */
function TechnicalDetails({ data }: { data: TransactionAudit }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <Stack gap={4}>
      <Button variant="subtle" size="sm" mih={44} px="xs" onClick={() => setOpen((value) => !value)} aria-expanded={open}>
        {t('transactions.audit.technical')}
      </Button>
      <Collapse expanded={open}>
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <Field label={t('transactions.audit.policy')}>
            <Code>{data.policy_version}</Code>
          </Field>
          <Field label={t('transactions.audit.transactionId')}>
            <Code>{data.transaction_id}</Code>
          </Field>
          <Field label={t('transactions.audit.requestId')}>{data.request_id ? <Code>{data.request_id}</Code> : '—'}</Field>
          <Field label={t('transactions.audit.idempotencyKey')}>
            {data.idempotency_key ? <Code>{data.idempotency_key}</Code> : '—'}
          </Field>
        </SimpleGrid>
      </Collapse>
    </Stack>
  );
}

/**
 * Who recorded a transaction and when, its chain of corrections and reversals in plain
 * words, every leg it posted, and the technical details behind a fold.
 */
export function AuditDetails({
  transaction,
  enabled,
  onOpen,
}: {
  transaction: Transaction;
  enabled: boolean;
  onOpen: (id: string) => void;
}) {
  const { t } = useTranslation();
  const audit = useTransactionAudit(transaction.id, enabled);
  const accountsById = new Map((useAccounts().data ?? []).map((account) => [account.id, account]));
  // The other side of the double entry: the person's internal income, expense or opening account.
  const internalAccountName = (type: string) =>
    type === 'income' || type === 'expense' || type === 'equity' ? t(`transactions.audit.internal.${type}`) : type;
  if (!enabled) return null;
  if (audit.isError) return <ProblemAlert error={audit.error} context="load" />;
  if (!audit.data) return <Loader size="sm" aria-label={t('app.loading')} />;

  const data = audit.data;
  return (
    <Stack gap="sm" pt="xs">
      <Field label={t('transactions.audit.createdAt')}>{formatTimestamp(data.created_at)}</Field>
      <Chain transaction={transaction} chain={data.chain} onOpen={onOpen} />
      <Text size="xs" c="dimmed">
        {t('transactions.audit.entries')}
      </Text>
      <Table.ScrollContainer minWidth={300}>
        <Table fz="sm" withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('transactions.audit.account')}</Table.Th>
              <Table.Th ta="right">{t('transactions.audit.amount')}</Table.Th>
              <Table.Th ta="right">{t('transactions.audit.balanceAfter')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.entries.map((entry) => (
              <Table.Tr key={entry.id}>
                <Table.Td>{accountsById.get(entry.account_id)?.name ?? internalAccountName(entry.account_type)}</Table.Td>
                <Table.Td ta="right">
                  <Money cents={entry.amount_cents} signed size="sm" />
                </Table.Td>
                <Table.Td ta="right">
                  <Money cents={entry.balance_after_cents} size="sm" />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <TechnicalDetails data={data} />
    </Stack>
  );
}
