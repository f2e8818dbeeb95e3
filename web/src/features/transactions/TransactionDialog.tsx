import { Badge, Button, Collapse, Group, Loader, Modal, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
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
import { CategoryPicker } from '../../components/CategoryPicker';
import { DateField } from '../../components/DateField';
import { Money } from '../../components/Money';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay } from '../../lib/dates';
import { formatBrl, formatBrlInput } from '../../lib/money';
import { FROZEN_FIELDSET_STYLE, OverspendQuestion, useOverspendConfirm } from '../accounts/useOverspendConfirm';
import { CardPurchaseActions, isCardPurchase, isInstallmentPurchase, RefundOfLine } from '../cards/CardPurchaseActions';
import { useLedgerLabels } from '../ledger/labels';
import { invalidateMoney, LEDGER_KEYS, useAccounts, useCategories, useTransaction } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';
import { AuditDetails } from './AuditDetails';
import { accountsLabel, movementOf } from './movement';
import { useTransactionDescription } from './TransactionList';

interface EditValues {
  description: string;
  categoryId: string | null;
  notes: string;
  amount: string;
  date: string;
  accountId: string | null;
}

const FIELDS_BY_API_NAME = {
  description: 'description',
  category_id: 'categoryId',
  notes: 'notes',
  amount_cents: 'amount',
  occurred_on: 'date',
  account_id: 'accountId',
} as const;

