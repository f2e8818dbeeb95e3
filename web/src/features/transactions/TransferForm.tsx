import { Alert, Button, Group, Select, type SelectProps, Stack, Text, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Account, createTransfer, DESCRIPTION_LENGTH_MAX } from '../../api/ledger';
import { DateField } from '../../components/DateField';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrl } from '../../lib/money';
import { activeAccounts, invalidateMoney, useAccounts } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';
import { type BalanceChange, balanceChanges } from './transferResult';

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
function useSubmitTransfer(form: TransferForm, accounts: readonly Account[], onDone: (() => void) | undefined) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [result, setResult] = useState<BalanceChange[] | null>(null);
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
        onSuccess: (posted) => {
          const changes = balanceChanges(accounts, { amountCents: cents, from: posted.from_account, to: posted.to_account });
          setResult(changes);
          notifications.show({
            color: 'brand',
            message: (
              <Stack gap={2}>
                <Text size="sm">{t('transfer.done', { amount: formatBrl(cents) })}</Text>
                {changes.map((change) => (
                  <Text size="sm" key={change.name}>
                    {resultLine(t, change)}
                  </Text>
                ))}
              </Stack>
            ),
          });
          form.setValues({ amount: '', description: '', toAccountId: null });
          onDone?.();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });
  return { mutation, submit, result };
}

/** Moves money between two of the person's own accounts. */
export function TransferForm({ fromAccountId, onDone }: TransferFormProps) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const { form, accounts, accountsLoaded } = useTransferForm(fromAccountId);
  const { mutation, submit, result } = useSubmitTransfer(form, accounts, onDone);

  if (accountsLoaded && accounts.length < 2) {
    return <Text c="dimmed">{t('transfer.needTwoAccounts')}</Text>;
  }

  const options = accounts.map((account) => ({ value: account.id, label: account.name }));
  const balanceLine = (id: string | null) => {
    const account = accounts.find((item) => item.id === id);
    return account ? t('transfer.fromBalance', { name: account.name, amount: formatBrl(account.balance_cents) }) : undefined;
  };
  const renderOption = optionWithBalance(accounts);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {result ? <TransferResult changes={result} /> : null}
        <Select
          {...form.getInputProps('fromAccountId')}
          onChange={(value) => {
            form.setFieldValue('fromAccountId', value);
            if (value === form.values.toAccountId) form.setFieldValue('toAccountId', null);
          }}
          error={errorText(form.errors.fromAccountId)}
          label={t('transfer.from')}
          description={balanceLine(form.values.fromAccountId)}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          data={options}
          renderOption={renderOption}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          {...form.getInputProps('toAccountId')}
          error={errorText(form.errors.toAccountId)}
          label={t('transfer.to')}
          placeholder={t('transfer.toPlaceholder')}
          description={balanceLine(form.values.toAccountId)}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          data={options.filter((option) => option.value !== form.values.fromAccountId)}
          renderOption={renderOption}
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

type Translate = TFunction;

function resultLine(t: Translate, change: BalanceChange): string {
  return t('transfer.resultLine', {
    name: change.name,
    before: formatBrl(change.beforeCents),
    after: formatBrl(change.afterCents),
  });
}

/**
 * Each option shows the account's balance beside its name. The option's accessible name
 * stays the account's name (the balance is marked aria-hidden there), so the chosen value
 * reads as the name; the chosen accounts' balances are read out under the selects.
 */
function optionWithBalance(accounts: readonly Account[]): NonNullable<SelectProps['renderOption']> {
  return ({ option }) => {
    const account = accounts.find((item) => item.id === option.value);
    return (
      <Group justify="space-between" gap="xs" wrap="nowrap" w="100%">
        <span>{option.label}</span>
        {account ? (
          <Text span size="sm" c="dimmed" aria-hidden="true" data-option-balance>
            {formatBrl(account.balance_cents)}
          </Text>
        ) : null}
      </Group>
    );
  };
}

/** The last transfer's effect on both accounts, until the next one: "Conta corrente: R$ 800,00 → R$ 500,00". */
function TransferResult({ changes }: { changes: BalanceChange[] }) {
  const { t } = useTranslation();
  return (
    <Alert color="teal" variant="light" role="status" title={t('transfer.resultTitle')} data-testid="transfer-result">
      <Stack gap={2}>
        {changes.map((change) => (
          <Text size="sm" key={change.name}>
            {resultLine(t, change)}
          </Text>
        ))}
      </Stack>
    </Alert>
  );
}
