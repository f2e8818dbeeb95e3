import { Button, Select, Stack, Text, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { createTransfer, DESCRIPTION_LENGTH_MAX } from '../../api/ledger';
import { DateField } from '../../components/DateField';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrl } from '../../lib/money';
import { activeAccounts, invalidateMoney, useAccounts } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';

interface TransferValues {
  fromAccountId: string | null;
  toAccountId: string | null;
  amount: string;
  description: string;
  date: string;
}

const FIELDS_BY_API_NAME = {
  from_account_id: 'fromAccountId',
  to_account_id: 'toAccountId',
  amount_cents: 'amount',
  description: 'description',
  occurred_on: 'date',
} as const;

interface TransferFormProps {
  fromAccountId?: string;
  /** Called after a transfer was recorded (to close a dialog); the form resets itself too. */
  onDone?: () => void;
}

type TransferForm = UseFormReturnType<TransferValues>;

/** The form's values and rules, with the defaults: the first account pays; with only one other, it receives. */
function useTransferForm(fromAccountId: string | undefined) {
  const accountsQuery = useAccounts();
  const accounts = activeAccounts(accountsQuery.data);
  const form = useForm<TransferValues>({
    initialValues: {
      fromAccountId: fromAccountId ?? null,
      toAccountId: null,
      amount: '',
      description: '',
      date: isoToDisplay(todayIso()),
    },
    validate: {
      fromAccountId: validateChoice,
      toAccountId: (value, values) => validateChoice(value) ?? (value === values.fromAccountId ? 'transfer.sameAccount' : null),
      amount: (value) => validateAmount(value),
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: false }),
      date: validateDate,
    },
  });

  const firstAccountId = accounts[0]?.id;
  const noSourceChosen = form.values.fromAccountId === null;
  useEffect(() => {
    if (noSourceChosen && firstAccountId) form.setFieldValue('fromAccountId', firstAccountId);
  }, [noSourceChosen, firstAccountId, form.setFieldValue]);
  const targets = accounts.filter((account) => account.id !== form.values.fromAccountId);
  const onlyTargetId = targets.length === 1 ? targets[0]?.id : undefined;
  const noTargetChosen = form.values.toAccountId === null;
  useEffect(() => {
    if (noTargetChosen && onlyTargetId) form.setFieldValue('toAccountId', onlyTargetId);
  }, [noTargetChosen, onlyTargetId, form.setFieldValue]);
  return { form, accounts, accountsLoaded: accountsQuery.isSuccess };
}

/** Posts the transfer with the opening's Idempotency-Key, then clears the form for the next one. */
function useSubmitTransfer(form: TransferForm, onDone: (() => void) | undefined) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useIdempotentMutation({
    mutationFn: createTransfer,
    onSuccess: () => invalidateMoney(queryClient),
  });

  const submit = form.onSubmit((values) => {
    const date = displayToIso(values.date);
    const cents = amountCents(values.amount);
    const description = values.description.trim();
    mutation.submit(
      {
        from_account_id: values.fromAccountId ?? '',
        to_account_id: values.toAccountId ?? '',
        amount_cents: cents,
        description: description || t('transfer.descriptionDefault'),
        ...(date.ok ? { occurred_on: date.iso } : {}),
      },
      {
        onSuccess: () => {
          notifications.show({ color: 'brand', message: t('transfer.done', { amount: formatBrl(cents) }) });
          form.setValues({ amount: '', description: '', toAccountId: null });
          onDone?.();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });
  return { mutation, submit };
}

/** Moves money between two of the person's own accounts. */
export function TransferForm({ fromAccountId, onDone }: TransferFormProps) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const { form, accounts, accountsLoaded } = useTransferForm(fromAccountId);
  const { mutation, submit } = useSubmitTransfer(form, onDone);

  if (accountsLoaded && accounts.length < 2) {
    return <Text c="dimmed">{t('transfer.needTwoAccounts')}</Text>;
  }

  const options = accounts.map((account) => ({ value: account.id, label: account.name }));
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Select
          {...form.getInputProps('fromAccountId')}
          onChange={(value) => {
            form.setFieldValue('fromAccountId', value);
            if (value === form.values.toAccountId) form.setFieldValue('toAccountId', null);
          }}
          error={errorText(form.errors.fromAccountId)}
          label={t('transfer.from')}
          data={options}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          {...form.getInputProps('toAccountId')}
          error={errorText(form.errors.toAccountId)}
          label={t('transfer.to')}
          placeholder={t('transfer.toPlaceholder')}
          data={options.filter((option) => option.value !== form.values.fromAccountId)}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        <MoneyInput
          {...form.getInputProps('amount')}
          error={errorText(form.errors.amount)}
          label={t('transfer.amount')}
          required
          withAsterisk={false}
        />
        <TextInput
          {...form.getInputProps('description')}
          error={errorText(form.errors.description)}
          label={t('transfer.description')}
          placeholder={t('transfer.descriptionDefault')}
          maxLength={DESCRIPTION_LENGTH_MAX}
        />
        <DateField
          {...form.getInputProps('date')}
          onChange={(value) => form.setFieldValue('date', value)}
          error={errorText(form.errors.date)}
          label={t('transfer.date')}
          required
          withAsterisk={false}
        />
        <ProblemAlert error={mutation.error} />
        <Button type="submit" fullWidth loading={mutation.isPending}>
          {t('transfer.submit')}
        </Button>
      </Stack>
    </form>
  );
}
