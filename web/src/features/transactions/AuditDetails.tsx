import { Code, Loader, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTimestamp } from '../../lib/dates';
import { useAccounts, useTransactionAudit } from '../ledger/queries';

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

/** Who recorded a transaction, when, under which rule and request, and every leg it posted. */
export function AuditDetails({ transactionId, enabled }: { transactionId: string; enabled: boolean }) {
  const { t } = useTranslation();
  const audit = useTransactionAudit(transactionId, enabled);
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
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
        <Field label={t('transactions.audit.createdAt')}>{formatTimestamp(data.created_at)}</Field>
        <Field label={t('transactions.audit.policy')}>
          <Code>{data.policy_version}</Code>
        </Field>
        <Field label={t('transactions.audit.requestId')}>{data.request_id ? <Code>{data.request_id}</Code> : '—'}</Field>
        <Field label={t('transactions.audit.idempotencyKey')}>
          {data.idempotency_key ? <Code>{data.idempotency_key}</Code> : '—'}
        </Field>
      </SimpleGrid>
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
    </Stack>
  );
}
