import { Button, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { type Account, type Category, createTransaction, DESCRIPTION_LENGTH_MAX, type EntryType } from '../../api/ledger';
import { CategoryPicker } from '../../components/CategoryPicker';
import { DateField } from '../../components/DateField';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrl } from '../../lib/money';
import { FROZEN_FIELDSET_STYLE, OverspendQuestion, useOverspendConfirm } from '../accounts/useOverspendConfirm';
import { INSTALLMENTS_MAX } from '../cards/api';
import {
  INSTALLMENTS_OFFERED_MAX,
  INSTALLMENTS_OFFERED_MIN,
  offeredInstallmentCounts,
  previewInstallments,
} from '../cards/bills';
import { useLedgerLabels } from '../ledger/labels';
import { activeAccounts, invalidateMoney, useAccounts, useCategories } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';

interface EntryValues {
  amount: string;
  description: string;
  categoryId: string | null;
  accountId: string | null;
  date: string;
  /** A card purchase: à vista or parcelado in `installments` (2..48). */
  payment: 'cash' | 'installments';
  installments: string;
}

const FIELDS_BY_API_NAME = {
  amount_cents: 'amount',
  description: 'description',
  category_id: 'categoryId',
  account_id: 'accountId',
  occurred_on: 'date',
  installments: 'installments',
} as const;

/** The installments to send: only for a card purchase the person chose to split. */
function installmentsOf(values: EntryValues, options: { type: EntryType; accounts: readonly Account[] }): number | null {
  const account = options.accounts.find((item) => item.id === values.accountId);
  if (options.type !== 'expense' || account?.type !== 'credit_card' || values.payment !== 'installments') return null;
  return Number(values.installments);
}

interface TransactionFormProps {
  type: EntryType;
  onTypeChange: (type: EntryType) => void;
  /** Preselected account (from an account's page); else the first active one. */
  accountId?: string;
  onDone: () => void;
}

type EntryForm = UseFormReturnType<EntryValues>;

/** The form's values and rules; preselects the first account once the accounts arrive. */
function useEntryForm(accountId: string | undefined) {
  const accounts = activeAccounts(useAccounts().data);
  const form = useForm<EntryValues>({
    initialValues: {
      amount: '',
      description: '',
      categoryId: null,
      accountId: accountId ?? accounts[0]?.id ?? null,
      date: isoToDisplay(todayIso()),
      payment: 'cash',
      installments: String(INSTALLMENTS_OFFERED_MIN),
    },
    validate: {
      amount: (value) => validateAmount(value),
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: false }),
      accountId: validateChoice,
      date: validateDate,
    },
  });

  // Once the accounts arrive (the form may open before they load), preselect the first.
  const firstAccountId = accounts[0]?.id;
  const noAccountChosen = form.values.accountId === null;
  useEffect(() => {
    if (noAccountChosen && firstAccountId) form.setFieldValue('accountId', firstAccountId);
  }, [noAccountChosen, firstAccountId, form.setFieldValue]);
  return { form, accounts };
}

interface SubmitEntryOptions {
  type: EntryType;
  categories: readonly Category[];
  accounts: readonly Account[];
  onDone: () => void;
}

/**
 * Posts the entry with the opening's Idempotency-Key and says so when it is recorded. An
 * expense that would take the account below its floor is asked about first (ledger_v2).
 */