function valuesOf(transaction: Transaction): EditValues {
  return {
    description: transaction.description,
    categoryId: transaction.category_id,
    notes: transaction.notes ?? '',
    amount: formatBrlInput(transaction.amount_cents),
    date: isoToDisplay(transaction.occurred_on),
    accountId: transaction.account_id,
  };
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
 * An income or expense still standing takes a new amount, date or account: the server
 * posts that as a correction (a reversal plus a new posting). Anything else keeps its money.
 */
/** A Pix charge's receipt is undone from the charge, not corrected (the charge names it). */
function canCorrect(transaction: Transaction): boolean {
  return (
    (transaction.kind === 'income' || transaction.kind === 'expense') &&
    transaction.reversed_by_transaction_id === null &&
    transaction.pix_charge_id === null &&
    // A purchase in installments is reversed and recorded again, not corrected (its installments sit on bills).
    !isInstallmentPurchase(transaction)
  );
}

/**
 * One transaction: what it did, what can be edited (description, category, notes and, for
 * an income or expense, amount, date and account), its audit trail, and deleting it. A
 * correction or a link in the audit opens the transaction it names in the same dialog.
 */
export function TransactionDialog({ transactionId, onClose }: { transactionId: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const [confirming, setConfirming] = useState(false);
  const [shownId, setShownId] = useState(transactionId);
  useEffect(() => setShownId(transactionId), [transactionId]);
  const transaction = useTransaction(shownId);
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
        {transaction.data && transaction.data.id === shownId ? (
          <TransactionDetails
            key={`${transaction.data.id}:${transaction.data.reversed_by_transaction_id ?? ''}`}
            transaction={transaction.data}
            onReverse={() => setConfirming(true)}
            onOpen={setShownId}
          />
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

function StatusLines({ transaction }: { transaction: Transaction }) {
  const { t } = useTranslation();
  const status = transaction.corrected_by_transaction_id
    ? t('transactions.edit.correctedBy')
    : transaction.reversed_by_transaction_id
      ? t('transactions.edit.reversedBy')
      : transaction.reverses_transaction_id
        ? t('transactions.edit.reverses')
        : null;
  return status ? (
    <Text size="sm" c="dimmed">
      {status}
    </Text>
  ) : null;
}

function TransactionDetails({
  transaction,
  onReverse,
  onOpen,
}: {
  transaction: Transaction;
  onReverse: () => void;
  onOpen: (id: string) => void;
}) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const describeTransaction = useTransactionDescription();
  const accounts = useAccounts().data ?? [];
  const movement = movementOf(transaction);
  const [auditOpen, setAuditOpen] = useState(false);
  const undone = transaction.corrected_by_transaction_id
    ? t('transactions.correctedBadge')
    : transaction.reversed_by_transaction_id
      ? t('transactions.reversedBadge')
      : null;

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap={6}>
            <Badge variant="light">{labels.kind(transaction.kind)}</Badge>
            {isInstallmentPurchase(transaction) ? (
              <Badge variant="light">{t('cards.installmentsBadge', { count: transaction.installment_count })}</Badge>
            ) : null}
            {undone ? (
              <Badge variant="light" color="gray">
                {undone}
              </Badge>
            ) : null}
          </Group>
          {transaction.kind === 'reversal' ? <Text fw={600}>{describeTransaction(transaction)}</Text> : null}
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
      <StatusLines transaction={transaction} />
      <RefundOfLine transaction={transaction} onOpen={onOpen} />
      {isCardPurchase(
        transaction,
        accounts.find((account) => account.id === transaction.account_id),
      ) ? (
        <CardPurchaseActions transaction={transaction} />
      ) : null}

      <EditTransactionForm transaction={transaction} onCorrected={onOpen} />

      <Text size="xs" c="dimmed">
        {canCorrect(transaction) ? t('transactions.edit.correctionHint') : t('transactions.edit.moneyIsFixed')}
      </Text>
      <Group justify="space-between">
        <Button variant="subtle" size="sm" mih={44} onClick={() => setAuditOpen((open) => !open)} aria-expanded={auditOpen}>
          {auditOpen ? t('transactions.audit.hide') : t('transactions.audit.show')}
        </Button>
        {canReverse(transaction) ? (
          <Button variant="light" color="red" size="sm" mih={44} onClick={onReverse}>
            {t('transactions.reverse.button')}
          </Button>
        ) : null}
      </Group>
      <Collapse expanded={auditOpen}>
        <AuditDetails transaction={transaction} enabled={auditOpen} onOpen={onOpen} />
      </Collapse>
    </Stack>
  );
}

/** The PATCH body: the details always, the money fields only where a correction may follow. */
function patchInput(values: EditValues, options: { categorized: boolean; correctable: boolean; rowVersion: number }): PatchBody {
  const date = displayToIso(values.date);
  return {
    description: values.description.trim(),
    ...(options.categorized ? { category_id: values.categoryId } : {}),
    notes: values.notes.trim() === '' ? null : values.notes.trim(),
    ...(options.correctable
      ? {
          amount_cents: amountCents(values.amount),
          ...(date.ok ? { occurred_on: date.iso } : {}),
          ...(values.accountId ? { account_id: values.accountId } : {}),
        }
      : {}),
    row_version: options.rowVersion,
  };
}

type ReverseBody = { allow_negative?: boolean };

type PatchBody = Parameters<typeof patchTransaction>[1] & { amount_cents?: number; allow_negative?: boolean };

/**
 * The edit form, its save and the conflict reload. The version the form was filled from
 * rides along: a save with an older one than the server's gets 409 with the current row.
 * A correction answers with the new posting, which the dialog then shows.
 */
function useEditTransaction(transaction: Transaction, onCorrected: (id: string) => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const categorized = transaction.kind === 'income' || transaction.kind === 'expense';
  const correctable = canCorrect(transaction);
  const [rowVersion, setRowVersion] = useState(transaction.row_version);
  const form = useForm<EditValues>({
    initialValues: valuesOf(transaction),
    validate: {
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: true }),
      notes: (value) => validateText(value, { lengthMax: NOTES_LENGTH_MAX, required: false }),
      amount: (value) => (correctable ? validateAmount(value) : null),
      date: (value) => (correctable ? validateDate(value) : null),
      accountId: (value) => (correctable ? validateChoice(value) : null),
    },
  });
  const mutation = useIdempotentMutation({
    mutationFn: (body: PatchBody, key: string) => patchTransaction(transaction.id, body, key),
    // Not awaited: the refetch re-keys the details (the original now names its reversal) and
    // unmounts this form, and TanStack drops a call's own callbacks once its observer is gone.
    onSuccess: () => {
      void invalidateMoney(queryClient);
    },
  });
  // A correction that takes an account below its floor is asked about from the server's
  // figures (the reversal's money back counts first, so the screen's balance cannot tell).
  const accounts = useAccounts().data ?? [];
  const overspend = useOverspendConfirm(mutation, accounts);
  const save = (values: EditValues) =>
    overspend.submit(
      patchInput(values, { categorized, correctable, rowVersion }),
      { account: accounts.find((account) => account.id === values.accountId), expense: false },
      {
        onSuccess: (saved) => {
          queryClient.setQueryData(oneTransactionKey(saved.id), saved);
          if (saved.id !== transaction.id) {
            notifications.show({ color: 'brand', message: t('transactions.edit.corrected') });
            onCorrected(saved.id);
            return;
          }
          setRowVersion(saved.row_version);
          form.resetDirty(valuesOf(saved));
          notifications.show({ color: 'brand', message: t('transactions.edit.done') });
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );

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
  return { form, mutation, save, reloadCurrent, categorized, correctable, overspend };
}

/** Amount, date and account of an income or expense still standing. */
function MoneyFields({ form, transaction }: { form: UseFormReturnType<EditValues>; transaction: Transaction }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const accounts = (useAccounts().data ?? []).filter((account) => !account.archived || account.id === transaction.account_id);
  return (
    <>
      <MoneyInput
        {...form.getInputProps('amount')}
        error={errorText(form.errors.amount)}
        label={t('transactions.form.amount')}
        required
        withAsterisk={false}
      />
      <DateField
        {...form.getInputProps('date')}
        onChange={(value) => form.setFieldValue('date', value)}
        error={errorText(form.errors.date)}
        label={t('transactions.form.date')}
        required
        withAsterisk={false}
      />
      <Select
        {...form.getInputProps('accountId')}
        error={errorText(form.errors.accountId)}
        label={t('transactions.form.account')}
        data={accounts.map((account) => ({ value: account.id, label: account.name }))}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
      />
    </>
  );
}

function EditTransactionForm({ transaction, onCorrected }: { transaction: Transaction; onCorrected: (id: string) => void }) {
  const { t } = useTranslation();
  const { form, mutation, save, reloadCurrent, categorized, correctable, overspend } = useEditTransaction(
    transaction,
    onCorrected,
  );

  return (
    <form onSubmit={form.onSubmit(save)} noValidate>
      <Stack gap="sm">
        <fieldset disabled={overspend.overspend !== null} style={FROZEN_FIELDSET_STYLE}>
          <Stack gap="sm">
            <EditFields form={form} transaction={transaction} correctable={correctable} categorized={categorized} />
          </Stack>
        </fieldset>
        <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
        {overspend.overspend ? (
          <OverspendQuestion
            overspend={overspend.overspend}
            pending={mutation.isPending}
            onConfirm={overspend.confirm}
            onCancel={overspend.cancel}
          />
        ) : (
          <Group justify="flex-end">
            <Button type="submit" loading={mutation.isPending} disabled={!form.isDirty()}>
              {t('forms.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** The fields of the edit form: money fields only where a correction may follow. */
function EditFields({
  form,
  transaction,
  correctable,
  categorized,
}: {
  form: UseFormReturnType<EditValues>;
  transaction: Transaction;
  correctable: boolean;
  categorized: boolean;
}) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const categories = useCategories().data ?? [];
  const categoryOptions = categories
    .filter((category) => category.kind === transaction.kind && (!category.archived || category.id === form.values.categoryId))
    .map((category) => ({ value: category.id, label: labels.category(category) }));
  return (
    <>
      {correctable ? <MoneyFields form={form} transaction={transaction} /> : null}
      <TextInput
        {...form.getInputProps('description')}
        error={errorText(form.errors.description)}
        label={t('transactions.form.description')}
        maxLength={DESCRIPTION_LENGTH_MAX}
        required
        withAsterisk={false}
      />
      {categorized ? (
        <CategoryPicker
          {...form.getInputProps('categoryId')}
          error={errorText(form.errors.categoryId)}
          label={t('transactions.form.category')}
          placeholder={t('categories.none')}
          options={categoryOptions}
          clearable
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
    </>
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
    mutationFn: (body: ReverseBody, key: string) => reverseTransaction(transaction.id, key, body),
    // Not awaited: the refetch re-keys the details (the original now names its reversal) and
    // unmounts this form, and TanStack drops a call's own callbacks once its observer is gone.
    onSuccess: () => {
      void invalidateMoney(queryClient);
    },
  });
  // Taking back an income whose money was spent is asked about from the server's figures,
  // then sent with allow_negative under a fresh key (ledger_v2).
  const overspend = useOverspendConfirm(mutation, useAccounts().data ?? []);
  const callbacks = {
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('transactions.reverse.done') });
      onDone();
    },
  };
  const confirm = () => overspend.submit({}, { account: undefined, expense: false }, callbacks);

  return (
    <Stack gap="md">
      <Text size="sm">{t('transactions.reverse.text', { amount: formatBrl(transaction.amount_cents) })}</Text>
      <ProblemAlert error={mutation.error} />
      {overspend.overspend ? (
        <OverspendQuestion
          overspend={overspend.overspend}
          pending={mutation.isPending}
          onConfirm={overspend.confirm}
          onCancel={overspend.cancel}
        />
      ) : (
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} disabled={mutation.isPending}>
            {t('forms.cancel')}
          </Button>
          <Button color="red" onClick={confirm} loading={mutation.isPending} data-autofocus data-writes>
            {t('transactions.reverse.confirm')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
