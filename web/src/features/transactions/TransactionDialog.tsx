import { Badge, Button, Collapse, Group, Loader, Modal, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DESCRIPTION_LENGTH_MAX,
  getTransaction,
  NOTES_LENGTH_MAX,
  patchTransaction,
  reverseTransaction,
  type Transaction,
} from '../../api/ledger';
import { problemRecord } from '../../api/problem';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { isoToDisplay } from '../../lib/dates';
import { formatBrl } from '../../lib/money';
import { useLedgerLabels } from '../ledger/labels';
import { invalidateMoney, LEDGER_KEYS, useAccounts, useCategories, useTransaction } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { useFormErrorText, validateText } from '../ledger/validation';
import { AuditDetails } from './AuditDetails';
import { accountsLabel, movementOf } from './movement';

interface EditValues {
  description: string;
  categoryId: string | null;
  notes: string;
}

const FIELDS_BY_API_NAME = { description: 'description', category_id: 'categoryId', notes: 'notes' } as const;

function valuesOf(transaction: Transaction): EditValues {
  return { description: transaction.description, categoryId: transaction.category_id, notes: transaction.notes ?? '' };
}

/** A `current` member of a conflict answer that looks like this transaction. */
function currentTransaction(error: unknown, id: string): Transaction | undefined {
  const current = problemRecord(error, 'current');
  if (!current || current.id !== id || typeof current.row_version !== 'number') return undefined;
  return current as unknown as Transaction;
}

function oneTransactionKey(id: string) {
  return [...LEDGER_KEYS.transactions, 'one', id];
}

function canReverse(transaction: Transaction): boolean {
  return transaction.kind !== 'reversal' && transaction.reversed_by_transaction_id === null;
}

/**
 * One transaction: what it did (fixed), what can be edited (description, category,
 * notes, with the row_version it was read at), its audit trail, and reversing it.
 */
export function TransactionDialog({ transactionId, onClose }: { transactionId: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const [confirming, setConfirming] = useState(false);
  const transaction = useTransaction(transactionId);
  const close = () => {
    setConfirming(false);
    onClose();
  };

  return (
    <Modal.Stack>
      <Modal
        stackId="transaction"
        opened={transactionId !== null}
        onClose={close}
        title={t('transactions.edit.title')}
        fullScreen={phone}
        size="lg"
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {transaction.data && transaction.data.id === transactionId ? (
          <TransactionDetails key={transaction.data.id} transaction={transaction.data} onReverse={() => setConfirming(true)} />
        ) : transaction.isError ? (
          <ProblemAlert error={transaction.error} context="load" />
        ) : (
          <Loader size="sm" aria-label={t('app.loading')} />
        )}
      </Modal>
      <Modal
        stackId="reverse"
        opened={confirming && transaction.data !== undefined}
        onClose={() => setConfirming(false)}
        title={t('transactions.reverse.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {confirming && transaction.data ? (
          <ReverseConfirm transaction={transaction.data} onCancel={() => setConfirming(false)} onDone={close} />
        ) : null}
      </Modal>
    </Modal.Stack>
  );
}

function TransactionDetails({ transaction, onReverse }: { transaction: Transaction; onReverse: () => void }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const accounts = useAccounts().data ?? [];
  const movement = movementOf(transaction);
  const [auditOpen, setAuditOpen] = useState(false);

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap={6}>
            <Badge variant="light">{labels.kind(transaction.kind)}</Badge>
            {transaction.reversed_by_transaction_id ? (
              <Badge variant="light" color="gray">
                {t('transactions.reversedBadge')}
              </Badge>
            ) : null}
          </Group>
          <Text size="sm" c="dimmed">
            {isoToDisplay(transaction.occurred_on)} · {accountsLabel(transaction, new Map(accounts.map((a) => [a.id, a])))}
          </Text>
        </Stack>
        {movement.internal ? (
          <Money cents={movement.cents} fz="xl" fw={700} />
        ) : (
          <Money cents={movement.cents} signed colored fz="xl" fw={700} />
        )}
      </Group>
      {transaction.reversed_by_transaction_id ? (
        <Text size="sm" c="dimmed">
          {t('transactions.edit.reversedBy')}
        </Text>
      ) : null}
      {transaction.reverses_transaction_id ? (
        <Text size="sm" c="dimmed">
          {t('transactions.edit.reverses')}
        </Text>
      ) : null}

      <EditTransactionForm transaction={transaction} />

      <Text size="xs" c="dimmed">
        {t('transactions.edit.moneyIsFixed')}
      </Text>
      <Group justify="space-between">
        <Button variant="subtle" size="sm" onClick={() => setAuditOpen((open) => !open)} aria-expanded={auditOpen}>
          {auditOpen ? t('transactions.audit.hide') : t('transactions.audit.show')}
        </Button>
        {canReverse(transaction) ? (
          <Button variant="light" color="red" size="sm" onClick={onReverse}>
            {t('transactions.reverse.button')}
          </Button>
        ) : null}
      </Group>
      <Collapse expanded={auditOpen}>
        <AuditDetails transactionId={transaction.id} enabled={auditOpen} />
      </Collapse>
    </Stack>
  );
}