function useSubmitEntry(form: EntryForm, { type, categories, accounts, onDone }: SubmitEntryOptions) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const queryClient = useQueryClient();
  const mutation = useIdempotentMutation({
    mutationFn: createTransaction,
    onSuccess: () => invalidateMoney(queryClient),
  });
  const overspend = useOverspendConfirm(mutation);

  const submit = form.onSubmit((values) => {
    const category = categories.find((item) => item.id === values.categoryId);
    const date = displayToIso(values.date);
    const cents = amountCents(values.amount);
    const installments = installmentsOf(values, { type, accounts });
    overspend.submit(
      {
        account_id: values.accountId ?? '',
        type,
        amount_cents: cents,
        // A quick entry may skip the description: the category (or the type) names it.
        description: values.description.trim() || (category ? labels.category(category) : labels.kind(type)),
        category_id: values.categoryId,
        ...(date.ok ? { occurred_on: date.iso } : {}),
        ...(installments !== null ? { installments } : {}),
      },
      { account: accounts.find((account) => account.id === values.accountId), expense: type === 'expense' },
      {
        onSuccess: () => {
          const key = type === 'expense' ? 'transactions.form.expenseDone' : 'transactions.form.incomeDone';
          notifications.show({ color: 'brand', message: t(key, { amount: formatBrl(cents) }) });
          onDone();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });
  return { mutation, submit, overspend };
}

interface EntryFieldsProps {
  form: EntryForm;
  categoryOptions: { value: string; label: string }[];
  accounts: readonly Account[];
}

function EntryFields({ form, categoryOptions, accounts, type }: EntryFieldsProps & { type: EntryType }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const chosen = accounts.find((account) => account.id === form.values.accountId);
  return (
    <>
      <MoneyInput
        {...form.getInputProps('amount')}
        error={errorText(form.errors.amount)}
        label={t('transactions.form.amount')}
        data-autofocus
        required
        withAsterisk={false}
      />
      <TextInput
        {...form.getInputProps('description')}
        error={errorText(form.errors.description)}
        label={t('transactions.form.description')}
        placeholder={t('transactions.form.descriptionPlaceholder')}
        description={t('transactions.form.descriptionHint')}
        maxLength={DESCRIPTION_LENGTH_MAX}
      />
      <CategoryPicker
        {...form.getInputProps('categoryId')}
        error={errorText(form.errors.categoryId)}
        label={t('transactions.form.category')}
        placeholder={t('categories.none')}
        options={categoryOptions}
        clearable
      />
      <Select
        {...form.getInputProps('accountId')}
        error={errorText(form.errors.accountId)}
        label={t('transactions.form.account')}
        data={accounts.map((account) => ({ value: account.id, label: account.name }))}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
      />
      <DateField
        {...form.getInputProps('date')}
        onChange={(value) => form.setFieldValue('date', value)}
        error={errorText(form.errors.date)}
        label={t('transactions.form.date')}
        required
        withAsterisk={false}
      />
      {type === 'expense' && chosen?.type === 'credit_card' ? <InstallmentFields form={form} /> : null}
    </>
  );
}

/** "À vista / parcelado em N×" for a card purchase, with what each installment will be. */
function InstallmentFields({ form }: { form: EntryForm }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const count = Number(form.values.installments);
  const preview = previewInstallments(amountCents(form.values.amount), count);
  const option = (value: number) => ({ value: String(value), label: t('cards.purchase.countOption', { count: value }) });
  const usual = offeredInstallmentCounts();
  const longer = Array.from(
    { length: INSTALLMENTS_MAX - INSTALLMENTS_OFFERED_MAX },
    (_, index) => INSTALLMENTS_OFFERED_MAX + 1 + index,
  );
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label={t('cards.purchase.payment')}
        fullWidth
        value={form.values.payment}
        onChange={(value) => form.setFieldValue('payment', value === 'installments' ? 'installments' : 'cash')}
        data={[
          { value: 'cash', label: t('cards.purchase.cash') },
          { value: 'installments', label: t('cards.purchase.installments') },
        ]}
      />
      {form.values.payment === 'installments' ? (
        <>
          <Select
            {...form.getInputProps('installments')}
            error={errorText(form.errors.installments)}
            label={t('cards.purchase.count')}
            data={[
              { group: '2× – 24×', items: usual.map(option) },
              { group: `25× – ${INSTALLMENTS_MAX}×`, items: longer.map(option) },
            ]}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
          />
          {preview ? (
            <Text size="sm" fw={600} data-testid="installment-preview">
              {preview.firstCents === preview.restCents
                ? t('cards.purchase.preview', { count: preview.count, amount: formatBrl(preview.restCents) })
                : t('cards.purchase.previewFirst', {
                    first: formatBrl(preview.firstCents),
                    rest: preview.count - 1,
                    amount: formatBrl(preview.restCents),
                  })}
            </Text>
          ) : null}
          <Text size="xs" c="dimmed">
            {t('cards.purchase.previewHint')}
          </Text>
        </>
      ) : null}
    </Stack>
  );
}

/** Records an income or an expense. Mounted fresh each time it opens (one Idempotency-Key per opening). */
export function TransactionForm({ type, onTypeChange, accountId, onDone }: TransactionFormProps) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const categories = useCategories().data ?? [];
  const { form, accounts } = useEntryForm(accountId);
  const { mutation, submit, overspend } = useSubmitEntry(form, { type, categories, accounts, onDone });

  const categoryOptions = categories
    .filter((category) => category.kind === type && !category.archived)
    .map((category) => ({ value: category.id, label: labels.category(category) }));

  const changeType = (next: string) => {
    if (next !== 'income' && next !== 'expense') return;
    onTypeChange(next);
    // A category belongs to one kind; keep the choice only if it still fits.
    const chosen = categories.find((category) => category.id === form.values.categoryId);
    if (chosen && chosen.kind !== next) form.setFieldValue('categoryId', null);
  };

  if (accounts.length === 0) {
    return <Text c="dimmed">{t('transactions.form.noAccounts')}</Text>;
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {/* While the person is asked whether to go negative, the figures asked about stay as they are. */}
        <fieldset disabled={overspend.overspend !== null} style={FROZEN_FIELDSET_STYLE}>
          <Stack gap="md">
            <SegmentedControl
              aria-label={t('transactions.form.type')}
              fullWidth
              value={type}
              onChange={changeType}
              color={type === 'expense' ? 'red' : 'teal'}
              data={[
                { value: 'expense', label: t('transactionKinds.expense') },
                { value: 'income', label: t('transactionKinds.income') },
              ]}
            />
            <EntryFields form={form} categoryOptions={categoryOptions} accounts={accounts} type={type} />
          </Stack>
        </fieldset>
        <ProblemAlert error={mutation.error} />
        {overspend.overspend ? (
          <OverspendQuestion
            overspend={overspend.overspend}
            pending={mutation.isPending}
            onConfirm={overspend.confirm}
            onCancel={overspend.cancel}
          />
        ) : (
          <Button type="submit" fullWidth loading={mutation.isPending}>
            {t('transactions.form.submit')}
          </Button>
        )}
      </Stack>
    </form>
  );
}