/**
 * The edit form, its save and the conflict reload. The version the form was filled from
 * rides along: a save with an older one than the server's gets 409 with the current row.
 */
function useEditTransaction(transaction: Transaction, categorized: boolean) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [rowVersion, setRowVersion] = useState(transaction.row_version);
  const form = useForm<EditValues>({
    initialValues: valuesOf(transaction),
    validate: {
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: true }),
      notes: (value) => validateText(value, { lengthMax: NOTES_LENGTH_MAX, required: false }),
    },
  });

  const mutation = useMutation({
    mutationFn: (values: EditValues) =>
      patchTransaction(transaction.id, {
        description: values.description.trim(),
        ...(categorized ? { category_id: values.categoryId } : {}),
        notes: values.notes.trim() === '' ? null : values.notes.trim(),
        row_version: rowVersion,
      }),
    onSuccess: (saved) => {
      queryClient.setQueryData(oneTransactionKey(saved.id), saved);
      setRowVersion(saved.row_version);
      form.resetDirty(valuesOf(saved));
      notifications.show({ color: 'brand', message: t('transactions.edit.done') });
      void invalidateMoney(queryClient);
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
  });

  const reloadCurrent = async () => {
    // The conflict answer carries the server's current version; if it somehow does not, ask.
    const current =
      currentTransaction(mutation.error, transaction.id) ?? (await getTransaction(transaction.id).catch(() => undefined));
    if (!current) return;
    queryClient.setQueryData(oneTransactionKey(current.id), current);
    form.setValues(valuesOf(current));
    form.resetDirty(valuesOf(current));
    setRowVersion(current.row_version);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
    void invalidateMoney(queryClient);
  };
  return { form, mutation, reloadCurrent };
}

function EditTransactionForm({ transaction }: { transaction: Transaction }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const categories = useCategories().data ?? [];
  const categorized = transaction.kind === 'income' || transaction.kind === 'expense';
  const { form, mutation, reloadCurrent } = useEditTransaction(transaction, categorized);
  const categoryOptions = categories
    .filter((category) => category.kind === transaction.kind && (!category.archived || category.id === form.values.categoryId))
    .map((category) => ({ value: category.id, label: labels.category(category) }));

  return (
    <form onSubmit={form.onSubmit((values) => mutation.mutate(values))} noValidate>
      <Stack gap="sm">
        <TextInput
          {...form.getInputProps('description')}
          error={errorText(form.errors.description)}
          label={t('transactions.form.description')}
          maxLength={DESCRIPTION_LENGTH_MAX}
          required
          withAsterisk={false}
        />
        {categorized ? (
          <Select
            {...form.getInputProps('categoryId')}
            error={errorText(form.errors.categoryId)}
            label={t('transactions.form.category')}
            placeholder={t('categories.none')}
            data={categoryOptions}
            clearable
            comboboxProps={{ withinPortal: true }}
          />
        ) : null}
        <Textarea
          {...form.getInputProps('notes')}
          error={errorText(form.errors.notes)}
          label={t('transactions.form.notes')}
          autosize
          minRows={2}
          maxRows={6}
          maxLength={NOTES_LENGTH_MAX}
        />
        <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
        <Group justify="flex-end">
          <Button type="submit" loading={mutation.isPending} disabled={!form.isDirty()}>
            {t('forms.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ReverseConfirm({
  transaction,
  onCancel,
  onDone,
}: {
  transaction: Transaction;
  onCancel: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useIdempotentMutation({
    mutationFn: (_: undefined, key: string) => reverseTransaction(transaction.id, key),
    onSuccess: () => invalidateMoney(queryClient),
  });

  const confirm = () =>
    mutation.submit(undefined, {
      onSuccess: () => {
        notifications.show({ color: 'brand', message: t('transactions.reverse.done') });
        onDone();
      },
    });

  return (
    <Stack gap="md">
      <Text size="sm">{t('transactions.reverse.text', { amount: formatBrl(transaction.amount_cents) })}</Text>
      <ProblemAlert error={mutation.error} />
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onCancel} disabled={mutation.isPending}>
          {t('forms.cancel')}
        </Button>
        <Button color="red" onClick={confirm} loading={mutation.isPending} data-autofocus>
          {t('transactions.reverse.confirm')}
        </Button>
      </Group>
    </Stack>
  );
}
